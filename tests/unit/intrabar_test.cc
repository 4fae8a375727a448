// Exits resolved on finer bars inside each bar (`intrabar`), on series worked out by hand: the
// finer path decides between stop and target, gaps at a finer bar's open, trails that move
// within the bar, and the bar's own rule where finer bars are missing.
#include <gtest/gtest.h>

#include <vector>

#include "engine/backtest.h"
#include "engine/intrabar_path.h"
#include "support/scripted_strategy.h"

namespace spark {
namespace {

constexpr double kPeriods = 8760;
constexpr int64_t kQuarterMs = 15 * kMillisPerMinute;

using testing::Scripted;

Candle Hour(int64_t i, double open, double high, double low, double close) {
    return {testing::kTestEpochMs + i * kMillisPerHour, open, high, low, close, 1};
}
Candle Quarter(int64_t hour, int64_t quarter, double open, double high, double low, double close) {
    return {testing::kTestEpochMs + hour * kMillisPerHour + quarter * kQuarterMs, open, high, low, close, 1};
}

//! Bought at open[1] = 100 (no fees): bar 1 reaches both 110 and 90.
const std::vector<Candle> kHours = {Hour(0, 100, 100, 100, 100), Hour(1, 100, 110, 90, 105),
                                    Hour(2, 105, 105, 105, 105)};

struct Outcome {
    std::vector<Trade> trades;
};

Outcome RunWith(const std::vector<Candle>& fine, BacktestOptions o) {
    o.fee_bps = 0;
    const IntrabarPath path(fine, *Interval::Parse("1h"), *Interval::Parse("15m"));
    if (!fine.empty()) o.intrabar = &path;
    auto result = RunBacktest(kHours, Scripted({Signal::kBullish}), o, kPeriods);
    EXPECT_TRUE(result.has_value());
    return {result ? result->trades : std::vector<Trade>{}};
}

BacktestOptions StopAndTarget() {
    BacktestOptions o;
    o.stop_loss_pct = 0.05;    // 95
    o.take_profit_pct = 0.08;  // 108
    return o;
}

TEST(Intrabar, WithoutFinerBarsBothLevelsInOneBarMeanTheStop) {
    const Outcome r = RunWith({}, StopAndTarget());
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 95);
}

TEST(Intrabar, TheFinerPathThatRisesFirstTakesTheProfit) {
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 109, 99, 108.5), Quarter(1, 1, 108.5, 110, 92, 93),
                                      Quarter(1, 2, 93, 95, 90, 94), Quarter(1, 3, 94, 105, 94, 105)};
    const Outcome r = RunWith(fine, StopAndTarget());
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_EQ(r.trades[0].exit_bar, 1);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 108);
}

TEST(Intrabar, TheFinerPathThatFallsFirstStopsOut) {
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 101, 94, 95), Quarter(1, 1, 95, 110, 90, 109),
                                      Quarter(1, 2, 109, 109, 100, 101), Quarter(1, 3, 101, 105, 100, 105)};
    const Outcome r = RunWith(fine, StopAndTarget());
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 95);
}

TEST(Intrabar, AFinerBarOpeningBeyondALevelFillsAtItsOpen) {
    // The second quarter opens at 109, above the target of 108: the exit is at 109.
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 101, 99, 100), Quarter(1, 1, 109, 110, 90, 92),
                                      Quarter(1, 2, 92, 95, 90, 94), Quarter(1, 3, 94, 105, 94, 105)};
    const Outcome r = RunWith(fine, StopAndTarget());
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 109);
}

TEST(Intrabar, TheEntryBarsFirstFinerOpenIsTheEntryNotAGap) {
    // Bought at 100 under a 0.5 % target (100.5): the first quarter's open of 100 is the fill,
    // and its high of 101 takes the profit at the level, not at an open.
    BacktestOptions o;
    o.take_profit_pct = 0.005;
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 101, 99, 100), Quarter(1, 1, 100, 110, 90, 92),
                                      Quarter(1, 2, 92, 95, 90, 94), Quarter(1, 3, 94, 105, 94, 105)};
    const Outcome r = RunWith(fine, o);
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 100.5);
}

TEST(Intrabar, ATrailMovesWithEachFinerBarInsideTheBar) {
    // Trail 5 %: after the first quarter's high of 110 it stands at 104.5; the second quarter's
    // low of 104 reaches it. On the hour alone the trail is still 95 while bar 1 is checked: its
    // low of 90 stops out there, at 95.
    BacktestOptions o;
    o.trailing_stop_pct = 0.05;
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 110, 100, 109), Quarter(1, 1, 109, 109, 104, 105),
                                      Quarter(1, 2, 105, 106, 104.2, 105), Quarter(1, 3, 105, 105, 104.5, 105)};
    const Outcome r = RunWith(fine, o);
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kTrailingStop);
    EXPECT_EQ(r.trades[0].exit_bar, 1);
    EXPECT_DOUBLE_EQ(r.trades[0].exit_price, 104.5);

    const Outcome hourly = RunWith({}, o);
    ASSERT_EQ(hourly.trades.size(), 1u);
    EXPECT_DOUBLE_EQ(hourly.trades[0].exit_price, 95);
}

TEST(Intrabar, ABarWithAMissingFinerBarIsResolvedOnItsOwnPrices) {
    const std::vector<Candle> fine = {Quarter(1, 0, 100, 109, 99, 108.5), Quarter(1, 1, 108.5, 110, 92, 93),
                                      Quarter(1, 3, 94, 105, 94, 105)};  // quarter 2 missing
    const IntrabarPath path(fine, *Interval::Parse("1h"), *Interval::Parse("15m"));
    EXPECT_TRUE(path.Inside(kHours[1].open_time_ms).empty());
    EXPECT_EQ(path.IncompleteBars(kHours), 3);  // bars 0 and 2 have none at all
    const Outcome r = RunWith(fine, StopAndTarget());
    ASSERT_EQ(r.trades.size(), 1u);
    EXPECT_EQ(r.trades[0].exit_reason, ExitReason::kStopLoss);  // the conservative rule
}

}  // namespace
}  // namespace spark
