#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/jobs/grid_job.h"
#include "jobs/shard_worker.h"

namespace spark::api {

//! A worker's way into grid jobs: parses the job's request exactly as the coordinator did (same
//! parser, same `now`), expands the grid once per job, and runs shards with EvaluateGridShard over
//! indicator caches kept per series, as the coordinator's local shards do.
class GridShardSource final : public jobs::ShardEvaluator {
  public:
    Result<jobs::ShardTrials> Evaluate(const jobs::JobTicket& job, uint32_t series, const jobs::SharedBars& bars,
                                       uint64_t begin, uint64_t end, const std::atomic<bool>& stop) override;

  private:
    struct ParsedJob {
        GridJobSpec spec;
        std::map<uint32_t, std::pair<jobs::SharedBars, std::unique_ptr<SeriesContext>>> contexts;
    };
    std::string job_id_;  //!< the job `parsed_` belongs to (workers run one job's shards at a time)
    std::unique_ptr<ParsedJob> parsed_;
};

}  // namespace spark::api
