#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/overfitting.h"
#include "analysis/performance_report.h"
#include "common/thread_pool.h"
#include "engine/backtest.h"
#include "strategy/series_context.h"
#include "strategy/strategy_registry.h"

namespace spark::research {

enum class Objective { kSharpe, kTotalReturn, kCagr, kCalmar, kSortino, kProfitFactor };
std::optional<Objective> ParseObjective(std::string_view name);
std::string_view ObjectiveName(Objective objective);
//! The metric an objective ranks by; a missing profit factor (no losing trade) is +infinity.
double ObjectiveValue(Objective objective, const analysis::Metrics& metrics);

struct GridSearchInput {
    std::shared_ptr<const std::vector<Candle>> bars;  //!< checked with CheckBars by the caller
    const StrategyDefinition* strategy = nullptr;
    std::vector<ParamValues> combinations;  //!< valid, in enumeration order
    BacktestOptions options;
    double periods_per_year = 0;
    Objective objective = Objective::kSharpe;
    int64_t min_trades = 1;
};

struct Trial {
    analysis::Metrics metrics;
    std::optional<double> sharpe_per_bar;  //!< absent for a flat equity curve
    bool evaluated = false;
};

struct GridSearchOutcome {
    std::vector<Trial> trials;    //!< one per combination, in enumeration order
    std::vector<size_t> ranking;  //!< ranked combination indices, best first
    int64_t evaluated = 0;
    int64_t below_min_trades = 0;
    bool cancelled = false;
    std::string error;                   //!< set when the job failed (an exception on a worker)
    size_t lanes = 0;                    //!< workers the job used
    std::optional<BacktestResult> best;  //!< the full run of ranking[0]
    std::optional<analysis::OverfittingGuard> guard;
};

//! A combination's trial from its finished run (the per-bar Sharpe ratio only when the curve moved).
Trial TrialOf(const analysis::Metrics& metrics, double periods_per_year);

//! Runs `combinations` in order on one thread over `context` (a shard of a grid: jobs and workers
//! run grids in pieces with the same engine calls as the grid search). Stops early when `cancel`
//! is set; trials not reached stay unevaluated.
std::vector<Trial> EvaluateCombinations(const SeriesContext& context, const StrategyDefinition& strategy,
                                        std::span<const ParamValues> combinations, const BacktestOptions& options,
                                        double periods_per_year, const std::atomic<bool>* cancel = nullptr);

//! Counts and ranks `outcome.trials` (evaluated ones; fewer trades than `min_trades` counted but
//! not ranked): highest objective first, ties to the combination enumerated first.
void RankTrials(GridSearchOutcome& outcome, Objective objective, int64_t min_trades);

//! Runs the best ranked combination again for its full result and computes the overfitting guard
//! over every evaluated trial's Sharpe ratio. A no-op when nothing ranked.
void AddBestRun(GridSearchOutcome& outcome, const SeriesContext& context, const StrategyDefinition& strategy,
                const std::vector<ParamValues>& combinations, const BacktestOptions& options, double periods_per_year);

//! Runs every combination on the shared compute pool with at most `max_lanes` workers. Lanes
//! take a few combinations at a time and requeue themselves behind other work, so concurrent
//! single runs are never starved. Indicator series are shared through one SeriesContext and each
//! lane reuses one workspace, so the hot loop allocates nothing per combination. `done` is
//! called once, from a worker, with the outcome (identical whatever the lane count). Setting
//! `*cancel` stops the remaining work; the outcome then says `cancelled`.
void StartGridSearch(ThreadPool& pool, size_t max_lanes, GridSearchInput input,
                     std::shared_ptr<std::atomic<bool>> cancel, std::function<void(GridSearchOutcome)> done);

}  // namespace spark::research
