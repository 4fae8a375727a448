// Properties the engine must hold on the real BTCUSDT 1h data (2023-2024).
#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <vector>

#include "engine/backtest.h"
#include "strategy/sma_cross.h"
#include "strategy/strategy_registry.h"
#include "support/bars.h"

namespace spark {
namespace {

constexpr double kHourlyPeriods = 8760;

const std::vector<Candle>& RealBars() {
    static const std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    return bars;
}

BacktestResult RunSma(const std::vector<Candle>& bars, const BacktestOptions& options = {}) {
    auto result = RunBacktest(bars, SmaCross(10, 30), options, kHourlyPeriods);
    EXPECT_TRUE(result.has_value());
    return result ? *result : BacktestResult{};
}

TEST(Properties, RealDataIsLoaded) { ASSERT_EQ(RealBars().size(), 17543u); }

TEST(Properties, NoLookAhead) {
    const BacktestResult base = RunSma(RealBars());
    for (size_t cut : {100u, 5000u, 12345u, 17000u}) {
        std::vector<Candle> altered = RealBars();
        for (size_t t = cut + 1; t < altered.size(); ++t) {
            Candle& c = altered[t];
            const double factor = (t % 3 == 0) ? 1.37 : 0.71;  // reshape the future, nothing before it
            c.open *= factor;
            c.high *= factor;
            c.low *= factor;
            c.close *= factor;
        }
        const BacktestResult changed = RunSma(altered);
        for (size_t t = 0; t <= cut; ++t) ASSERT_EQ(changed.equity[t], base.equity[t]) << "cut " << cut << " bar " << t;
        for (size_t i = 0; i < base.trades.size() && base.trades[i].exit_bar <= static_cast<int64_t>(cut); ++i) {
            ASSERT_LT(i, changed.trades.size());
            EXPECT_EQ(changed.trades[i].entry_bar, base.trades[i].entry_bar);
            EXPECT_EQ(changed.trades[i].pnl, base.trades[i].pnl);
        }
    }
}

TEST(Properties, DeterministicAcrossThreads) {
    const BacktestResult reference = RunSma(RealBars());
    std::vector<std::future<BacktestResult>> runs;
    for (int i = 0; i < 4; ++i) runs.push_back(std::async(std::launch::async, [] { return RunSma(RealBars()); }));
    for (auto& run : runs) {
        const BacktestResult r = run.get();
        EXPECT_EQ(r.equity, reference.equity);
        ASSERT_EQ(r.trades.size(), reference.trades.size());
        for (size_t i = 0; i < r.trades.size(); ++i) EXPECT_EQ(r.trades[i].pnl, reference.trades[i].pnl);
        EXPECT_EQ(r.metrics.sharpe, reference.metrics.sharpe);
    }
}

TEST(Properties, CostsOnlyLowerTheResult) {
    double previous = 1e300;
    size_t trades = 0;
    for (double fee : {0.0, 1.0, 10.0, 50.0}) {
        BacktestOptions options;
        options.fee_bps = fee;
        const BacktestResult r = RunSma(RealBars(), options);
        EXPECT_LT(r.metrics.final_equity, previous) << "fee " << fee;
        previous = r.metrics.final_equity;
        if (trades == 0) trades = r.trades.size();
        EXPECT_EQ(r.trades.size(), trades);  // costs never change decisions
    }
    previous = 1e300;
    for (double slippage : {0.0, 2.0, 20.0}) {
        BacktestOptions options;
        options.slippage_bps = slippage;
        const BacktestResult r = RunSma(RealBars(), options);
        EXPECT_LT(r.metrics.final_equity, previous) << "slippage " << slippage;
        previous = r.metrics.final_equity;
    }
}

TEST(Properties, FillAtCloseIsNextOpenOneBarEarlierAtThatClose) {
    const BacktestResult next_open = RunSma(RealBars());
    BacktestOptions options;
    options.fill = FillMode::kClose;
    const BacktestResult at_close = RunSma(RealBars(), options);
    ASSERT_GE(at_close.trades.size(), next_open.trades.size());
    for (size_t i = 0; i < next_open.trades.size(); ++i) {
        const Trade& a = next_open.trades[i];
        const Trade& b = at_close.trades[i];
        EXPECT_EQ(b.entry_bar, a.entry_bar - 1);
        EXPECT_EQ(b.entry_price, RealBars()[b.entry_bar].close);
        EXPECT_EQ(a.entry_price, RealBars()[a.entry_bar].open);
        if (!a.open) {
            EXPECT_EQ(b.exit_bar, a.exit_bar - 1);
            EXPECT_EQ(b.exit_price, RealBars()[b.exit_bar].close);
        }
    }
}

//! The same properties for every registered strategy, long-only and with shorts.
struct StrategyCase {
    std::string name;
    bool allow_short;
};

class EveryStrategy : public ::testing::TestWithParam<StrategyCase> {
  protected:
    BacktestResult RunCase(const std::vector<Candle>& bars, BacktestOptions options = {}) const {
        options.allow_short = GetParam().allow_short;
        const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
        const auto strategy = registry.Create(GetParam().name, *registry.Resolve(GetParam().name, {}));
        auto result = RunBacktest(bars, *strategy, options, kHourlyPeriods);
        EXPECT_TRUE(result.has_value());
        return result ? *result : BacktestResult{};
    }
};

TEST_P(EveryStrategy, TradesOnRealData) {
    const BacktestResult r = RunCase(RealBars());
    EXPECT_FALSE(r.trades.empty());
    for (const Trade& t : r.trades) {
        EXPECT_LE(t.entry_bar, t.exit_bar);
        if (!GetParam().allow_short) {
            EXPECT_EQ(t.side, Side::kLong);
        }
    }
}

TEST_P(EveryStrategy, NoLookAhead) {
    BacktestOptions at_close;
    at_close.fill = FillMode::kClose;
    const BacktestResult base = RunCase(RealBars());
    const BacktestResult base_at_close = RunCase(RealBars(), at_close);
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create(GetParam().name, *registry.Resolve(GetParam().name, {}));
    std::vector<Signal> base_signals(RealBars().size());
    strategy->GenerateSignals(RealBars(), base_signals);
    for (size_t cut : {500u, 9000u, 16000u}) {
        std::vector<Candle> altered = RealBars();
        for (size_t t = cut + 1; t < altered.size(); ++t) {
            const double factor = (t % 5 < 2) ? 1.21 : 0.83;
            altered[t].open *= factor;
            altered[t].high *= factor;
            altered[t].low *= factor;
            altered[t].close *= factor;
        }
        // The decisions themselves: a strategy reading bar t+1 would change the signal at cut.
        std::vector<Signal> signals(altered.size());
        strategy->GenerateSignals(altered, signals);
        for (size_t t = 0; t <= cut; ++t) ASSERT_EQ(signals[t], base_signals[t]) << "cut " << cut << " bar " << t;
        // And the results, under both fill modes (under close, a decision at cut fills at cut).
        const BacktestResult changed = RunCase(altered);
        const BacktestResult changed_at_close = RunCase(altered, at_close);
        for (size_t t = 0; t <= cut; ++t) {
            ASSERT_EQ(changed.equity[t], base.equity[t]) << "cut " << cut << " bar " << t;
            ASSERT_EQ(changed_at_close.equity[t], base_at_close.equity[t]) << "cut " << cut << " bar " << t;
        }
    }
}

TEST_P(EveryStrategy, ExtremeParametersGiveWellFormedResults) {
    // Each strategy at the smallest and the largest value of every parameter, on a short range.
    const std::vector<Candle> week(RealBars().begin(), RealBars().begin() + 168);
    const StrategyDefinition* d = StrategyRegistry::BuiltIn().Find(GetParam().name);
    for (const bool largest : {false, true}) {
        ParamValues given;
        for (const ParamSpec& p : d->params) given[p.name] = largest ? p.max : p.min;
        auto params = StrategyRegistry::BuiltIn().Resolve(d->name, given);
        if (!params) continue;  // extremes that break the constraint (fast = slow) are rejected
        const auto strategy = StrategyRegistry::BuiltIn().Create(d->name, *params);
        BacktestOptions options;
        options.allow_short = GetParam().allow_short;
        const auto result = RunBacktest(week, *strategy, options, kHourlyPeriods);
        ASSERT_TRUE(result.has_value());
        for (const double e : result->equity) ASSERT_TRUE(std::isfinite(e));
        EXPECT_TRUE(std::isfinite(result->metrics.sharpe));
    }
}

TEST_P(EveryStrategy, CostsOnlyLowerTheResultAndNeverChangeDecisions) {
    BacktestOptions cheap;
    cheap.fee_bps = 0;
    BacktestOptions dear;
    dear.fee_bps = 25;
    dear.slippage_bps = 5;
    const BacktestResult a = RunCase(RealBars(), cheap);
    const BacktestResult b = RunCase(RealBars(), dear);
    EXPECT_LT(b.metrics.final_equity, a.metrics.final_equity);
    ASSERT_EQ(a.trades.size(), b.trades.size());
    for (size_t i = 0; i < a.trades.size(); ++i) EXPECT_EQ(a.trades[i].entry_bar, b.trades[i].entry_bar);
}

TEST_P(EveryStrategy, FillAtCloseIsNextOpenOneBarEarlier) {
    BacktestOptions close;
    close.fill = FillMode::kClose;
    const BacktestResult a = RunCase(RealBars());
    const BacktestResult b = RunCase(RealBars(), close);
    ASSERT_GE(b.trades.size(), a.trades.size());
    for (size_t i = 0; i < a.trades.size(); ++i) {
        EXPECT_EQ(b.trades[i].entry_bar, a.trades[i].entry_bar - 1);
        EXPECT_EQ(b.trades[i].side, a.trades[i].side);
        EXPECT_EQ(b.trades[i].entry_price, RealBars()[b.trades[i].entry_bar].close);
    }
}

TEST_P(EveryStrategy, Deterministic) {
    const BacktestResult a = RunCase(RealBars());
    const BacktestResult b = RunCase(RealBars());
    EXPECT_EQ(a.equity, b.equity);
}

std::vector<StrategyCase> AllCases() {
    std::vector<StrategyCase> cases;
    for (const StrategyDefinition& d : StrategyRegistry::BuiltIn().All()) {
        cases.push_back({d.name, false});
        cases.push_back({d.name, true});
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryStrategy, ::testing::ValuesIn(AllCases()),
                         [](const ::testing::TestParamInfo<StrategyCase>& info) {
                             return info.param.name + (info.param.allow_short ? "_long_short" : "_long_only");
                         });

}  // namespace
}  // namespace spark
