#include "api/job_support.h"

#include <fmt/format.h>

namespace spark::api {

Result<LoadedBars> LoadCounted(const BarLoader& loader, ServiceMetrics& metrics, const BarQuery& query) {
    Result<LoadedBars> bars = loader.Load(query);
    if (!query.use_cache) {
        // useCache false reads Binance directly: the cache was not asked, so neither a hit nor a miss.
        if (bars) {
            metrics.RecordBarsServed(BarSourceName(bars->source), static_cast<int64_t>(bars->bars.size()));
            metrics.RecordBarsFetched(bars->fetched);
        }
        return bars;
    }
    if (!bars) {
        if (bars.error().code != ErrorCode::kCacheUnavailable) metrics.RecordCacheMiss();
        return bars;
    }
    if (bars->cache_hit) {
        metrics.RecordCacheHit(bars->from_memory ? "memory" : "duckdb");
    } else {
        metrics.RecordCacheMiss();
    }
    metrics.RecordBarsServed(BarSourceName(bars->source), static_cast<int64_t>(bars->bars.size()));
    metrics.RecordBarsFetched(bars->fetched);
    return bars;
}

JobInfo IdentityOf(const RunRequest& request) {
    JobInfo job;
    job.symbol = request.symbol;
    job.timeframe = std::string(request.interval.Name());
    job.start = request.start;
    job.end = request.end;
    job.strategy = request.strategy.name;
    return job;
}

void WriteTiming(JsonWriter& json, double load_ms, double compute_ms, double total_ms) {
    json.Key("timing").BeginObject();
    json.Field("loadMs", load_ms).Field("computeMs", compute_ms).Field("totalMs", total_ms);
    json.EndObject();
}

Result<research::GridExpansion> ExpandWithinCap(const StrategyDefinition& strategy, const research::GridSpec& grid,
                                                const OptimizerLimits& limits) {
    Result<research::GridExpansion> expansion = research::ExpandGrid(strategy, grid, limits.max_combinations + 1);
    if (!expansion) return expansion;
    const int64_t count = expansion->valid;
    if (count > static_cast<int64_t>(limits.max_combinations)) {
        Error error{ErrorCode::kTooManyCombinations,
                    fmt::format("the grid has {} valid combinations; the cap (OPTIMIZER_MAX_COMBINATIONS) is {}", count,
                                limits.max_combinations),
                    "grid", "TOO_MANY_COMBINATIONS"};
        error.numbers = {{"count", static_cast<double>(count)}, {"cap", static_cast<double>(limits.max_combinations)}};
        return std::unexpected(error);
    }
    if (count == 0) {
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("every one of the {} combinations breaks the constraint {}", expansion->skipped,
                                     strategy.constraint),
                         "grid", "NO_VALID_COMBINATION");
    }
    return expansion;
}

}  // namespace spark::api
