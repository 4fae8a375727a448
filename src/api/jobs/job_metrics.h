#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "api/service_metrics.h"
#include "jobs/job_manager.h"
#include "jobs/shard_runner.h"

namespace spark::api {

//! The jobs' metrics (docs/jobs.md "Metrics"): jobs by status, runs done, and with Redis the
//! shards pending, claimed, reclaimed and dead-lettered, the workers seen in the last 30 s and each
//! worker's runs. They are gathered every half second on a thread of their own, never during a
//! scrape: /metrics runs on the IO thread, and Redis or the jobs table may be slow to answer.
class JobMetrics {
  public:
    //! Gathers once before returning (every series exists from the first scrape), then keeps on.
    JobMetrics(ServiceMetrics& metrics, jobs::JobManager& jobs, jobs::ShardRunner& runner);
    ~JobMetrics();
    JobMetrics(const JobMetrics&) = delete;
    JobMetrics& operator=(const JobMetrics&) = delete;

  private:
    void Refresh();

    jobs::JobManager& jobs_;
    jobs::ShardRunner& runner_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::string text_;
    std::thread thread_;
};

}  // namespace spark::api
