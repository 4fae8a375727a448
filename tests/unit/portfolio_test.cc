// Portfolios: exact equivalence with single runs, rebalancing by hand, missing bars, correlation.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/backtest.h"
#include "research/portfolio.h"
#include "strategy/buy_and_hold.h"
#include "strategy/strategy_registry.h"
#include "support/bars.h"

namespace spark::research {
namespace {

std::unique_ptr<Strategy> Make(const char* name) {
    const StrategyRegistry& r = StrategyRegistry::BuiltIn();
    return r.Create(name, *r.Resolve(name, {}));
}

std::vector<Candle> Year2024(const char* name) {
    const auto all = testing::LoadSampleBars(name, *Interval::Parse("1h"));
    std::vector<Candle> out;
    for (const Candle& c : all) {
        if (c.open_time_ms >= 1704067200000 && c.open_time_ms < 1735689600000) out.push_back(c);
    }
    return out;
}

TEST(Portfolio, WithoutRebalancingItIsTheWeightedSumOfSingleRuns) {
    const auto btc = Year2024("BTCUSDT-1h");
    const auto eth = Year2024("ETHUSDT-1h");
    ASSERT_EQ(btc.size(), 8784u);
    PortfolioInput input;
    input.options.initial_cash = 10000;
    input.periods_per_year = 8760;
    input.assets.push_back({"BTCUSDT", 0.5, Make("sma_cross"), btc});
    input.assets.push_back({"ETHUSDT", 0.5, Make("buy_and_hold"), eth});
    const PortfolioResult portfolio = RunPortfolio(input);
    const auto a = RunBacktest(btc, *Make("sma_cross"), BacktestOptions{}, 8760);
    const auto b = RunBacktest(eth, *Make("buy_and_hold"), BacktestOptions{}, 8760);
    ASSERT_EQ(portfolio.equity.size(), 8784u);
    // Halving the capital halves every quantity and fee exactly (a power of two), so equality is exact.
    for (size_t t = 0; t < portfolio.equity.size(); ++t) {
        ASSERT_EQ(portfolio.equity[t], 0.5 * a->equity[t] + 0.5 * b->equity[t]) << "bar " << t;
    }
    EXPECT_EQ(portfolio.sleeves[0].trades.size(), a->trades.size());
    EXPECT_NEAR(portfolio.sleeves[0].metrics.total_return, a->metrics.total_return, 1e-12);
    EXPECT_EQ(portfolio.rebalances, 0);
    EXPECT_NEAR(portfolio.sleeves[0].contribution + portfolio.sleeves[1].contribution, portfolio.metrics.total_return,
                1e-12);
}

//! Two assets, fill at the close, no fees: A doubles on bar 1, B stays flat; rebalance every bar.
PortfolioInput HandCase(double fee_bps) {
    PortfolioInput input;
    input.options.initial_cash = 1000;
    input.options.fee_bps = fee_bps;
    input.options.fill = FillMode::kClose;
    input.periods_per_year = 8760;
    input.rebalance = {RebalanceKind::kEveryBars, 1};
    input.assets.push_back(
        {"A", 0.5, std::make_unique<BuyAndHold>(), testing::MakeBars({{100, 100}, {200, 200}, {200, 200}})});
    input.assets.push_back(
        {"B", 0.5, std::make_unique<BuyAndHold>(), testing::MakeBars({{100, 100}, {100, 100}, {100, 100}})});
    return input;
}

TEST(Portfolio, RebalancingByHand) {
    const PortfolioResult r = RunPortfolio(HandCase(0));
    // Bar 0: both buy 5 units at 100 (500 each); the rebalance there trades nothing.
    // Bar 1: A is worth 1000, B 500; reset to 750 each: A sells 1.25 units, B buys 2.5 (250 each).
    // Bar 2: A 3.75 × 200 = 750, B 7.5 × 100 = 750. No rebalance after the last bar.
    ASSERT_EQ(r.equity.size(), 3u);
    EXPECT_DOUBLE_EQ(r.equity[0], 1000);
    EXPECT_DOUBLE_EQ(r.equity[1], 1500);
    EXPECT_DOUBLE_EQ(r.equity[2], 1500);
    EXPECT_EQ(r.rebalances, 2);
    EXPECT_DOUBLE_EQ(r.turnover, 500.0 / 1500.0);
    EXPECT_DOUBLE_EQ(r.rebalance_fees, 0);
    EXPECT_DOUBLE_EQ(r.sleeves[0].final_equity, 750);
    EXPECT_DOUBLE_EQ(r.sleeves[1].final_equity, 750);
    EXPECT_DOUBLE_EQ(r.sleeves[0].trades[0].quantity, 3.75);  // the open position, resized
    EXPECT_DOUBLE_EQ(r.sleeves[1].trades[0].quantity, 7.5);
    // Contributions: A made 500 (its 250 handed to B is a flow, not a loss); B made nothing.
    EXPECT_DOUBLE_EQ(r.sleeves[0].contribution, 0.5);
    EXPECT_DOUBLE_EQ(r.sleeves[1].contribution, 0.0);
    EXPECT_DOUBLE_EQ(r.metrics.total_return, 0.5);
    // Time-weighted sleeve returns ignore the flows: A doubled, B did not move.
    EXPECT_DOUBLE_EQ(r.sleeves[0].metrics.total_return, 1.0);
    EXPECT_DOUBLE_EQ(r.sleeves[1].metrics.total_return, 0.0);
}

TEST(Portfolio, RebalancingPaysFeesOnTheTradedNotional) {
    const PortfolioResult with_fees = RunPortfolio(HandCase(10));
    // Entries pay 10 bps too, so the traded amounts differ slightly from 250; the rebalance fee is
    // exactly 10 bps of what was traded, and the contributions still add up to the return.
    EXPECT_GT(with_fees.rebalance_fees, 0);
    // Traded at bar 1 ≈ 250 + 250 out of ≈ 1500: turnover ≈ 1/3 and a fee of ≈ 0.5.
    EXPECT_NEAR(with_fees.turnover, 1.0 / 3.0, 0.01);
    EXPECT_NEAR(with_fees.rebalance_fees, 0.5, 0.01);
    EXPECT_NEAR(with_fees.sleeves[0].contribution + with_fees.sleeves[1].contribution, with_fees.metrics.total_return,
                1e-12);
    EXPECT_LT(with_fees.equity[2], 1500);
}

TEST(Portfolio, AMissingBarCarriesTheLastCloseAndCannotTrade) {
    PortfolioInput input = HandCase(0);
    // B has no bar at t1 (and moves to 120 by t2): valued at its t0 close at t1, untouched by the
    // t1 rebalance.
    input.assets[1].bars = testing::MakeBars({{100, 100}, {100, 100}, {120, 120}});
    input.assets[1].bars.erase(input.assets[1].bars.begin() + 1);
    const PortfolioResult r = RunPortfolio(input);
    ASSERT_EQ(r.timeline.size(), 3u);
    EXPECT_EQ(r.sleeves[1].missing_on_timeline, 1);
    EXPECT_EQ(r.sleeves[0].missing_on_timeline, 0);
    // t1: A 1000, B 500 (carried). Only A can trade: it is reset to its share of what B leaves:
    // 1500 − 500 = 1000, all of it A's. Nothing moves.
    EXPECT_DOUBLE_EQ(r.equity[1], 1500);
    EXPECT_DOUBLE_EQ(r.sleeves[0].trades[0].quantity, 5);
    // t2: A 5 × 200 = 1000, B 5 × 120 = 600.
    EXPECT_DOUBLE_EQ(r.equity[2], 1600);
}

TEST(Portfolio, CorrelationAgainstADirectCalculation) {
    const auto btc = Year2024("BTCUSDT-1h");
    const auto eth = Year2024("ETHUSDT-1h");
    PortfolioInput input;
    input.options.initial_cash = 10000;
    input.periods_per_year = 8760;
    input.assets.push_back({"BTCUSDT", 0.5, Make("buy_and_hold"), btc});
    input.assets.push_back({"ETHUSDT", 0.5, Make("buy_and_hold"), eth});
    const PortfolioResult r = RunPortfolio(input);
    // Pearson's r from raw sums, a different formula from the implementation's two-pass one.
    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    const double n = static_cast<double>(btc.size() - 1);
    for (size_t t = 1; t < btc.size(); ++t) {
        const double x = btc[t].close / btc[t - 1].close - 1;
        const double y = eth[t].close / eth[t - 1].close - 1;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    const double expected = (n * sxy - sx * sy) / std::sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    ASSERT_TRUE(r.correlation[0][1].has_value());
    EXPECT_NEAR(*r.correlation[0][1], expected, 1e-9);
    EXPECT_EQ(r.correlation[0][1], r.correlation[1][0]);
    EXPECT_EQ(*r.correlation[0][0], 1.0);
    EXPECT_GT(expected, 0.5);  // BTC and ETH move together
}

TEST(Portfolio, RebalanceCalendar) {
    const RebalanceRule monthly{RebalanceKind::kMonthly, 0};
    EXPECT_TRUE(IsRebalanceTime(monthly, 0, 1706742000000, 1706745600000));   // Jan 31 23:00 -> Feb 1
    EXPECT_FALSE(IsRebalanceTime(monthly, 0, 1706738400000, 1706742000000));  // within Jan 31
    const RebalanceRule weekly{RebalanceKind::kWeekly, 0};
    EXPECT_TRUE(IsRebalanceTime(weekly, 0, 1704668400000, 1704672000000));   // Sun 2024-01-07 23:00 -> Mon
    EXPECT_FALSE(IsRebalanceTime(weekly, 0, 1704582000000, 1704585600000));  // Sat -> Sun
    EXPECT_TRUE(IsRebalanceTime(weekly, 0, 1704063600000, 1704067200000));   // Sun 2023-12-31 -> Mon 2024-01-01
    EXPECT_FALSE(IsRebalanceTime(weekly, 0, 1704067200000, 1704070800000));  // within Monday
    const RebalanceRule daily{RebalanceKind::kDaily, 0};
    EXPECT_TRUE(IsRebalanceTime(daily, 0, 1704146400000, 1704153600000));
    const RebalanceRule every{RebalanceKind::kEveryBars, 24};
    EXPECT_FALSE(IsRebalanceTime(every, 22, 0, 1));
    EXPECT_TRUE(IsRebalanceTime(every, 23, 0, 1));
}

}  // namespace
}  // namespace spark::research
