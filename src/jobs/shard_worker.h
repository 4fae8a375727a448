#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "jobs/job_plan.h"
#include "jobs/redis_client.h"
#include "model/candle.h"

namespace spark::jobs {

//! What a worker knows of a job: its request as the coordinator published it.
struct JobTicket {
    std::string id;
    std::string type;
    std::string request;
    int64_t now_ms = 0;  //!< the coordinator's "now" for the request's range
    std::vector<std::string> series_hashes;
};

using SharedBars = std::shared_ptr<const std::vector<Candle>>;

//! Runs one shard of a job given its ticket and its series' bars; implemented where requests are
//! parsed (the api's GridShardSource), with the same engine calls as a local shard.
class ShardEvaluator {
  public:
    virtual ~ShardEvaluator() = default;
    virtual Result<ShardTrials> Evaluate(const JobTicket& job, uint32_t series, const SharedBars& bars, uint64_t begin,
                                         uint64_t end, const std::atomic<bool>& stop) = 0;
};

struct WorkerOptions {
    std::string name;  //!< the consumer name (host-pid by default)
    //! A shard claimed this long ago without an acknowledgement is taken over (its worker died).
    std::chrono::milliseconds visibility{30'000};
    int max_deliveries = 3;  //!< deliveries (and failures) before a shard is dead-lettered
    std::chrono::milliseconds block{1'000};
};

//! `spark-executor worker --redis`: claims shards from the stream (XAUTOCLAIM first, for shards
//! of workers that went silent, then XREADGROUP), runs them, writes the trials keyed by shard,
//! tells the coordinator and acknowledges (XACK). Series are fetched by hash once and kept. A
//! shard that fails, or keeps being delivered without an answer, `max_deliveries` times goes to
//! the dead-letter stream with the reason. Redis going away is waited out with reconnects.
class ShardWorker {
  public:
    ShardWorker(RedisAddress address, WorkerOptions options, ShardEvaluator& evaluator);
    //! Serves until `stop` is set; returns the runs it reported.
    int64_t Run(const std::atomic<bool>& stop);

  private:
    struct Claimed;
    void Backoff(RedisConnection& redis, const Error& error);
    Result<void> Heartbeat(RedisConnection& redis);
    Result<void> Handle(RedisConnection& redis, const Claimed& claimed, const std::atomic<bool>& stop);
    //! Runs the shard on its own thread while this one keeps the claim and watches the job.
    Result<ShardTrials> Evaluate(RedisConnection& redis, const Claimed& claimed, const JobTicket& ticket,
                                 const SharedBars& bars, const std::atomic<bool>& stop);
    Result<void> DeadLetter(RedisConnection& redis, const Claimed& claimed, const std::string& reason);
    Result<void> Finish(RedisConnection& redis, const Claimed& claimed);
    Result<JobTicket> Ticket(RedisConnection& redis, const std::string& job_id);
    Result<SharedBars> Series(RedisConnection& redis, const std::string& hash);

    RedisAddress address_;
    WorkerOptions options_;
    ShardEvaluator& evaluator_;
    std::vector<std::pair<std::string, JobTicket>> tickets_;  //!< recent jobs, newest last
    std::vector<std::pair<std::string, SharedBars>> series_;  //!< the local copy, newest last
    std::chrono::steady_clock::time_point last_heartbeat_{};
    int64_t runs_ = 0;
    bool dropped_ = false;  //!< the shard being run belongs to a job that is over
};

}  // namespace spark::jobs
