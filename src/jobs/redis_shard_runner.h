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
//! are. A dead-lettered shard fails the job with the reason; Redis failing for longer than a few
//! seconds fails it with QUEUE_UNAVAILABLE (shorter outages are retried, and what Redis lost is
//! published again).
class RedisShardRunner final : public ShardRunner {
  public:
    //! Connects once to create the consumer group; Redis not answering yet is logged, not fatal.
    static Result<std::unique_ptr<RedisShardRunner>> Start(const RedisAddress& address);
    ~RedisShardRunner() override;

    void Run(const JobRecord& job, std::shared_ptr<const JobPlan> plan, std::shared_ptr<std::atomic<bool>> cancel,
             ShardSink sink) override;
    std::string_view Mode() const override { return "redis"; }
    QueueStats Stats() override;
    void BeginStop() override;
    void Stop() override;

  private:
    explicit RedisShardRunner(RedisAddress address);
    void Coordinate(JobRecord job, std::shared_ptr<const JobPlan> plan, std::shared_ptr<std::atomic<bool>> cancel,
                    ShardSink sink);

    //! Jobs to mark over once Redis takes it (a job that failed or was cancelled while it did not).
    void RetireLater(const std::string& id);
    void RetireOwed(RedisConnection& redis);

    RedisAddress address_;
    std::atomic<bool> stopping_{false};
    std::mutex owed_mutex_;
    std::vector<std::string> owed_retirements_;
    std::mutex mutex_;
    struct Coordinator {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> finished;
    };
    std::vector<Coordinator> coordinators_;
    std::mutex stats_mutex_;
    std::unique_ptr<RedisConnection> stats_connection_;
};

}  // namespace spark::jobs
