#include "research/walk_forward.h"

#include <fmt/format.h>

#include "research/option_axes.h"

namespace spark::research {
namespace {

//! Runs fold after fold; each fold's grid search calls back into the next step.
class WalkForwardJob : public std::enable_shared_from_this<WalkForwardJob> {
  public:
    WalkForwardJob(ThreadPool& pool, size_t max_lanes, GridSearchInput input, std::vector<FoldWindow> folds,
                   std::shared_ptr<std::atomic<bool>> cancel, std::function<void(WalkForwardOutcome)> done)
        : pool_(pool),
          max_lanes_(max_lanes),
          input_(std::move(input)),
          cancel_(std::move(cancel)),
          done_(std::move(done)) {
        for (const FoldWindow& w : folds) {
            FoldOutcome fold;
            fold.window = w;
            outcome_.folds.push_back(std::move(fold));
        }
    }

    void StartFold(size_t k) {
        if (k == outcome_.folds.size() || cancel_->load()) {
            outcome_.cancelled = cancel_->load();
            done_(std::move(outcome_));
            return;
        }
        const FoldWindow& w = outcome_.folds[k].window;
        const auto& all = *input_.bars;
        GridSearchInput fold = input_;
        fold.bars =
            std::make_shared<const std::vector<Candle>>(all.begin() + static_cast<std::ptrdiff_t>(w.in_sample_begin),
                                                        all.begin() + static_cast<std::ptrdiff_t>(w.in_sample_end));
        StartGridSearch(
            pool_, max_lanes_, std::move(fold), cancel_,
            [self = shared_from_this(), k](GridSearchOutcome grid) { self->FinishFold(k, std::move(grid)); });
    }

  private:
    void FinishFold(size_t k, GridSearchOutcome grid) {
        if (!grid.error.empty()) {
            outcome_.error = grid.error;
            done_(std::move(outcome_));
            return;
        }
        FoldOutcome& fold = outcome_.folds[k];
        fold.evaluated = grid.evaluated;
        if (!grid.ranking.empty() && !grid.cancelled) {
            const size_t best = grid.ranking.front();
            fold.best = best;
            fold.in_sample = grid.trials[best].metrics;
            // Out of sample: the in-sample bars warm the indicators up; nothing after the fold's end is read.
            const auto& all = *input_.bars;
            const std::vector<Candle> bars(all.begin() + static_cast<std::ptrdiff_t>(fold.window.in_sample_begin),
                                           all.begin() + static_cast<std::ptrdiff_t>(fold.window.out_of_sample_end));
            const size_t warmup = fold.window.in_sample_end - fold.window.in_sample_begin;
            const SeriesContext context(bars, warmup, input_.options.timeframe);
            const ParamValues& chosen = input_.combinations[best];
            const auto strategy = input_.strategy->create(StrategyParamsOf(chosen));
            const BacktestOptions options = OptionsFor(input_.options, chosen);
            BacktestWorkspace workspace;
            RunBacktest(context, *strategy, options, input_.periods_per_year, workspace, warmup);
            fold.efficiency = WalkForwardEfficiency(fold.in_sample->cagr, workspace.result.metrics.cagr);
            fold.out_of_sample = std::move(workspace.result);
        }
        StartFold(k + 1);
    }

    ThreadPool& pool_;
    size_t max_lanes_;
    GridSearchInput input_;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::function<void(WalkForwardOutcome)> done_;
    WalkForwardOutcome outcome_;
};

}  // namespace

Result<std::vector<FoldWindow>> PlanFolds(size_t bars, const WindowSpec& windows) {
    const size_t needed = windows.in_sample + windows.out_of_sample;
    if (windows.in_sample == 0 || windows.out_of_sample == 0 || windows.step == 0) {
        return MakeError(ErrorCode::kInvalidRequest,
                         "windows.inSample, windows.outOfSample and windows.step must be positive", "windows",
                         "INVALID_WINDOWS");
    }
    if (windows.step < windows.out_of_sample) {
        // Overlapping out-of-sample windows would count bars twice in the stitched curve.
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("windows.step ({} bars) must be at least windows.outOfSample ({} bars)",
                                     windows.step, windows.out_of_sample),
                         "windows.step", "INVALID_WINDOWS");
    }
    if (needed > bars) {
        Error error(ErrorCode::kInvalidRequest,
                    fmt::format("one fold needs {} bars ({} in-sample + {} out-of-sample); the range has {}", needed,
                                windows.in_sample, windows.out_of_sample, bars),
                    "windows", "RANGE_TOO_SHORT");
        error.numbers = {{"barsNeeded", static_cast<double>(needed)}, {"barsAvailable", static_cast<double>(bars)}};
        return std::unexpected(error);
    }
    const size_t count = (bars - needed) / windows.step + 1;
    if (count > kMaxFolds) {
        Error error(
            ErrorCode::kInvalidRequest,
            fmt::format("the windows make {} folds; at most {} (use a longer step or windows)", count, kMaxFolds),
            "windows", "TOO_MANY_FOLDS");
        error.numbers = {{"folds", static_cast<double>(count)}, {"cap", static_cast<double>(kMaxFolds)}};
        return std::unexpected(error);
    }
    std::vector<FoldWindow> folds;
    for (size_t start = 0; start + needed <= bars; start += windows.step) {
        const size_t is_end = start + windows.in_sample;
        folds.push_back({windows.mode == WindowMode::kRolling ? start : 0, is_end, is_end + windows.out_of_sample});
    }
    return folds;
}

std::optional<double> WalkForwardEfficiency(double in_sample_cagr, double out_of_sample_cagr) {
    if (!(in_sample_cagr > 0)) return std::nullopt;
    return out_of_sample_cagr / in_sample_cagr;
}

void StartWalkForward(ThreadPool& pool, size_t max_lanes, GridSearchInput input, std::vector<FoldWindow> folds,
                      std::shared_ptr<std::atomic<bool>> cancel, std::function<void(WalkForwardOutcome)> done) {
    auto job = std::make_shared<WalkForwardJob>(pool, max_lanes, std::move(input), std::move(folds), std::move(cancel),
                                                std::move(done));
    job->StartFold(0);
}

}  // namespace spark::research
