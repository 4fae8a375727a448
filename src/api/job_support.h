#pragma once

#include <chrono>
#include <cstdint>

#include "analysis/performance_report.h"
#include "api/http/http_types.h"
#include "api/json/json_writer.h"
#include "api/routes.h"
#include "api/run/run_request.h"
#include "api/service_metrics.h"
#include "common/time_format.h"
#include "marketdata/bar_loader.h"
#include "research/grid.h"

namespace spark::api {

//! Small pieces every job route shares.

using Clock = std::chrono::steady_clock;

inline double MillisSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

//! Bars for a job route, counted: a cache hit by layer when the cache covered the whole range,
//! else a miss whatever the fetch's outcome (a failure of the cache itself is neither); bars
//! served and fetched on success.
Result<LoadedBars> LoadCounted(const BarLoader& loader, ServiceMetrics& metrics, const BarQuery& query);

//! The audit identity of a parsed single-symbol request (bar source filled in later).
JobInfo IdentityOf(const RunRequest& request);

//! "timing": {loadMs, computeMs, totalMs}.
void WriteTiming(JsonWriter& json, double load_ms, double compute_ms, double total_ms);

//! Expands a grid against OPTIMIZER_MAX_COMBINATIONS: 400 TOO_MANY_COMBINATIONS (with count and
//! cap) over it, 400 NO_VALID_COMBINATION when the constraint leaves nothing.
Result<research::GridExpansion> ExpandWithinCap(const StrategyDefinition& strategy, const research::GridSpec& grid,
                                                const OptimizerLimits& limits);

//! Puts `metrics`' headline figures into `job` (the stored runs' list shows them).
inline void SetHeadline(JobInfo& job, const analysis::Metrics& metrics) {
    job.total_return = metrics.total_return;
    job.sharpe = metrics.sharpe;
    job.max_drawdown = metrics.max_drawdown;
    job.num_trades = metrics.num_trades;
}

}  // namespace spark::api
