#pragma once

#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "jobs/redis_client.h"
#include "jobs/shard_runner.h"

namespace spark::jobs {

//! The coordinator's side of distributed jobs (`serve --redis`): publishes each series once,
//! content-addressed and compressed, and the job's request; adds one stream entry per shard to
//! the workers' consumer group; then collects the results as workers finish them (in any order,
//! idempotently, keyed by shard). Shard results already in Redis (a resumed job) are used as they
//! are. A dead-lettered shard, or Redis going away, fails the job with the reason.
class RedisShardRunner final : public ShardRunner {
  public:
    //! Connects once to check that Redis answers and creates the consumer group.
    static Result<std::unique_ptr<RedisShardRunner>> Start(const RedisAddress& address);
    ~RedisShardRunner() override;

    void Run(const JobRecord& job, std::shared_ptr<const JobPlan> plan, std::shared_ptr<std::atomic<bool>> cancel,
             ShardSink sink) override;
    std::string_view Mode() const override { return "redis"; }
    QueueStats Stats() override;
    void Stop() override;

  private:
    explicit RedisShardRunner(RedisAddress address);
    void Coordinate(JobRecord job, std::shared_ptr<const JobPlan> plan, std::shared_ptr<std::atomic<bool>> cancel,
                    ShardSink sink);

    RedisAddress address_;
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;
    std::vector<std::thread> threads_;
    std::mutex stats_mutex_;
    std::unique_ptr<RedisConnection> stats_connection_;
};

}  // namespace spark::jobs
