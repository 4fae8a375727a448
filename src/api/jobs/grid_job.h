#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "api/optimize/optimize_request.h"
#include "common/error.h"
#include "research/grid.h"
#include "research/grid_search.h"
#include "strategy/series_context.h"

namespace spark::api {

//! A grid job (optimize or sweep) parsed: one optimize request per series (symbol-major, then
//! timeframe) and the grid expanded once. The coordinator and every worker parse the same request
//! text with the same `now_ms`, so they agree on every combination and option.
struct GridJobSpec {
    std::vector<OptimizeRequest> series;
    std::vector<ParamValues> combinations;
    int64_t skipped = 0;  //!< combinations breaking the strategy's constraint

    uint64_t Runs() const { return combinations.size() * series.size(); }
};

inline constexpr size_t kMaxSweepSymbols = 100;
inline constexpr size_t kMaxSweepTimeframes = 8;
//! Most combinations one grid job may describe before constraints (JOBS_MAX_COMBINATIONS caps
//! the runs after them).
inline constexpr int64_t kMaxJobRawCombinations = 2'000'000;

//! `type` "optimize" takes the /backtest/optimize body; "sweep" the same with `symbols` (and
//! optionally `timeframes`) instead of `symbol` (and `timeframe`). Errors name the field inside
//! the job's request (`request.symbols[2]`). Runs over `max_runs` are TOO_MANY_COMBINATIONS.
Result<GridJobSpec> ParseGridJob(std::string_view type, std::string_view request, int64_t now_ms, uint64_t max_runs);

//! Runs the combinations [begin, end) of the job's grid over series `series` (whose bars
//! `context` holds): the one call local shards and workers make.
std::vector<research::Trial> EvaluateGridShard(const GridJobSpec& spec, size_t series, const SeriesContext& context,
                                               uint64_t begin, uint64_t end, const std::atomic<bool>& cancel);

//! An error about a job's inner request names its field as the job's (`request.grid.fast`).
Error InJobRequest(Error error);

//! The fields a sweep request accepts.
std::span<const std::string_view> SweepRequestFields();

}  // namespace spark::api
