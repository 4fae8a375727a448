// Trailing stops, ATR levels, time exits and sizing modes on tiny series worked out by hand
// (docs/strategies.md "Trailing stops, ATR levels and time exits, exactly" and "Sizing").
#include <gtest/gtest.h>

#include <vector>

#include "engine/backtest.h"
#include "engine/sizing.h"
#include "support/scripted_strategy.h"

namespace spark {
namespace {

constexpr double kPeriods = 8760;

using testing::Scripted;

using testing::Bar;

constexpr Signal B = Signal::kBullish;
constexpr Signal S = Signal::kBearish;

//! No fees, so every price and quantity below is a round number.
BacktestOptions Frictionless() {
    BacktestOptions o;
    o.fee_bps = 0;
    return o;
}

TEST(ExitRules, TrailingStopFollowsTheBestPriceOfEarlierBarsOnly) {
    // Long at open[1] = 100 (qty 100), trail 10 %.
    const std::vector<Candle> bars = {
        Bar(0, 100, 100, 100, 100),
        Bar(1, 100, 110, 95, 108),   // trail 90 (best = the fill): low 95 stays above; best -> 110
        Bar(2, 108, 120, 100, 115),  // trail 99: low 100 above it. Had this bar's own high of 120 moved
                                     // the trail (look-ahead), 108 would have been hit; best -> 120
        Bar(3, 115, 116, 107, 110),  // trail 108: low 107 reaches it -> exit at 108
        Bar(4, 110, 110, 110, 110)};
    BacktestOptions o = Frictionless();
    o.trailing_stop_pct = 0.10;
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);
    const Trade& t = r->trades[0];
    EXPECT_EQ(t.exit_reason, ExitReason::kTrailingStop);
    EXPECT_EQ(t.exit_bar, 3);
    EXPECT_DOUBLE_EQ(t.exit_price, 108);
    EXPECT_DOUBLE_EQ(t.quantity, 100);
    EXPECT_DOUBLE_EQ(t.pnl, 800);
}

TEST(ExitRules, ABarOpeningBelowTheTrailExitsAtItsOpen) {
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 120, 100, 118),
                                      Bar(2, 105, 106, 104, 105)};  // trail 108, open 105
    BacktestOptions o = Frictionless();
    o.trailing_stop_pct = 0.10;
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTrailingStop);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 105);
}

TEST(ExitRules, TheTighterOfFixedAndTrailingStopIsInForceAndNamesTheExit) {
    // Stop 5 % = 95; trail 10 % starts at 90, so the fixed stop is in force on bar 1.
    BacktestOptions o = Frictionless();
    o.stop_loss_pct = 0.05;
    o.trailing_stop_pct = 0.10;
    {
        const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 101, 94, 96)};
        const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
        EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 95);
    }
    {
        // After a high of 120 the trail (108) is above the stop (95): it is the one hit.
        const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 120, 100, 118),
                                          Bar(2, 118, 118, 107, 107)};
        const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTrailingStop);
        EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 108);
    }
}

TEST(ExitRules, AShortsTrailMirrorsALongs) {
    // Short at open[1] = 100, trail 10 % above the lowest low: 110, then 99 after a low of 90.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 105, 90, 92), Bar(2, 92, 99.5, 91, 99),
                                      Bar(3, 99, 99, 99, 99)};
    BacktestOptions o = Frictionless();
    o.allow_short = true;
    o.trailing_stop_pct = 0.10;
    const auto r = RunBacktest(bars, Scripted({S}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].side, Side::kShort);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTrailingStop);
    EXPECT_EQ(r->trades[0].exit_bar, 2);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 99);
}

//! Three bars of range 2 without gaps: the true ranges of bars 1 and 2 are 2, so ATR(2) is 2 at
//! bar 2, where the entry is decided; the fill is at open[3] = 100.
std::vector<Candle> AtrStart() {
    return {Bar(0, 100, 101, 99, 100), Bar(1, 100, 101, 99, 100), Bar(2, 100, 101, 99, 100)};
}

TEST(ExitRules, AtrStopAndTargetAreFixedAtTheEntryDecision) {
    std::vector<Candle> bars = AtrStart();
    bars.push_back(Bar(3, 100, 102, 98, 101));   // TR 4: ATR 3 now, but the levels stay 97 and 104
    bars.push_back(Bar(4, 101, 103, 96.5, 97));  // low 96.5 reaches the stop of 97 (not 95.5)
    BacktestOptions o = Frictionless();
    o.stop_loss_atr = AtrDistance{.period = 2, .multiple = 1.5};
    o.take_profit_atr = AtrDistance{.period = 2, .multiple = 2};
    const auto r = RunBacktest(bars, Scripted({Signal::kNone, Signal::kNone, B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].entry_bar, 3);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(r->trades[0].exit_bar, 4);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 97);

    bars[4] = Bar(4, 101, 104.5, 100, 104);  // the target 100 + 2 × 2 = 104
    const auto target = RunBacktest(bars, Scripted({Signal::kNone, Signal::kNone, B}), o, kPeriods);
    ASSERT_EQ(target->trades.size(), 1u);
    EXPECT_EQ(target->trades[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_DOUBLE_EQ(target->trades[0].exit_price, 104);
}

TEST(ExitRules, AnAtrTrailUsesThePreviousCloseAtrAndNeverLoosens) {
    // multiple 3: trail 100 − 6 = 94 on bar 3.
    std::vector<Candle> bars = AtrStart();
    bars.push_back(Bar(3, 100, 101, 99, 100));   // TR 2, ATR 2; best -> 101
    bars.push_back(Bar(4, 100, 111, 99, 110));   // trail 101 − 6 = 95; TR 12 -> ATR 7; best -> 111
    bars.push_back(Bar(5, 110, 110, 94.5, 95));  // candidate 111 − 21 = 90 is looser: the trail stays 95
    BacktestOptions o = Frictionless();
    o.trailing_stop_atr = AtrDistance{.period = 2, .multiple = 3};
    const auto r = RunBacktest(bars, Scripted({Signal::kNone, Signal::kNone, B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTrailingStop);
    EXPECT_EQ(r->trades[0].exit_bar, 5);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 95);
}

TEST(ExitRules, NoAtrYetMeansNoAtrLevel) {
    // Decided at bar 0, where ATR(2) is not defined: the trade has no stop and stays open.
    const std::vector<Candle> bars = {Bar(0, 100, 101, 99, 100), Bar(1, 100, 100, 50, 60), Bar(2, 60, 60, 60, 60)};
    BacktestOptions o = Frictionless();
    o.stop_loss_atr = AtrDistance{.period = 2, .multiple = 1};
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_TRUE(r->trades[0].open);
}

TEST(ExitRules, MaxBarsInTradeExitsAtTheCloseOfTheNthBarHeld) {
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 101, 101, 101, 101),
                                      Bar(2, 102, 102, 102, 102), Bar(3, 103, 103, 103, 103)};
    BacktestOptions o = Frictionless();
    o.max_bars_in_trade = 2;
    // next_open: filled at open[1]; bars 1 and 2 held -> out at close[2] = 102.
    const auto next_open = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(next_open->trades.size(), 1u);
    EXPECT_EQ(next_open->trades[0].exit_reason, ExitReason::kTime);
    EXPECT_EQ(next_open->trades[0].exit_bar, 2);
    EXPECT_DOUBLE_EQ(next_open->trades[0].exit_price, 102);
    // close: filled at close[0]; bars 1 and 2 held -> out at close[2] as well.
    o.fill = FillMode::kClose;
    const auto at_close = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(at_close->trades.size(), 1u);
    EXPECT_EQ(at_close->trades[0].entry_bar, 0);
    EXPECT_EQ(at_close->trades[0].exit_reason, ExitReason::kTime);
    EXPECT_EQ(at_close->trades[0].exit_bar, 2);
}

TEST(ExitRules, SizingModesByHand) {
    const double fee = 0.001;
    // fraction: half the equity, fee included.
    EXPECT_DOUBLE_EQ(EntryQuantity({SizingMode::kFraction, 0.5}, 10000, 100, fee, std::nullopt),
                     0.5 * 10000 / (100 * 1.001));
    // notional: 2500 of quote per entry, the fee on top.
    EXPECT_DOUBLE_EQ(EntryQuantity({SizingMode::kNotional, 2500}, 10000, 100, fee, std::nullopt), 25);
    // ... capped so notional + fee never exceed the equity.
    EXPECT_DOUBLE_EQ(EntryQuantity({SizingMode::kNotional, 1e6}, 10000, 100, fee, std::nullopt), 10000 / 1.001 / 100);
    // risk: 1 % of 10000 = 100 lost over a stop 5 away -> 20 units.
    EXPECT_DOUBLE_EQ(EntryQuantity({SizingMode::kRisk, 0.01}, 10000, 100, fee, 5.0), 20);
    // ... capped by the equity: 50 % over a stop 1 away would be 5000 units.
    EXPECT_DOUBLE_EQ(EntryQuantity({SizingMode::kRisk, 0.5}, 10000, 100, fee, 1.0), 10000 / (100 * 1.001));
    // ... and nothing without a stop beyond the fill.
    EXPECT_EQ(EntryQuantity({SizingMode::kRisk, 0.01}, 10000, 100, fee, std::nullopt), 0);
    EXPECT_EQ(EntryQuantity({SizingMode::kRisk, 0.01}, 10000, 100, fee, 0.0), 0);
}

TEST(ExitRules, RiskSizingLosesTheRiskedFractionAtTheStop) {
    // 2 % of 10000 over a 5 % stop at 100: 40 units; the stop at 95 loses exactly 200.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 94, 94), Bar(2, 94, 94, 94, 94)};
    BacktestOptions o = Frictionless();
    o.stop_loss_pct = 0.05;
    o.sizing = {SizingMode::kRisk, 0.02};
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_DOUBLE_EQ(r->trades[0].quantity, 40);
    EXPECT_DOUBLE_EQ(r->trades[0].pnl, -200);
    EXPECT_DOUBLE_EQ(r->metrics.final_equity, 9800);
    // The trail's first level counts as the stop at entry when it is the tighter: 2 % trail.
    o.stop_loss_pct.reset();
    o.trailing_stop_pct = 0.02;
    const auto trailed = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(trailed->trades.size(), 1u);
    EXPECT_DOUBLE_EQ(trailed->trades[0].quantity, 100);  // 200 / 2, capped at all-in 10000 / 100
}

TEST(ExitRules, RiskSizingOpensNothingWhileTheAtrStopDoesNotExist) {
    const std::vector<Candle> bars = {Bar(0, 100, 101, 99, 100), Bar(1, 100, 101, 99, 100), Bar(2, 100, 101, 99, 100),
                                      Bar(3, 100, 101, 99, 100)};
    BacktestOptions o = Frictionless();
    o.stop_loss_atr = AtrDistance{.period = 2, .multiple = 1};
    o.sizing = {SizingMode::kRisk, 0.01};
    // Decided at bar 0 (no ATR yet): skipped. Decided at bar 2 (ATR 2): 100 / 2 = 50 units.
    const auto r = RunBacktest(bars, Scripted({B, Signal::kNone, B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].entry_bar, 3);
    EXPECT_DOUBLE_EQ(r->trades[0].quantity, 50);
}

}  // namespace
}  // namespace spark
