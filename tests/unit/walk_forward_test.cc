// Fold planning, efficiency, no look-ahead across folds, and the verdict on a constructed case.
#include <gtest/gtest.h>

#include <future>
#include <nlohmann/json.hpp>

#include "api/walkforward/walkforward_response.h"
#include "research/grid.h"
#include "research/walk_forward.h"
#include "research/walk_forward_summary.h"
#include "support/bars.h"

namespace spark::research {
namespace {

TEST(PlanFolds, RollingWindowsTileTheOutOfSample) {
    const auto folds = PlanFolds(100, {.in_sample = 30, .out_of_sample = 10, .step = 10, .mode = WindowMode::kRolling});
    ASSERT_TRUE(folds.has_value());
    ASSERT_EQ(folds->size(), 7u);  // OOS starts at 30, 40, ..., 90
    for (size_t k = 0; k < folds->size(); ++k) {
        const FoldWindow& w = (*folds)[k];
        EXPECT_EQ(w.in_sample_begin, 10 * k);
        EXPECT_EQ(w.in_sample_end, 30 + 10 * k);
        EXPECT_EQ(w.out_of_sample_end, 40 + 10 * k);
        // No bar is both in and out of sample; each OOS begins where the previous ended.
        EXPECT_LE(w.in_sample_end, w.out_of_sample_end);
        if (k > 0) {
            EXPECT_EQ(w.in_sample_end, (*folds)[k - 1].out_of_sample_end);
        }
    }
    EXPECT_EQ(folds->back().out_of_sample_end, 100u);
}

TEST(PlanFolds, AnchoredInSampleGrowsFromTheStart) {
    const auto folds = PlanFolds(95, {.in_sample = 30, .out_of_sample = 20, .step = 20, .mode = WindowMode::kAnchored});
    ASSERT_TRUE(folds.has_value());
    ASSERT_EQ(folds->size(), 3u);  // OOS [30,50), [50,70), [70,90); [90,110) does not fit
    for (const FoldWindow& w : *folds) EXPECT_EQ(w.in_sample_begin, 0u);
    EXPECT_EQ((*folds)[2].in_sample_end, 70u);
    EXPECT_EQ((*folds)[2].out_of_sample_end, 90u);
}

TEST(PlanFolds, TooShortNamesWhatIsNeeded) {
    const auto folds = PlanFolds(100, {.in_sample = 90, .out_of_sample = 30, .step = 30});
    ASSERT_FALSE(folds.has_value());
    EXPECT_EQ(folds.error().reason, "RANGE_TOO_SHORT");
    EXPECT_NE(folds.error().message.find("120"), std::string::npos);
    EXPECT_NE(folds.error().message.find("100"), std::string::npos);
    EXPECT_FALSE(PlanFolds(100, {.in_sample = 10, .out_of_sample = 0, .step = 10}).has_value());
}

TEST(WalkForwardEfficiency, UndefinedWithoutAPositiveInSampleReturn) {
    EXPECT_DOUBLE_EQ(*WalkForwardEfficiency(0.5, 0.25), 0.5);
    EXPECT_DOUBLE_EQ(*WalkForwardEfficiency(0.5, -0.25), -0.5);
    EXPECT_FALSE(WalkForwardEfficiency(0.0, 0.3).has_value());
    EXPECT_FALSE(WalkForwardEfficiency(-0.1, 0.3).has_value());
}

WalkForwardOutcome RunFolds(std::shared_ptr<const std::vector<Candle>> bars, std::vector<FoldWindow> folds,
                            const std::string& strategy = "sma_cross") {
    const StrategyDefinition& definition = *StrategyRegistry::BuiltIn().Find(strategy);
    ThreadPool pool(2);
    const GridSpec grid =
        strategy == "sma_cross" ? GridSpec{{{"fast", {5, 10, 20}}, {"slow", {30, 60}}}, {}} : GridSpec{};
    GridSearchInput input{.bars = bars,
                          .strategy = &definition,
                          .combinations = ExpandGrid(definition, grid)->combinations,
                          .options = {},
                          .periods_per_year = 8760,
                          .objective = Objective::kSharpe,
                          .min_trades = strategy == "sma_cross" ? 1 : 0};  // a held position is no closed trade
    std::promise<WalkForwardOutcome> done;
    StartWalkForward(pool, 2, std::move(input), std::move(folds), std::make_shared<std::atomic<bool>>(false),
                     [&](WalkForwardOutcome outcome) { done.set_value(std::move(outcome)); });
    return done.get_future().get();
}

TEST(WalkForward, AlteringBarsAfterAFoldChangesNothingInIt) {
    const auto real = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    const std::vector<Candle> first(real.begin(), real.begin() + 6000);
    const auto folds = *PlanFolds(first.size(), {.in_sample = 1000, .out_of_sample = 500, .step = 500});
    const WalkForwardOutcome base = RunFolds(std::make_shared<const std::vector<Candle>>(first), folds);
    const size_t cut = folds[3].out_of_sample_end;  // everything after fold 4 is rewritten
    std::vector<Candle> altered = first;
    for (size_t t = cut; t < altered.size(); ++t) {
        altered[t].open *= 0.5;
        altered[t].high *= 0.5;
        altered[t].low *= 0.5;
        altered[t].close *= 0.5;
    }
    const WalkForwardOutcome changed = RunFolds(std::make_shared<const std::vector<Candle>>(altered), folds);
    for (size_t k = 0; k <= 3; ++k) {
        ASSERT_TRUE(base.folds[k].best.has_value());
        EXPECT_EQ(changed.folds[k].best, base.folds[k].best) << "fold " << k;
        EXPECT_EQ(changed.folds[k].out_of_sample->equity, base.folds[k].out_of_sample->equity) << "fold " << k;
    }
}

TEST(WalkForward, BuyAndHoldBuysAtTheStartOfEachOutOfSampleWindow) {
    // Each fold's out-of-sample run is warmed up on its in-sample bars; buy_and_hold must still buy
    // on the window's first bar (it once signalled inside the warm-up and never traded), exactly as
    // a run on the window's bars alone does.
    const auto real = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    const auto bars = std::make_shared<const std::vector<Candle>>(real.begin(), real.begin() + 3000);
    const auto folds = *PlanFolds(bars->size(), {.in_sample = 1000, .out_of_sample = 500, .step = 500});
    const WalkForwardOutcome outcome = RunFolds(bars, folds, "buy_and_hold");
    ASSERT_EQ(outcome.folds.size(), folds.size());
    for (size_t k = 0; k < folds.size(); ++k) {
        ASSERT_TRUE(outcome.folds[k].out_of_sample.has_value()) << "fold " << k;
        const BacktestResult& oos = *outcome.folds[k].out_of_sample;
        ASSERT_EQ(oos.trades.size(), 1u) << "fold " << k;
        const std::span<const Candle> window(bars->data() + folds[k].in_sample_end,
                                             folds[k].out_of_sample_end - folds[k].in_sample_end);
        const auto alone = RunBacktest(window, *StrategyRegistry::BuiltIn().Find("buy_and_hold")->create({}), {}, 8760);
        ASSERT_TRUE(alone.has_value());
        EXPECT_EQ(oos.trades[0].entry_price, alone->trades[0].entry_price) << "fold " << k;
        EXPECT_EQ(oos.metrics.final_equity, alone->metrics.final_equity) << "fold " << k;
    }
}

// The verdict on a constructed outcome: two folds, in-sample CAGRs 0.4 and 0.6 (mean 0.5).
TEST(WalkForwardVerdict, EfficiencyAndPassOnAKnownCase) {
    // A price rising 1 % a bar, so a constant-growth out-of-sample curve of known CAGR.
    std::vector<std::pair<double, double>> oc;
    double p = 100;
    for (int i = 0; i < 40; ++i, p *= 1.01) oc.push_back({p, p * 1.01});
    LoadedBars bars;
    bars.bars = testing::MakeBars(oc);
    bars.expected = 40;
    const std::vector<ParamValues> combinations = {{{"fast", 5}, {"slow", 30}}};
    WalkForwardOutcome outcome;
    for (size_t k = 0; k < 2; ++k) {
        FoldOutcome fold;
        fold.window = {k * 10, 20 + k * 10, 30 + k * 10};
        fold.best = 0;
        fold.in_sample = analysis::Metrics{};
        fold.in_sample->cagr = k == 0 ? 0.4 : 0.6;
        BacktestResult oos;
        for (int t = 0; t < 10; ++t) oos.equity.push_back(10000 * std::pow(1.001, t + 1));  // +0.1 % a bar
        oos.metrics.cagr = 0;  // not used by the verdict, which uses the stitched curve
        fold.out_of_sample = oos;
        outcome.folds.push_back(fold);
    }
    // The domain computes the stitched curve and the verdict; the answer only writes them.
    const StitchedOutOfSample stitched = StitchOutOfSample(outcome, bars.bars, 10000, 8760);
    ASSERT_EQ(stitched.equity.size(), 20u);
    // Stitched: 20 bars each +0.1 %: final = 10000 × 1.001^20, over 20 bars of 8760 a year.
    const double oos_cagr = std::pow(std::pow(1.001, 20), 8760.0 / 20) - 1;
    const double efficiency = oos_cagr / 0.5;
    EXPECT_NEAR(stitched.metrics.cagr, oos_cagr, 1e-9 * oos_cagr);
    const WalkForwardVerdict verdict = JudgeWalkForward(outcome, stitched.metrics.cagr, 0.6);
    ASSERT_TRUE(verdict.efficiency.has_value());
    EXPECT_NEAR(*verdict.efficiency, efficiency, 1e-9 * efficiency);
    EXPECT_EQ(verdict.pass, efficiency >= 0.6);
    EXPECT_EQ(verdict.folds, 2u);
    // The answer writes exactly that.
    api::WalkForwardRequest request;
    request.search.run.interval = *Interval::Parse("1h");
    const auto body = nlohmann::json::parse(
        api::WriteWalkForwardResponse("run_test", request, 0.6, combinations, bars, nullptr, {}, outcome, {}));
    EXPECT_EQ(body["verdict"]["outOfSampleAnnualizedReturn"].get<double>(), verdict.out_of_sample_cagr);
    EXPECT_EQ(body["verdict"]["efficiency"].get<double>(), *verdict.efficiency);
    EXPECT_EQ(body["verdict"]["pass"], verdict.pass);
    EXPECT_EQ(body["outOfSample"]["equity"].size(), 20u);
    // The same with a negative in-sample mean: undefined efficiency, a failure with its reason.
    outcome.folds[0].in_sample->cagr = -0.9;
    const WalkForwardVerdict failing = JudgeWalkForward(outcome, stitched.metrics.cagr, 0.6);
    EXPECT_FALSE(failing.efficiency.has_value());
    EXPECT_FALSE(failing.pass);
    EXPECT_NE(failing.reason.find("not positive"), std::string::npos);
    // Stability: both folds chose the one combination.
    const Stability stability = ParameterStabilityOf(outcome, combinations);
    ASSERT_EQ(stability.params.size(), 2u);
    EXPECT_EQ(stability.params[0].name, "fast");
    EXPECT_EQ(stability.params[0].by_fold, (std::vector<double>{5, 5}));
    EXPECT_EQ(stability.params[0].stdev, 0);
    EXPECT_EQ(stability.most_chosen, 0u);
    EXPECT_EQ(stability.most_chosen_folds, 2);
}

}  // namespace
}  // namespace spark::research
