// The engine on tiny series whose every number is worked out by hand in the comments.
#include "engine/backtest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "strategy/buy_and_hold.h"
#include "strategy/sma_cross.h"
#include "support/bars.h"

namespace spark {
namespace {

constexpr double kHourlyPeriods = 8760;
constexpr double kFee = 0.001;  // 10 bps

// fast = 1 / slow = 2 on these bars: bullish at bars 2 and 6, bearish at bar 4 (see
// strategy_test). Under next_open: buy at open[3] = 11, sell at open[5] = 10, buy at open[7] = 12,
// still held after the last bar (close 13).
std::vector<Candle> HandBars() {
    return testing::MakeBars({{10, 10}, {10, 9}, {9, 10}, {11, 12}, {12, 11}, {10, 10}, {10, 12}, {12, 13}});
}

double Stdev(const std::vector<double>& r) {
    const double mean = std::accumulate(r.begin(), r.end(), 0.0) / r.size();
    double ss = 0;
    for (double x : r) ss += (x - mean) * (x - mean);
    return std::sqrt(ss / (r.size() - 1));
}

TEST(Backtest, HandComputedNextOpenRun) {
    const auto bars = HandBars();
    const auto result = RunBacktest(bars, SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());

    // Entry 1 at 11: qty = 10000 / (11 × 1.001); cost = 10000 / 1.001; fee = cost × 0.001.
    const double qty1 = 10000 / (11 * 1.001);
    const double fee1 = qty1 * 11 * kFee;
    // Exit at 10: proceeds = qty × 10, fee = proceeds × 0.001.
    const double proceeds1 = qty1 * 10;
    const double fee2 = proceeds1 * kFee;
    const double cash5 = 10000 - qty1 * 11 - fee1 + proceeds1 - fee2;
    const double pnl1 = (proceeds1 - fee2) - (qty1 * 11 + fee1);
    // Entry 2 at 12 with all the cash.
    const double qty2 = cash5 / (12 * 1.001);
    const double fee3 = qty2 * 12 * kFee;
    const double final_equity = cash5 - qty2 * 12 - fee3 + qty2 * 13;

    ASSERT_EQ(result->trades.size(), 2u);
    const Trade& t1 = result->trades[0];
    EXPECT_EQ(t1.entry_bar, 3);
    EXPECT_EQ(t1.entry_time_ms, bars[3].open_time_ms);
    EXPECT_DOUBLE_EQ(t1.entry_price, 11);
    EXPECT_EQ(t1.exit_bar, 5);
    EXPECT_DOUBLE_EQ(t1.exit_price, 10);
    EXPECT_DOUBLE_EQ(t1.quantity, qty1);
    EXPECT_DOUBLE_EQ(t1.fees, fee1 + fee2);
    EXPECT_DOUBLE_EQ(t1.pnl, pnl1);
    EXPECT_NEAR(t1.pnl, -927.2545636, 1e-6);  // 10000 × (10 × 0.999 / 11.011 − 1)
    EXPECT_DOUBLE_EQ(t1.return_fraction, pnl1 / 10000);
    EXPECT_FALSE(t1.open);

    const Trade& t2 = result->trades[1];
    EXPECT_TRUE(t2.open);
    EXPECT_EQ(t2.entry_bar, 7);
    EXPECT_EQ(t2.exit_bar, 7);
    EXPECT_DOUBLE_EQ(t2.exit_price, 13);
    EXPECT_DOUBLE_EQ(t2.fees, fee3);
    EXPECT_NEAR(t2.pnl, qty2 * 13 - cash5, 1e-9);

    const std::vector<double> equity = {
        10000, 10000, 10000,       10000 - qty1 * 11 - fee1 + qty1 * 12, 10000 - qty1 * 11 - fee1 + qty1 * 11,
        cash5, cash5, final_equity};
    ASSERT_EQ(result->equity.size(), equity.size());
    for (size_t t = 0; t < equity.size(); ++t) EXPECT_NEAR(result->equity[t], equity[t], 1e-9) << "bar " << t;

    const analysis::Metrics& m = result->metrics;
    EXPECT_DOUBLE_EQ(m.final_equity, result->equity.back());
    EXPECT_NEAR(m.total_return, final_equity / 10000 - 1, 1e-12);
    EXPECT_EQ(m.num_trades, 1);
    EXPECT_DOUBLE_EQ(m.win_rate, 0);
    ASSERT_TRUE(m.profit_factor.has_value());
    EXPECT_DOUBLE_EQ(*m.profit_factor, 0);  // no profit, one loss
    EXPECT_DOUBLE_EQ(m.avg_trade_return, t1.return_fraction);
    EXPECT_DOUBLE_EQ(m.best_trade, t1.return_fraction);
    EXPECT_DOUBLE_EQ(m.worst_trade, t1.return_fraction);
    EXPECT_DOUBLE_EQ(m.exposure, 3.0 / 8.0);  // held at the close of bars 3, 4 and 7
    EXPECT_NEAR(m.total_fees, fee1 + fee2 + fee3, 1e-12);
    EXPECT_DOUBLE_EQ(m.buy_and_hold_return, 13.0 / 10.0 - 1);
    // Peak at bar 3; the trough is the flat cash of bars 5-6; bars 4-7 are all below the peak.
    EXPECT_NEAR(m.max_drawdown, 1 - cash5 / equity[3], 1e-12);
    EXPECT_EQ(m.max_drawdown_duration_bars, 4);

    std::vector<double> r;
    for (size_t t = 1; t < equity.size(); ++t) r.push_back(equity[t] / equity[t - 1] - 1);
    const double mean = std::accumulate(r.begin(), r.end(), 0.0) / r.size();
    double downside = 0;
    for (double x : r) downside += std::min(x, 0.0) * std::min(x, 0.0);
    downside = std::sqrt(downside / r.size());
    EXPECT_NEAR(m.sharpe, mean / Stdev(r) * std::sqrt(kHourlyPeriods), 1e-9);
    EXPECT_NEAR(m.sortino, mean / downside * std::sqrt(kHourlyPeriods), 1e-9);
    EXPECT_NEAR(m.volatility, Stdev(r) * std::sqrt(kHourlyPeriods), 1e-9);
    const double years = 8 / kHourlyPeriods;
    EXPECT_NEAR(m.cagr, std::pow(final_equity / 10000, 1 / years) - 1, 1e-9);
    EXPECT_NEAR(m.calmar, m.cagr / m.max_drawdown, 1e-9);
}

TEST(Backtest, FillAtCloseFillsOnTheSignalBar) {
    const auto bars = HandBars();
    BacktestOptions options;
    options.fill = FillMode::kClose;
    const auto result = RunBacktest(bars, SmaCross(1, 2), options, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    ASSERT_EQ(result->trades.size(), 2u);
    // Signals at bars 2 (buy), 4 (sell), 6 (buy) fill at those bars' closes: 10, 11, 12.
    EXPECT_EQ(result->trades[0].entry_bar, 2);
    EXPECT_DOUBLE_EQ(result->trades[0].entry_price, 10);
    EXPECT_EQ(result->trades[0].exit_bar, 4);
    EXPECT_DOUBLE_EQ(result->trades[0].exit_price, 11);
    EXPECT_EQ(result->trades[1].entry_bar, 6);
    EXPECT_DOUBLE_EQ(result->trades[1].entry_price, 12);
    const double qty1 = 10000 / (10 * 1.001);
    EXPECT_NEAR(result->trades[0].pnl, qty1 * 11 * 0.999 - 10000, 1e-9);
    EXPECT_DOUBLE_EQ(result->metrics.exposure, 4.0 / 8.0);  // bars 2, 3, 6, 7
}

TEST(Backtest, SlippageAndPositionSize) {
    const auto bars = HandBars();
    BacktestOptions options;
    options.slippage_bps = 50;  // 0.5 %
    options.sizing.value = 0.5;
    const auto result = RunBacktest(bars, SmaCross(1, 2), options, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    const Trade& t1 = result->trades[0];
    EXPECT_DOUBLE_EQ(t1.entry_price, 11 * 1.005);
    EXPECT_DOUBLE_EQ(t1.exit_price, 10 * 0.995);
    EXPECT_DOUBLE_EQ(t1.quantity, 0.5 * 10000 / (11 * 1.005 * 1.001));
    // Half the cash stays uninvested: equity at bar 3 = 5000 + the position's mark - its costs.
    EXPECT_NEAR(result->equity[3], 10000 - 0.5 * 10000 + t1.quantity * 12, 1e-9);
}

TEST(Backtest, NoTradesMeansFlatEquityAndZeroMetrics) {
    const auto bars = testing::MakeBars({{5, 5}, {5, 5}, {5, 5}, {5, 5}, {5, 5}});
    const auto result = RunBacktest(bars, SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->trades.empty());
    const analysis::Metrics& m = result->metrics;
    EXPECT_DOUBLE_EQ(m.final_equity, 10000);
    EXPECT_DOUBLE_EQ(m.total_return, 0);
    EXPECT_DOUBLE_EQ(m.sharpe, 0);  // constant prices: stdev 0, so 0, never NaN
    EXPECT_DOUBLE_EQ(m.sortino, 0);
    EXPECT_DOUBLE_EQ(m.volatility, 0);
    EXPECT_DOUBLE_EQ(m.max_drawdown, 0);
    EXPECT_DOUBLE_EQ(m.cagr, 0);
    EXPECT_DOUBLE_EQ(m.calmar, 0);
    EXPECT_EQ(m.num_trades, 0);
    EXPECT_DOUBLE_EQ(m.win_rate, 0);
    EXPECT_FALSE(m.profit_factor.has_value());
    EXPECT_DOUBLE_EQ(m.exposure, 0);
    EXPECT_DOUBLE_EQ(m.total_fees, 0);
}

TEST(Backtest, SignalOnTheLastBarNeverFills) {
    // The only cross up happens on the last bar.
    const auto bars = testing::MakeBars({{10, 10}, {10, 9}, {9, 8}, {8, 9}});
    const auto result = RunBacktest(bars, SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    EXPECT_TRUE(result->trades.empty());
    EXPECT_DOUBLE_EQ(result->metrics.final_equity, 10000);
}

TEST(Backtest, BuyAndHoldFillsAtTheSecondOpenAndStaysOpen) {
    const auto bars = testing::MakeBars({{100, 110}, {110, 120}, {120, 90}});
    const auto result = RunBacktest(bars, BuyAndHold(), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    ASSERT_EQ(result->trades.size(), 1u);
    EXPECT_TRUE(result->trades[0].open);
    EXPECT_EQ(result->trades[0].entry_bar, 1);
    EXPECT_DOUBLE_EQ(result->trades[0].entry_price, 110);
    const double qty = 10000 / (110 * 1.001);
    EXPECT_NEAR(result->metrics.final_equity, qty * 90, 1e-9);
    EXPECT_EQ(result->metrics.num_trades, 0);  // an open trade is not a closed round trip
    EXPECT_DOUBLE_EQ(result->metrics.buy_and_hold_return, 90.0 / 100.0 - 1);
}

TEST(Backtest, BuyAndHoldAfterAWarmUpBuysAtTheFirstTradeableBar) {
    // Its signal belongs to the first bar trading may act on: with a warm-up of 3 bars the run
    // equals one on the bars after the warm-up alone (it once signalled inside the warm-up and
    // never bought).
    const auto bars = testing::MakeBars({{100, 101}, {101, 102}, {102, 103}, {103, 104}, {104, 110}, {110, 120}});
    const auto warmed = RunBacktest(bars, BuyAndHold(), BacktestOptions{}, kHourlyPeriods, 3);
    const auto alone = RunBacktest(std::span(bars).subspan(3), BuyAndHold(), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(warmed.has_value());
    ASSERT_TRUE(alone.has_value());
    ASSERT_EQ(warmed->trades.size(), 1u);
    EXPECT_EQ(warmed->trades[0].entry_bar, 1);  // bars count from the first traded one
    EXPECT_DOUBLE_EQ(warmed->trades[0].entry_price, 104);
    EXPECT_EQ(warmed->trades[0].entry_bar, alone->trades[0].entry_bar);
    EXPECT_DOUBLE_EQ(warmed->metrics.final_equity, alone->metrics.final_equity);
}

TEST(Backtest, SingleBarRunsWithZeroStatistics) {
    const auto result = RunBacktest(testing::MakeBars({{10, 11}}), SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->equity.size(), 1u);
    EXPECT_DOUBLE_EQ(result->metrics.sharpe, 0);
}

TEST(Backtest, RejectsBarsNoRunCanStandOn) {
    EXPECT_EQ(RunBacktest({}, SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods).error().code,
              ErrorCode::kRunEngineError);
    const auto bad = testing::MakeBars({{10, 10}, {0, 10}});
    const auto result = RunBacktest(bad, SmaCross(1, 2), BacktestOptions{}, kHourlyPeriods);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().code, ErrorCode::kRunEngineError);
    EXPECT_NE(result.error().message.find("2024-01-01T01:00:00Z"), std::string::npos);
}

}  // namespace
}  // namespace spark
