#include "api/jobs/grid_shard_source.h"

#include <fmt/format.h>

#include <limits>

namespace spark::api {

Result<jobs::ShardTrials> GridShardSource::Evaluate(const jobs::JobTicket& job, uint32_t series,
                                                    const jobs::SharedBars& bars, uint64_t begin, uint64_t end,
                                                    const std::atomic<bool>& stop) {
    if (job_id_ != job.id || !parsed_) {
        // The worker's cap is the widest: the coordinator has already held the job to its own.
        Result<GridJobSpec> spec =
            ParseGridJob(job.type, job.request, job.now_ms, std::numeric_limits<uint64_t>::max() / 2);
        if (!spec) return std::unexpected(spec.error());
        parsed_ = std::make_unique<ParsedJob>();
        parsed_->spec = std::move(*spec);
        job_id_ = job.id;
    }
    ParsedJob& parsed = *parsed_;
    if (series >= parsed.spec.series.size()) {
        return MakeError(ErrorCode::kInternal, fmt::format("series {} is not in the job", series));
    }
    auto& [held, context] = parsed.contexts[series];
    if (held != bars || !context) {
        held = bars;
        context = std::make_unique<SeriesContext>(*bars, 0, parsed.spec.series[series].run.options.timeframe);
    }
    if (Result<void> ok = CheckBars(*bars); !ok) return std::unexpected(ok.error());
    return EvaluateGridShard(parsed.spec, series, *context, begin, end, stop);
}

}  // namespace spark::api
