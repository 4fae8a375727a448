#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "jobs/job_plan.h"
#include "jobs/job_record.h"

namespace spark::jobs {

//! Where a grid job's shards report: each shard's trials once (any thread, any order), then
//! `finished` once — ok when every shard reported or the job was cancelled, else why the job
//! cannot complete (a dead-lettered shard, the queue gone).
struct ShardSink {
    std::function<void(size_t shard, ShardTrials trials)> shard_done;
    std::function<void(Result<void>)> finished;
};

//! What the queue holds right now, for the metrics (all zero for local jobs).
struct QueueStats {
    bool distributed = false;
    bool reachable = true;  //!< the last look at Redis succeeded
    int64_t pending = 0;    //!< shards waiting for a worker
    int64_t claimed = 0;    //!< shards a worker holds and has not acknowledged
    int64_t reclaimed = 0;  //!< shards taken over from a worker that went silent, since the queue began
    int64_t dead = 0;       //!< shards dead-lettered, since the queue began
    struct Worker {
        std::string name;
        int64_t last_seen_ms = 0;
        int64_t runs = 0;  //!< backtest runs this worker reported
    };
    std::vector<Worker> workers;
};

//! Runs the shards of grid jobs: on this machine's compute pool, or on workers through Redis.
class ShardRunner {
  public:
    virtual ~ShardRunner() = default;
    virtual void Run(const JobRecord& job, std::shared_ptr<const JobPlan> plan,
                     std::shared_ptr<std::atomic<bool>> cancel, ShardSink sink) = 0;
    virtual std::string_view Mode() const = 0;  //!< "local" or "redis"
    virtual QueueStats Stats() { return {}; }
    //! From now on no job starts and running ones are left as they are, untold (shutdown: the
    //! restart rule resumes them); called before the manager stops.
    virtual void BeginStop() {}
    //! Stops coordinating: no shard result is delivered after this returns.
    virtual void Stop() {}
};

}  // namespace spark::jobs
