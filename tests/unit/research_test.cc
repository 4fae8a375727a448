// Grid expansion, the grid search engine and the overfitting guard.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "analysis/normal_distribution.h"
#include "analysis/overfitting.h"
#include "research/grid.h"
#include "research/grid_search.h"
#include "support/bars.h"

namespace spark::research {
namespace {

const StrategyDefinition& Sma() { return *StrategyRegistry::BuiltIn().Find("sma_cross"); }

TEST(Grid, RangesAreInclusiveAndComputedAfresh) {
    EXPECT_EQ(RangeValues(5, 50, 5), (std::vector<double>{5, 10, 15, 20, 25, 30, 35, 40, 45, 50}));
    EXPECT_EQ(RangeValues(1, 10, 4), (std::vector<double>{1, 5, 9}));  // 13 would pass `to`
    const auto floats = RangeValues(0.1, 0.3, 0.1);
    ASSERT_EQ(floats.size(), 3u);  // 0.1 + 2 × 0.1 lands within 1e-9 of a step of 0.3
    EXPECT_DOUBLE_EQ(floats[2], 0.1 + 2 * 0.1);
    EXPECT_EQ(RangeValues(7, 7, 1), std::vector<double>{7});
}

TEST(Grid, EnumeratesInSchemaOrderAndSkipsConstraintBreakers) {
    // slow is listed first but fast is first in the schema, so fast varies slowest.
    const auto expansion = ExpandGrid(Sma(), {{{"slow", {20, 50}}, {"fast", {10, 30}}}, {}});
    ASSERT_TRUE(expansion.has_value()) << expansion.error().message;
    EXPECT_EQ(expansion->skipped, 1);  // (30, 20): fast >= slow
    ASSERT_EQ(expansion->combinations.size(), 3u);
    EXPECT_EQ(expansion->combinations[0], (ParamValues{{"fast", 10}, {"slow", 20}}));
    EXPECT_EQ(expansion->combinations[1], (ParamValues{{"fast", 10}, {"slow", 50}}));
    EXPECT_EQ(expansion->combinations[2], (ParamValues{{"fast", 30}, {"slow", 50}}));
}

TEST(Grid, UnsearchedParametersTakeFixedOrDefaultValues) {
    const StrategyDefinition& rsi = *StrategyRegistry::BuiltIn().Find("rsi_reversion");
    const auto expansion = ExpandGrid(rsi, {{{"lower", {20, 25.5}}}, {{"period", 7}}});
    ASSERT_TRUE(expansion.has_value());
    ASSERT_EQ(expansion->combinations.size(), 2u);
    EXPECT_EQ(expansion->combinations[1], (ParamValues{{"period", 7}, {"lower", 25.5}, {"upper", 70}}));
}

TEST(Grid, InvalidValuesNameTheAxis) {
    auto bad = ExpandGrid(Sma(), {{{"fast", {10, 2.5}}}, {}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().field, "grid.fast");
    bad = ExpandGrid(Sma(), {{{"fast", {0}}}, {}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().message.find("between 1 and 10000"), std::string::npos);
    bad = ExpandGrid(Sma(), {{{"period", {3}}}, {}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().reason, "UNKNOWN_PARAMETER");
    bad = ExpandGrid(Sma(), {{{"fast", {3}}}, {{"fast", 4}}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().field, "grid.fast");
    std::vector<double> many(2000);
    for (size_t i = 0; i < many.size(); ++i) many[i] = static_cast<double>(i + 2);
    bad = ExpandGrid(Sma(), {{{"fast", many}, {"slow", many}}, {}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().code, ErrorCode::kTooManyCombinations);
}

GridSearchOutcome Search(size_t lanes, size_t pool_size, std::shared_ptr<std::atomic<bool>> cancel = nullptr) {
    static const auto bars =
        std::make_shared<const std::vector<Candle>>(testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h")));
    ThreadPool pool(pool_size);
    GridSearchInput input{
        .bars = bars,
        .strategy = &Sma(),
        .combinations = ExpandGrid(Sma(), {{{"fast", RangeValues(2, 40, 2)}, {"slow", RangeValues(10, 200, 10)}}, {}})
                            ->combinations,
        .options = {},
        .periods_per_year = 8760,
        .objective = Objective::kSharpe,
        .min_trades = 1};
    std::promise<GridSearchOutcome> done;
    StartGridSearch(pool, lanes, std::move(input), cancel ? cancel : std::make_shared<std::atomic<bool>>(false),
                    [&](GridSearchOutcome outcome) { done.set_value(std::move(outcome)); });
    return done.get_future().get();
}

TEST(GridSearch, IdenticalWhateverTheConcurrency) {
    const GridSearchOutcome one = Search(1, 1);
    const GridSearchOutcome eight = Search(8, 8);
    EXPECT_EQ(one.lanes, 1u);
    EXPECT_EQ(eight.lanes, 8u);
    ASSERT_GT(one.evaluated, 300);
    EXPECT_EQ(one.evaluated, eight.evaluated);
    EXPECT_EQ(one.ranking, eight.ranking);
    for (size_t i = 0; i < one.trials.size(); ++i) {
        EXPECT_EQ(one.trials[i].metrics.sharpe, eight.trials[i].metrics.sharpe);
        EXPECT_EQ(one.trials[i].metrics.final_equity, eight.trials[i].metrics.final_equity);
    }
    ASSERT_TRUE(one.guard && eight.guard);
    EXPECT_EQ(one.guard->dsr, eight.guard->dsr);
    ASSERT_TRUE(one.best.has_value());
    EXPECT_EQ(one.best->metrics.sharpe, one.trials[one.ranking[0]].metrics.sharpe);
    // Ranked best first.
    for (size_t r = 1; r < one.ranking.size(); ++r) {
        EXPECT_GE(one.trials[one.ranking[r - 1]].metrics.sharpe, one.trials[one.ranking[r]].metrics.sharpe);
    }
}

TEST(GridSearch, CancellationStopsTheWork) {
    auto cancel = std::make_shared<std::atomic<bool>>(true);
    const GridSearchOutcome outcome = Search(2, 2, cancel);
    EXPECT_TRUE(outcome.cancelled);
    EXPECT_LT(outcome.evaluated, 10);
    EXPECT_FALSE(outcome.best.has_value());
}

TEST(NormalDistribution, KnownValues) {
    EXPECT_NEAR(analysis::NormalCdf(0), 0.5, 1e-16);
    EXPECT_NEAR(analysis::NormalCdf(1.959963984540054), 0.975, 1e-15);
    EXPECT_NEAR(analysis::NormalQuantile(0.975), 1.959963984540054, 1e-13);
    EXPECT_NEAR(analysis::NormalQuantile(1e-10), -6.361340902404056, 1e-10);
    for (double p : {1e-12, 0.001, 0.02425, 0.3, 0.5, 0.8, 0.97575, 0.999999}) {
        EXPECT_NEAR(analysis::NormalCdf(analysis::NormalQuantile(p)), p, 1e-14 + 1e-12 * p) << p;
    }
}

// The hand-checkable example of tests/golden/optimize/README.md, computed independently in Python.
TEST(OverfittingGuard, MatchesTheIndependentExample) {
    std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/optimize/psr_dsr_example.json");
    const nlohmann::json example = nlohmann::json::parse(in);
    std::vector<double> equity = {1.0};
    for (const double r : example["returns"]) equity.push_back(equity.back() * (1 + r));
    std::vector<std::optional<double>> trials;
    for (const double s : example["trialSharpes"]) trials.push_back(s);
    const analysis::OverfittingGuard g = analysis::ComputeOverfittingGuard(equity, trials);
    EXPECT_NEAR(*g.moments.sharpe, example["sr"].get<double>(), 1e-12);
    EXPECT_NEAR(*g.moments.skewness, example["skewness"].get<double>(), 1e-12);
    EXPECT_NEAR(*g.moments.kurtosis, example["kurtosis"].get<double>(), 1e-12);
    EXPECT_NEAR(*g.psr, example["psr"].get<double>(), 1e-12);
    EXPECT_NEAR(*g.sharpe_variance, example["sharpeVariance"].get<double>(), 1e-15);
    EXPECT_NEAR(*g.expected_max_sharpe, example["sr0"].get<double>(), 1e-12);
    EXPECT_NEAR(*g.dsr, example["dsr"].get<double>(), 1e-12);
}

TEST(OverfittingGuard, UndefinedCases) {
    const std::vector<double> flat = {1, 1, 1, 1};
    const std::vector<std::optional<double>> one = {0.1};
    const analysis::OverfittingGuard g = analysis::ComputeOverfittingGuard(flat, one);
    EXPECT_FALSE(g.psr.has_value());
    EXPECT_FALSE(g.dsr.has_value());
    const std::vector<double> rising = {1, 1.01, 1.0, 1.03, 1.02};
    const std::vector<std::optional<double>> with_flat = {0.1, std::nullopt};
    const analysis::OverfittingGuard h = analysis::ComputeOverfittingGuard(rising, with_flat);
    EXPECT_TRUE(h.psr.has_value());
    EXPECT_FALSE(h.dsr.has_value());  // a trial without a Sharpe ratio leaves V undefined
    const analysis::OverfittingGuard single = analysis::ComputeOverfittingGuard(rising, one);
    EXPECT_EQ(single.dsr, single.psr);  // nothing to deflate for
}

}  // namespace
}  // namespace spark::research
