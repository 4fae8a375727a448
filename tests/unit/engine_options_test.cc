// Shorts, reversals, stop-loss and take-profit on tiny series worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "engine/backtest.h"
#include "support/scripted_strategy.h"

namespace spark {
namespace {

constexpr double kPeriods = 8760;

using testing::Scripted;

using testing::Bar;

constexpr Signal B = Signal::kBullish;
constexpr Signal S = Signal::kBearish;
constexpr Signal N = Signal::kNone;

TEST(EngineOptions, BearishIgnoredWhenShortsAreNotAllowed) {
    const std::vector<Candle> bars = {Bar(0, 10, 10, 10, 10), Bar(1, 10, 10, 10, 10), Bar(2, 10, 10, 10, 10)};
    const auto r = RunBacktest(bars, Scripted({S}), BacktestOptions{}, kPeriods);
    EXPECT_TRUE(r->trades.empty());
}

TEST(EngineOptions, ShortTradeByHand) {
    // Short at open[1] = 100, cover at open[3] = 80; fee 10 bps, no slippage.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 90, 90), Bar(2, 90, 90, 80, 80),
                                      Bar(3, 80, 80, 80, 80)};
    BacktestOptions o;
    o.allow_short = true;
    const auto r = RunBacktest(bars, Scripted({S, N, Signal::kExitShort}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);
    const Trade& t = r->trades[0];
    const double qty = 10000 / (100 * 1.001);
    EXPECT_EQ(t.side, Side::kShort);
    EXPECT_DOUBLE_EQ(t.quantity, qty);
    EXPECT_EQ(t.entry_bar, 1);
    EXPECT_EQ(t.exit_bar, 3);
    const double entry_fee = qty * 100 * 0.001;
    const double exit_fee = qty * 80 * 0.001;
    EXPECT_NEAR(t.pnl, (qty * 100 - entry_fee) - (qty * 80 + exit_fee), 1e-9);
    EXPECT_NEAR(t.return_fraction, t.pnl / (qty * 100 + entry_fee), 1e-12);
    // Equity while short: cash (10000 + proceeds − fee) − qty × close.
    EXPECT_NEAR(r->equity[1], 10000 + qty * 100 - entry_fee - qty * 90, 1e-9);
    EXPECT_NEAR(r->metrics.final_equity, 10000 + t.pnl, 1e-9);
    EXPECT_DOUBLE_EQ(r->metrics.exposure, 2.0 / 4.0);  // short at the close of bars 1 and 2
}

TEST(EngineOptions, ReversalClosesAndOpensInOneFill) {
    const std::vector<Candle> bars = {Bar(0, 10, 10, 10, 10), Bar(1, 10, 12, 10, 12), Bar(2, 12, 12, 11, 11),
                                      Bar(3, 11, 11, 11, 11)};
    BacktestOptions o;
    o.allow_short = true;
    const auto r = RunBacktest(bars, Scripted({B, S}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 2u);
    EXPECT_EQ(r->trades[0].side, Side::kLong);
    EXPECT_EQ(r->trades[0].exit_bar, 2);
    EXPECT_EQ(r->trades[1].side, Side::kShort);
    EXPECT_EQ(r->trades[1].entry_bar, 2);
    EXPECT_DOUBLE_EQ(r->trades[1].entry_price, 12);
    EXPECT_TRUE(r->trades[1].open);
    // The short is sized from the equity right after the long closed.
    const double qty1 = 10000 / (10 * 1.001);
    const double cash = qty1 * 12 * 0.999 + (10000 - qty1 * 10 * 1.001);
    EXPECT_NEAR(r->trades[1].quantity, cash / (12 * 1.001), 1e-9);
}

TEST(EngineOptions, StopLossFillsAtTheLevelOrAtAGapOpen) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.stop_loss_pct = 0.1;  // long entered at 100: stop at 90
    // Bar 2 trades through 90 (low 85): exit at 90.
    std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 105, 95, 100), Bar(2, 100, 101, 85, 95),
                                Bar(3, 95, 95, 95, 95)};
    auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_EQ(r->trades[0].exit_bar, 2);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 90);
    // Bar 2 gaps down to 80 at the open: exit at the open, not at the level.
    bars[2] = Bar(2, 80, 82, 78, 81);
    r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 80);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
}

TEST(EngineOptions, BothLevelsInOneBarAssumeTheStopFirst) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.stop_loss_pct = 0.05;
    o.take_profit_pct = 0.05;
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100),
                                      Bar(2, 100, 106, 94, 100)};
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 95);
}

TEST(EngineOptions, TakeProfitAndAGapThroughIt) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.take_profit_pct = 0.1;  // target 110
    std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 104, 99, 103), Bar(2, 103, 111, 102, 108)};
    auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 110);
    bars[2] = Bar(2, 115, 116, 112, 113);
    r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 115);
}

TEST(EngineOptions, NextOpenChecksTheEntryBarFillAtCloseStartsNextBar) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.stop_loss_pct = 0.1;
    // next_open: entry at open[1] = 100, bar 1 itself falls to 85: stopped on bar 1.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 85, 92), Bar(2, 92, 92, 80, 80)};
    auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    EXPECT_EQ(r->trades[0].exit_bar, 1);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 90);
    // close: entry at close[1] = 92 after bar 1's range; the stop (82.8) is first checked on bar 2.
    o.fill = FillMode::kClose;
    r = RunBacktest(bars, Scripted({N, B}), o, kPeriods);
    EXPECT_EQ(r->trades[0].entry_bar, 1);
    EXPECT_EQ(r->trades[0].exit_bar, 2);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 92 * 0.9);
}

TEST(EngineOptions, ShortStopsMirrorLongOnes) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.allow_short = true;
    o.stop_loss_pct = 0.1;  // short entered at 100: stop at 110
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 104, 98, 103),
                                      Bar(2, 103, 112, 101, 111)};
    const auto r = RunBacktest(bars, Scripted({S}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].side, Side::kShort);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 110);
}

TEST(EngineOptions, SlippageAppliesToStopFills) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.slippage_bps = 100;   // 1 %
    o.stop_loss_pct = 0.1;  // entry 101 (100 + 1 %), stop level 90.9, filled at 90.9 × 0.99
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100), Bar(2, 100, 100, 80, 85)};
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    EXPECT_DOUBLE_EQ(r->trades[0].entry_price, 101);
    EXPECT_NEAR(r->trades[0].exit_price, 101 * 0.9 * 0.99, 1e-12);
}

TEST(EngineOptions, EachRowOfTheSignalTable) {
    const std::vector<Candle> bars = {Bar(0, 10, 10, 10, 10), Bar(1, 10, 10, 10, 10), Bar(2, 10, 10, 10, 10),
                                      Bar(3, 10, 10, 10, 10), Bar(4, 10, 10, 10, 10)};
    BacktestOptions shorts;
    shorts.allow_short = true;
    const auto run = [&](std::vector<Signal> script, const BacktestOptions& o) {
        auto r = RunBacktest(bars, Scripted(std::move(script)), o, kPeriods);
        EXPECT_TRUE(r.has_value());
        return r ? r->trades : std::vector<Trade>{};
    };
    // exit_long is ignored while short, exit_short closes it.
    auto trades = run({S, Signal::kExitLong, Signal::kExitShort}, shorts);
    ASSERT_EQ(trades.size(), 1u);
    EXPECT_EQ(trades[0].side, Side::kShort);
    EXPECT_EQ(trades[0].exit_bar, 3);
    // exit_short is ignored while long; exit closes a long.
    trades = run({B, Signal::kExitShort, Signal::kExit}, shorts);
    ASSERT_EQ(trades.size(), 1u);
    EXPECT_EQ(trades[0].side, Side::kLong);
    EXPECT_EQ(trades[0].exit_bar, 3);
    // exit closes a short too.
    trades = run({S, N, Signal::kExit}, shorts);
    ASSERT_EQ(trades.size(), 1u);
    EXPECT_EQ(trades[0].exit_bar, 3);
    // Long-only: exit_short and a bearish signal while flat do nothing.
    trades = run({Signal::kExitShort, S, B}, BacktestOptions{});
    ASSERT_EQ(trades.size(), 1u);
    EXPECT_TRUE(trades[0].open);
    EXPECT_EQ(trades[0].entry_bar, 3);
}

TEST(EngineOptions, OpenShortIsMarkedAtTheLastClose) {
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100), Bar(2, 100, 100, 90, 90)};
    BacktestOptions o;
    o.allow_short = true;
    const auto r = RunBacktest(bars, Scripted({S}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);
    const Trade& t = r->trades[0];
    EXPECT_TRUE(t.open);
    EXPECT_EQ(t.exit_reason, ExitReason::kEnd);
    const double qty = 10000 / (100 * 1.001);
    const double entry_fee = qty * 100 * 0.001;
    EXPECT_NEAR(t.pnl, (qty * 100 - entry_fee) - qty * 90, 1e-9);
    EXPECT_NEAR(t.return_fraction, t.pnl / (qty * 100 + entry_fee), 1e-12);
    EXPECT_NEAR(r->metrics.final_equity, 10000 + t.pnl, 1e-9);
}

TEST(EngineOptions, ShortTakeProfitAndGapThroughIt) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.allow_short = true;
    o.take_profit_pct = 0.1;  // short at 100: target 90
    std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 101, 97, 98), Bar(2, 98, 99, 89, 92)};
    auto r = RunBacktest(bars, Scripted({S}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTakeProfit);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 90);
    bars[2] = Bar(2, 85, 88, 84, 86);  // opens below the target
    r = RunBacktest(bars, Scripted({S}), o, kPeriods);
    EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 85);
}

TEST(EngineOptions, TheEntryBarsOwnOpenIsNotAGap) {
    // 1 % slippage puts the entry fill (101) beyond a 0.5 % stop measured from the open; the open
    // is the entry itself, so only the bar's range can trigger (its low 100.4 is above 100.495).
    BacktestOptions o;
    o.fee_bps = 0;
    o.slippage_bps = 100;
    o.stop_loss_pct = 0.005;
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 102, 100.6, 101.5),
                                      Bar(2, 101.5, 101.5, 100, 100)};
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_bar, 2);  // stopped by bar 2's range, not at bar 1's open
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kStopLoss);
}

TEST(EngineOptions, ARuinedAccountIsLiquidatedAndStopsTrading) {
    // A short from 100 while the price triples: equity reaches zero at 200 (minus fees).
    BacktestOptions o;
    o.allow_short = true;
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 150, 100, 150),
                                      Bar(2, 150, 300, 150, 300), Bar(3, 300, 300, 300, 300),
                                      Bar(4, 300, 300, 300, 300)};
    const auto r = RunBacktest(bars, Scripted({S, N, N, B}), o, kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);  // the bullish signal after the ruin opens nothing
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kLiquidation);
    EXPECT_EQ(r->trades[0].exit_bar, 2);
    EXPECT_LE(r->metrics.final_equity, 0);
    EXPECT_TRUE(std::isfinite(r->metrics.sharpe));
    EXPECT_TRUE(std::isfinite(r->metrics.sortino));
    EXPECT_DOUBLE_EQ(r->equity[3], r->equity[2]);
}

}  // namespace
}  // namespace spark
