#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "research/grid_search.h"

namespace spark::research {

enum class WindowMode { kRolling, kAnchored };

//! Fold windows in bar indices of the loaded series, [begin, end).
struct FoldWindow {
    size_t in_sample_begin = 0;
    size_t in_sample_end = 0;  //!< = out_of_sample_begin
    size_t out_of_sample_end = 0;
};

struct WindowSpec {
    size_t in_sample = 0;      //!< bars
    size_t out_of_sample = 0;  //!< bars
    size_t step = 0;           //!< bars between fold starts (default: out_of_sample)
    WindowMode mode = WindowMode::kRolling;
};

//! Most folds one walk-forward may run.
inline constexpr size_t kMaxFolds = 1000;

//! Folds over `bars` bars: fold k tests [IS + k·step, IS + k·step + OOS) out of sample, after
//! in-sample [k·step, IS + k·step) (rolling) or [0, IS + k·step) (anchored). Only whole folds.
//! Errors: not even one fold fits (the message names the bars needed and available), a step
//! shorter than the out-of-sample window (folds would overlap), more than kMaxFolds folds.
Result<std::vector<FoldWindow>> PlanFolds(size_t bars, const WindowSpec& windows);

struct FoldOutcome {
    FoldWindow window;
    std::optional<size_t> best;  //!< index into the combinations; absent when nothing could be ranked
    int64_t evaluated = 0;
    std::optional<analysis::Metrics> in_sample;   //!< of the best combination
    std::optional<BacktestResult> out_of_sample;  //!< the best combination on the fold's OOS bars
    std::optional<double> efficiency;             //!< annualised OOS return / annualised IS return
};

struct WalkForwardOutcome {
    std::vector<FoldOutcome> folds;
    bool cancelled = false;
    std::string error;  //!< set when a fold's grid search failed
};

//! Runs the folds one after another, each a grid search on its in-sample bars (on the shared
//! pool, at most `max_lanes` workers) followed by the winner's run on the out-of-sample bars with
//! the in-sample bars as indicator warm-up. `done` is called once from a worker.
void StartWalkForward(ThreadPool& pool, size_t max_lanes, GridSearchInput input, std::vector<FoldWindow> folds,
                      std::shared_ptr<std::atomic<bool>> cancel, std::function<void(WalkForwardOutcome)> done);

//! Annualised OOS return / annualised IS return (CAGRs). Absent when the in-sample annualised
//! return is zero or negative: the ratio then has no meaning (docs/walkforward.md).
std::optional<double> WalkForwardEfficiency(double in_sample_cagr, double out_of_sample_cagr);

}  // namespace spark::research
