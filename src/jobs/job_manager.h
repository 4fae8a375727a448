#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/thread_pool.h"
#include "jobs/job_plan.h"
#include "jobs/job_record.h"
#include "jobs/job_store.h"
#include "jobs/shard_runner.h"

namespace spark::jobs {

//! JOBS_MAX_COMBINATIONS and JOBS_MAX_RUNNING: the asynchronous jobs' own caps, separate from the
//! synchronous routes' (a job holds no connection, so it may be far larger).
struct JobLimits {
    uint64_t max_runs = 10'000'000;  //!< backtest runs per job (combinations × series)
    size_t max_running = 1;          //!< jobs computing at once; the rest wait queued
};

//! A job as GET /jobs/{id} shows it: its record (without the answer), live timing and the best
//! trial seen so far.
struct JobView {
    JobRecord record;
    double elapsed_ms = 0;
    std::optional<double> eta_ms;
    std::string best_json;  //!< a JSON object, empty while nothing has ranked
};

//! Counts by status, for the metrics.
struct JobCounts {
    std::map<JobStatus, int64_t> by_status;
    int64_t runs_done = 0;  //!< backtest runs reported by shards since the start
};

//! Accepts jobs, keeps them in DuckDB, runs up to `max_running` at once (grid jobs through the
//! ShardRunner, whole jobs as planned), tracks progress and merges the answer. Every state change
//! is written to the store before it is shown, so a restart finds each job where it was.
class JobManager {
  public:
    JobManager(JobStore& store, const JobPlanner& planner, ShardRunner& runner, ThreadPool& compute, size_t lane,
               JobLimits limits);
    JobManager(const JobManager&) = delete;
    JobManager& operator=(const JobManager&) = delete;

    //! Validates, records and queues a job (JOB types: optimize, walkforward, portfolio, sweep).
    Result<JobRecord> Submit(std::string_view type, std::string request);
    //! The restart rule: jobs that were queued or running when the previous process stopped are
    //! queued again and run from the start (`restarts` counts it; a distributed job reuses the
    //! shard results Redis still holds). Returns how many.
    Result<size_t> ResumeUnfinished();

    Result<std::optional<JobView>> Get(std::string_view id) const;
    Result<std::vector<JobView>> List(size_t limit, std::optional<JobStatus> status) const;
    //! With the answer when finished; a sweep's rows instead when `rows` (each can be large).
    Result<std::optional<JobRecord>> Answer(std::string_view id, bool rows) const;
    //! Queued: cancelled at once. Running: its shards stop and it ends cancelled. Final: false.
    Result<bool> Cancel(std::string_view id);

    using Listener = std::function<void(const JobView& view, bool final)>;
    //! Calls `listener` with the job now and on each change (at most every 250 ms, and always for
    //! the final state, which is the last call: at once when the job is already final). Returns 0
    //! when the job is not live (unknown, or finished before this call).
    uint64_t Subscribe(std::string_view id, Listener listener);
    void Unsubscribe(std::string_view id, uint64_t token);

    JobCounts Counts() const;
    //! No job starts from now on; running ones stay `running` in the store for the next start.
    void Stop();

  private:
    struct LiveJob;
    void StartQueuedLocked();
    void Start(std::shared_ptr<LiveJob> job);
    void StartPlanned(const std::shared_ptr<LiveJob>& job);
    void ShardDone(const std::shared_ptr<LiveJob>& job, size_t shard, ShardTrials trials);
    void GridFinished(const std::shared_ptr<LiveJob>& job, Result<void> outcome);
    void Complete(const std::shared_ptr<LiveJob>& job, Result<JobAnswer> answer);
    void Notify(const std::shared_ptr<LiveJob>& job, bool force);
    JobView ViewLocked(const LiveJob& job) const;

    JobStore& store_;
    const JobPlanner& planner_;
    ShardRunner& runner_;
    ThreadPool& compute_;
    size_t lane_;
    JobLimits limits_;
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<LiveJob>, std::less<>> live_;  //!< queued and running jobs
    std::deque<std::shared_ptr<LiveJob>> queue_;
    size_t running_ = 0;
    bool stopped_ = false;
    uint64_t next_token_ = 1;
    int64_t runs_done_ = 0;
};

//! The job types POST /jobs accepts.
bool IsJobType(std::string_view type);

}  // namespace spark::jobs
