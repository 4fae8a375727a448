#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analysis/drawdown.h"
#include "analysis/return_statistics.h"
#include "analysis/trade_statistics.h"

namespace spark::analysis {
namespace {

TEST(Drawdown, DepthAndLongestRunBelowAPeak) {
    // Peak 120 at bar 1; 90 is 25 % below it; back to 120 (not above) ends the run at bar 4.
    const std::vector<double> equity = {100, 120, 90, 110, 120, 130, 125};
    const DrawdownStatistics d = ComputeDrawdown(equity);
    EXPECT_DOUBLE_EQ(d.max_drawdown, 0.25);
    EXPECT_EQ(d.max_duration_bars, 2);
}

TEST(Drawdown, EmptyAndMonotonicSeries) {
    EXPECT_DOUBLE_EQ(ComputeDrawdown({}).max_drawdown, 0);
    const std::vector<double> up = {1, 2, 3};
    EXPECT_DOUBLE_EQ(ComputeDrawdown(up).max_drawdown, 0);
    EXPECT_EQ(ComputeDrawdown(up).max_duration_bars, 0);
}

TEST(ReturnStatistics, UndefinedCasesAreZero) {
    const std::vector<double> two = {100, 110};  // one return: stdev undefined
    EXPECT_DOUBLE_EQ(ComputeReturnStatistics(two, 8760).sharpe, 0);
    const std::vector<double> rising = {100, 110, 121};  // no negative return: sortino undefined
    EXPECT_DOUBLE_EQ(ComputeReturnStatistics(rising, 8760).sortino, 0);
    EXPECT_DOUBLE_EQ(ComputeReturnStatistics(rising, 8760).sharpe, 0);  // equal returns: stdev 0
}

TEST(ReturnStatistics, KnownValues) {
    // Returns +10 %, -10 %: mean 0, so sharpe and sortino are 0; stdev = √0.02.
    const std::vector<double> equity = {100, 110, 99};
    const ReturnStatistics s = ComputeReturnStatistics(equity, 4);
    EXPECT_NEAR(s.sharpe, 0, 1e-15);
    EXPECT_NEAR(s.volatility, std::sqrt(0.02) * 2, 1e-12);
    // Returns +20 %, -10 %: mean 0.05, downside √(0.01 / 2).
    const std::vector<double> equity2 = {100, 120, 108};
    EXPECT_NEAR(ComputeReturnStatistics(equity2, 1).sortino, 0.05 / std::sqrt(0.005), 1e-12);
}

Trade Closed(double pnl, double ret) {
    Trade t;
    t.pnl = pnl;
    t.return_fraction = ret;
    return t;
}

TEST(TradeStatistics, ClosedTradesOnly) {
    Trade open = Closed(1000, 0.5);
    open.open = true;
    const std::vector<Trade> trades = {Closed(100, 0.1), Closed(-50, -0.05), Closed(0, 0), Closed(30, 0.03), open};
    const TradeStatistics s = ComputeTradeStatistics(trades);
    EXPECT_EQ(s.num_trades, 4);
    EXPECT_DOUBLE_EQ(s.win_rate, 0.5);  // a zero-pnl trade is not a win
    ASSERT_TRUE(s.profit_factor.has_value());
    EXPECT_DOUBLE_EQ(*s.profit_factor, 130.0 / 50.0);
    EXPECT_DOUBLE_EQ(s.avg_trade_return, (0.1 - 0.05 + 0 + 0.03) / 4);
    EXPECT_DOUBLE_EQ(s.best_trade, 0.1);
    EXPECT_DOUBLE_EQ(s.worst_trade, -0.05);
}

TEST(TradeStatistics, NoLossMeansNoProfitFactor) {
    const std::vector<Trade> trades = {Closed(10, 0.01)};
    EXPECT_FALSE(ComputeTradeStatistics(trades).profit_factor.has_value());
    EXPECT_FALSE(ComputeTradeStatistics({}).profit_factor.has_value());
    EXPECT_EQ(ComputeTradeStatistics({}).num_trades, 0);
}

}  // namespace
}  // namespace spark::analysis
