#pragma once

#include "common/thread_pool.h"
#include "jobs/shard_runner.h"

namespace spark::jobs {

//! Runs shards on the service's own compute pool, in its batch lane, with as many shards in
//! flight as the pool has workers: the embedded default, without Redis.
class LocalShardRunner final : public ShardRunner {
  public:
    LocalShardRunner(ThreadPool& pool, size_t lane) : pool_(pool), lane_(lane) {}
    void Run(const JobRecord& job, std::shared_ptr<const JobPlan> plan, std::shared_ptr<std::atomic<bool>> cancel,
             ShardSink sink) override;
    std::string_view Mode() const override { return "local"; }

  private:
    ThreadPool& pool_;
    size_t lane_;
};

}  // namespace spark::jobs
