#include "research/grid_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>

#include "research/option_axes.h"

namespace spark::research {
namespace {

//! Combinations a lane runs before requeueing itself: ~1 ms of work on an hourly two-year series,
//! the longest a single run may wait behind a grid search for a worker.
constexpr size_t kCombinationsPerTurn = 4;

struct ObjectiveName_ {
    Objective objective;
    std::string_view name;
};
constexpr ObjectiveName_ kObjectives[] = {
    {Objective::kSharpe, "sharpe"},   {Objective::kTotalReturn, "totalReturn"},
    {Objective::kCagr, "cagr"},       {Objective::kCalmar, "calmar"},
    {Objective::kSortino, "sortino"}, {Objective::kProfitFactor, "profitFactor"},
};

class GridSearchJob : public std::enable_shared_from_this<GridSearchJob> {
  public:
    GridSearchJob(ThreadPool& pool, GridSearchInput input, std::shared_ptr<std::atomic<bool>> cancel,
                  std::function<void(GridSearchOutcome)> done)
        : pool_(pool),
          input_(std::move(input)),
          context_(*input_.bars, 0, input_.options.timeframe),
          cancel_(std::move(cancel)),
          done_(std::move(done)) {
        // Everything a combination needs is built before the hot loop.
        strategies_.reserve(input_.combinations.size());
        for (const ParamValues& p : input_.combinations) {
            strategies_.push_back(input_.strategy->create(StrategyParamsOf(p)));
            // Combinations that search engine options run with their own; the rest share the input's.
            if (HasOptionValues(p)) {
                if (options_.empty()) options_.resize(input_.combinations.size(), input_.options);
                options_[strategies_.size() - 1] = OptionsFor(input_.options, p);
            }
        }
        outcome_.trials.resize(input_.combinations.size());
    }

    void Start(size_t max_lanes) {
        const size_t lanes = std::max<size_t>(1, std::min({max_lanes, pool_.Size(), input_.combinations.size()}));
        outcome_.lanes = lanes;
        workspaces_.resize(lanes);
        active_lanes_ = lanes;
        for (size_t lane = 0; lane < lanes; ++lane) {
            pool_.Submit([self = shared_from_this(), lane] { self->Turn(lane); });
        }
    }

  private:
    void Turn(size_t lane) {
        const size_t n = input_.combinations.size();
        BacktestWorkspace& workspace = workspaces_[lane];
        try {
            for (size_t k = 0; k < kCombinationsPerTurn && !cancel_->load(std::memory_order_relaxed); ++k) {
                const size_t i = next_.fetch_add(1);
                if (i >= n) break;
                RunBacktest(context_, *strategies_[i], OptionsOf(i), input_.periods_per_year, workspace);
                outcome_.trials[i] = TrialOf(workspace.result.metrics, input_.periods_per_year);
            }
        } catch (const std::exception& e) {
            // The job ends with the error; the other lanes stop at their next turn.
            std::lock_guard lock(error_mutex_);
            if (outcome_.error.empty()) outcome_.error = e.what();
            cancel_->store(true);
        }
        if (next_.load() < n && !cancel_->load()) {
            // Back of the queue: single runs submitted meanwhile go first.
            pool_.Submit([self = shared_from_this(), lane] { self->Turn(lane); });
            return;
        }
        if (active_lanes_.fetch_sub(1) == 1) Finish();
    }

    void Finish() {
        outcome_.cancelled = cancel_->load();
        RankTrials(outcome_, input_.objective, input_.min_trades);
        if (!outcome_.cancelled && outcome_.error.empty()) {
            AddBestRun(outcome_, context_, *input_.strategy, input_.combinations, input_.options,
                       input_.periods_per_year);
        }
        done_(std::move(outcome_));
    }

    const BacktestOptions& OptionsOf(size_t i) const { return options_.empty() ? input_.options : options_[i]; }

    ThreadPool& pool_;
    GridSearchInput input_;
    std::vector<BacktestOptions> options_;  //!< per combination, when the grid searches engine options
    SeriesContext context_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::function<void(GridSearchOutcome)> done_;
    std::vector<std::unique_ptr<Strategy>> strategies_;
    std::vector<BacktestWorkspace> workspaces_;
    std::atomic<size_t> next_{0};
    std::atomic<size_t> active_lanes_{0};
    std::mutex error_mutex_;
    GridSearchOutcome outcome_;
};

}  // namespace

std::optional<Objective> ParseObjective(std::string_view name) {
    for (const auto& o : kObjectives) {
        if (o.name == name) return o.objective;
    }
    return std::nullopt;
}

std::string_view ObjectiveName(Objective objective) {
    for (const auto& o : kObjectives) {
        if (o.objective == objective) return o.name;
    }
    return "sharpe";
}

double ObjectiveValue(Objective objective, const analysis::Metrics& m) {
    switch (objective) {
        case Objective::kSharpe:
            return m.sharpe;
        case Objective::kTotalReturn:
            return m.total_return;
        case Objective::kCagr:
            return m.cagr;
        case Objective::kCalmar:
            return m.calmar;
        case Objective::kSortino:
            return m.sortino;
        case Objective::kProfitFactor:
            return m.profit_factor.value_or(std::numeric_limits<double>::infinity());
    }
    return m.sharpe;
}

Trial TrialOf(const analysis::Metrics& metrics, double periods_per_year) {
    Trial trial;
    trial.metrics = metrics;
    if (metrics.volatility > 0) trial.sharpe_per_bar = metrics.sharpe / std::sqrt(periods_per_year);
    trial.evaluated = true;
    return trial;
}

std::vector<Trial> EvaluateCombinations(const SeriesContext& context, const StrategyDefinition& strategy,
                                        std::span<const ParamValues> combinations, const BacktestOptions& options,
                                        double periods_per_year, const std::atomic<bool>* cancel) {
    std::vector<Trial> trials(combinations.size());
    BacktestWorkspace workspace;
    for (size_t i = 0; i < combinations.size(); ++i) {
        if (cancel && cancel->load(std::memory_order_relaxed)) break;
        const ParamValues& p = combinations[i];
        const std::unique_ptr<Strategy> run = strategy.create(StrategyParamsOf(p));
        if (HasOptionValues(p)) {
            RunBacktest(context, *run, OptionsFor(options, p), periods_per_year, workspace);
        } else {
            RunBacktest(context, *run, options, periods_per_year, workspace);
        }
        trials[i] = TrialOf(workspace.result.metrics, periods_per_year);
    }
    return trials;
}

void RankTrials(GridSearchOutcome& outcome, Objective objective, int64_t min_trades) {
    outcome.evaluated = 0;
    outcome.below_min_trades = 0;
    outcome.ranking.clear();
    for (size_t i = 0; i < outcome.trials.size(); ++i) {
        const Trial& trial = outcome.trials[i];
        if (!trial.evaluated) continue;
        ++outcome.evaluated;
        if (trial.metrics.num_trades < min_trades) {
            ++outcome.below_min_trades;
            continue;
        }
        outcome.ranking.push_back(i);
    }
    // Highest objective first; ties to the combination enumerated first.
    std::stable_sort(outcome.ranking.begin(), outcome.ranking.end(), [&](size_t a, size_t b) {
        return ObjectiveValue(objective, outcome.trials[a].metrics) >
               ObjectiveValue(objective, outcome.trials[b].metrics);
    });
}

void AddBestRun(GridSearchOutcome& outcome, const SeriesContext& context, const StrategyDefinition& strategy,
                const std::vector<ParamValues>& combinations, const BacktestOptions& options, double periods_per_year) {
    if (outcome.ranking.empty()) return;
    std::vector<std::optional<double>> sharpes;
    for (const Trial& trial : outcome.trials) {
        if (trial.evaluated) sharpes.push_back(trial.sharpe_per_bar);
    }
    const ParamValues& best = combinations[outcome.ranking.front()];
    const std::unique_ptr<Strategy> run = strategy.create(StrategyParamsOf(best));
    BacktestWorkspace workspace;
    RunBacktest(context, *run, HasOptionValues(best) ? OptionsFor(options, best) : options, periods_per_year,
                workspace);
    outcome.guard = analysis::ComputeOverfittingGuard(workspace.result.equity, sharpes);
    outcome.best = std::move(workspace.result);
}

void StartGridSearch(ThreadPool& pool, size_t max_lanes, GridSearchInput input,
                     std::shared_ptr<std::atomic<bool>> cancel, std::function<void(GridSearchOutcome)> done) {
    auto job = std::make_shared<GridSearchJob>(pool, std::move(input), std::move(cancel), std::move(done));
    job->Start(max_lanes);
}

}  // namespace spark::research
