#include "jobs/redis_shard_runner.h"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "common/time_format.h"
#include "jobs/redis_keys.h"
#include "jobs/redis_streams.h"
#include "jobs/wire_codec.h"

namespace spark::jobs {
namespace {

//! How often the coordinator looks for finished shards when none came: short next to a shard's
//! few seconds, long enough to leave Redis idle.
constexpr auto kPollEvery = std::chrono::milliseconds(50);
//! Finished shards taken from the done list in one LPOP.
constexpr std::string_view kDoneBatch = "256";
//! How long Redis may fail before a running job fails: long enough for a restart or a failover.
constexpr auto kRedisGrace = std::chrono::seconds(5);
constexpr auto kRetryEvery = std::chrono::milliseconds(250);
//! A worker silent this long is dropped from the lists (and the metrics).
constexpr int64_t kForgetWorkerAfterMs = 24 * 3600 * 1000;

int64_t IntegerOf(const RedisReply& reply) {
    if (reply.kind == RedisReply::Kind::kInteger) return reply.integer;
    if (reply.kind == RedisReply::Kind::kString) {
        try {
            return std::stoll(reply.text);
        } catch (...) {
        }
    }
    return 0;
}

//! A flat [key, value, key, value...] reply (HGETALL, XINFO) as pairs.
std::vector<std::pair<std::string, const RedisReply*>> Pairs(const RedisReply& reply) {
    std::vector<std::pair<std::string, const RedisReply*>> out;
    for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
        out.emplace_back(reply.elements[i].text, &reply.elements[i + 1]);
    }
    return out;
}

//! Publishes what workers need to run the job's shards: each series under its content address
//! and the job's request. Returns nothing new when all of it is there already.
Result<void> Publish(RedisConnection& redis, const JobRecord& job, const JobPlan& plan) {
    const std::string job_key = keys::Job(job.id);
    std::vector<std::string> fields = {"type",    job.type,
                                       "request", job.request,
                                       "nowMs",   std::to_string(job.created_ms),
                                       "series",  std::to_string(plan.series.size())};
    for (size_t s = 0; s < plan.series.size(); ++s) {
        const std::string blob = EncodeSeries(*plan.series[s].bars);
        const std::string hash = Sha256Hex(blob);
        const std::string series_key = keys::Series(hash);
        Result<RedisReply> exists = redis.Command({"EXISTS", series_key});
        if (!exists) return std::unexpected(exists.error());
        // A series already published (another job, another coordinator) only has its life extended.
        if (IntegerOf(*exists) == 0) {
            if (auto ok = redis.Command({"SET", series_key, blob, "EX", keys::kTtlSeconds}); !ok) {
                return std::unexpected(ok.error());
            }
        } else if (auto ok = redis.Command({"EXPIRE", series_key, keys::kTtlSeconds}); !ok) {
            return std::unexpected(ok.error());
        }
        fields.push_back(fmt::format("series:{}", s));
        fields.push_back(hash);
    }
    std::vector<std::string_view> args = {"HSET", job_key};
    for (const std::string& f : fields) args.push_back(f);
    if (auto ok = redis.Command(args); !ok) return std::unexpected(ok.error());
    if (auto ok = redis.Command({"EXPIRE", job_key, keys::kTtlSeconds}); !ok) return std::unexpected(ok.error());
    // A resumed or repeated job id starts without a stale "over" mark.
    if (auto ok = redis.Command({"DEL", keys::Over(job.id)}); !ok) return std::unexpected(ok.error());
    return {};
}

//! Marks the job over (workers drop its remaining shards) and removes what only it used; false
//! when Redis did not take it (the caller retries later).
bool Retire(RedisConnection& redis, const std::string& id) {
    return redis.Command({"SET", keys::Over(id), "1", "EX", keys::kTtlSeconds}).has_value() &&
           redis.Command({"DEL", keys::Results(id), keys::Done(id), keys::Failures(id), keys::Job(id)}).has_value();
}

}  // namespace

RedisShardRunner::RedisShardRunner(RedisAddress address) : address_(std::move(address)) {}

Result<std::unique_ptr<RedisShardRunner>> RedisShardRunner::Start(const RedisAddress& address) {
    std::unique_ptr<RedisShardRunner> runner(new RedisShardRunner(address));
    // Redis down at start does not keep the service down: the synchronous routes serve, jobs fail
    // with QUEUE_UNAVAILABLE until it answers, and the metrics say the queue is down.
    Result<RedisConnection> redis = RedisConnection::Connect(address);
    if (redis) {
        if (Result<void> ok = EnsureGroup(*redis, keys::kShards, keys::kGroup); !ok) {
            std::cerr << "spark-executor: " << ok.error().message << '\n';
        }
        runner->stats_connection_ = std::make_unique<RedisConnection>(std::move(*redis));
    } else {
        std::cerr << "spark-executor: the job queue is not reachable yet: " << redis.error().message << '\n';
    }
    return runner;
}

RedisShardRunner::~RedisShardRunner() { Stop(); }

void RedisShardRunner::BeginStop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
}

void RedisShardRunner::Stop() {
    std::vector<Coordinator> coordinators;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        coordinators.swap(coordinators_);
    }
    for (Coordinator& c : coordinators) c.thread.join();
}

void RedisShardRunner::RetireLater(const std::string& id) {
    std::lock_guard lock(owed_mutex_);
    owed_retirements_.push_back(id);
}

void RedisShardRunner::RetireOwed(RedisConnection& redis) {
    std::lock_guard lock(owed_mutex_);
    std::erase_if(owed_retirements_, [&](const std::string& id) { return Retire(redis, id); });
}

void RedisShardRunner::Run(const JobRecord& job, std::shared_ptr<const JobPlan> plan,
                           std::shared_ptr<std::atomic<bool>> cancel, ShardSink sink) {
    std::lock_guard lock(mutex_);
    // Stopping: the job stays `running` in the store, and the next start resumes it.
    if (stopping_) return;
    // Threads of finished jobs are joined here, so they never pile up over the uptime.
    std::erase_if(coordinators_, [](Coordinator& c) {
        if (!c.finished->load()) return false;
        c.thread.join();
        return true;
    });
    // One thread per running job (JOBS_MAX_RUNNING bounds them): it mostly waits on Redis.
    auto finished = std::make_shared<std::atomic<bool>>(false);
    coordinators_.push_back({std::thread([this, job, plan = std::move(plan), cancel = std::move(cancel),
                                          sink = std::move(sink), finished]() mutable {
                                 try {
                                     Coordinate(job, std::move(plan), std::move(cancel), sink);
                                 } catch (const std::exception& e) {
                                     // Whatever failed, the job ends with the reason, not the process.
                                     RetireLater(job.id);
                                     sink.finished(MakeError(ErrorCode::kInternal,
                                                             std::string("the job's coordinator failed: ") + e.what()));
                                 }
                                 finished->store(true);
                             }),
                             finished});
}

void RedisShardRunner::Coordinate(JobRecord job, std::shared_ptr<const JobPlan> plan,
                                  std::shared_ptr<std::atomic<bool>> cancel, ShardSink sink) {
    std::map<std::string, size_t, std::less<>> index_of;
    for (size_t i = 0; i < plan->shards.size(); ++i) index_of.emplace(plan->shards[i].Key(), i);
    std::set<size_t> done;
    auto delivered = [&](std::string_view key) {
        const auto it = index_of.find(key);
        return it == index_of.end() || done.contains(it->second);
    };
    auto deliver = [&](const std::string& key, const std::string& blob) -> Result<void> {
        const auto it = index_of.find(key);
        if (it == index_of.end() || done.contains(it->second)) return {};
        Result<ShardTrials> trials = DecodeTrials(blob);
        if (!trials) return std::unexpected(trials.error());
        done.insert(it->second);
        sink.shard_done(it->second, std::move(*trials));
        return {};
    };

    // Puts everything workers need in place and takes what they already finished: at the start,
    // on a resumed job, and after Redis came back (it may have lost data: what is missing is
    // published again; a shard queued twice is only computed twice).
    auto set_up = [&](RedisConnection& redis) -> Result<void> {
        if (Result<void> ok = EnsureGroup(redis, keys::kShards, keys::kGroup); !ok) return ok;
        RetireOwed(redis);
        if (Result<void> ok = Publish(redis, job, *plan); !ok) return ok;
        // In pages: a resumed job's results may be large, and no one command should take long.
        std::string cursor = "0";
        do {
            Result<RedisReply> page = redis.Command({"HSCAN", keys::Results(job.id), cursor, "COUNT", "64"});
            if (!page) return std::unexpected(page.error());
            if (page->elements.size() != 2) return RedisError(address_, "HSCAN", "an unexpected answer");
            cursor = page->elements[0].text;
            for (const auto& [key, value] : Pairs(page->elements[1])) {
                if (Result<void> ok = deliver(key, value->text); !ok) return ok;
            }
        } while (cursor != "0");
        for (size_t i = 0; i < plan->shards.size(); ++i) {
            if (done.contains(i)) continue;
            const Shard& shard = plan->shards[i];
            Result<std::string> added = AddEntry(redis, keys::kShards,
                                                 {{"job", job.id},
                                                  {"shard", shard.Key()},
                                                  {"series", std::to_string(shard.series)},
                                                  {"begin", std::to_string(shard.begin)},
                                                  {"end", std::to_string(shard.end)}});
            if (!added) return std::unexpected(added.error());
        }
        return {};
    };

    std::optional<RedisConnection> redis;
    std::optional<std::chrono::steady_clock::time_point> failing_since;
    Error last_error;
    // Redis errors are retried for kRedisGrace (a restart, a failover, a slow command); past it
    // the job fails with the reason, and the service goes on serving.
    auto recover = [&](const Error& error) -> bool {
        last_error = error;
        const auto now = std::chrono::steady_clock::now();
        if (!failing_since) failing_since = now;
        if (now - *failing_since > kRedisGrace || stopping_.load()) return false;
        std::this_thread::sleep_for(kRetryEvery);
        redis.reset();
        return true;
    };
    while (done.size() < plan->shards.size()) {
        // Stopping: the shards stay queued and the job `running` for the next start; the manager,
        // stopping too, is told nothing.
        if (stopping_.load()) return;
        if (cancel->load()) {
            // Cancelled: workers drop the rest (now, or once Redis answers again).
            if (!redis || !Retire(*redis, job.id)) RetireLater(job.id);
            return sink.finished({});
        }
        if (!redis) {
            Result<RedisConnection> connected = RedisConnection::Connect(address_);
            if (!connected) {
                if (recover(connected.error())) continue;
                break;
            }
            redis = std::move(*connected);
            if (Result<void> ok = set_up(*redis); !ok) {
                if (recover(ok.error())) continue;
                break;
            }
            failing_since.reset();
            continue;
        }
        Result<RedisReply> popped = redis->Command({"LPOP", keys::Done(job.id), kDoneBatch});
        if (!popped) {
            if (recover(popped.error())) continue;
            break;
        }
        failing_since.reset();
        if (popped->elements.empty()) {
            std::this_thread::sleep_for(kPollEvery);
            continue;
        }
        bool lost = false;
        for (const RedisReply& item : popped->elements) {
            const std::string& text = item.text;
            if (text.starts_with("dead ")) {
                const size_t space = text.find(' ', 5);
                // A duplicate of a shard that did finish: its result stands.
                if (delivered(text.substr(5, space - 5))) continue;
                if (!Retire(*redis, job.id)) RetireLater(job.id);
                return sink.finished(MakeError(ErrorCode::kRunEngineError,
                                               fmt::format("shard {} was dead-lettered: {}", text.substr(5, space - 5),
                                                           space == std::string::npos ? "" : text.substr(space + 1))));
            }
            if (delivered(text)) continue;
            Result<RedisReply> blob = redis->Command({"HGET", keys::Results(job.id), text});
            if (!blob) {
                // The popped names are gone from the list: set_up finds their results again.
                lost = !recover(blob.error());
                break;
            }
            if (Result<void> ok = deliver(text, blob->text); !ok) {
                if (!Retire(*redis, job.id)) RetireLater(job.id);
                return sink.finished(std::unexpected(ok.error()));
            }
        }
        if (lost) break;
    }
    if (stopping_.load()) return;  // as above: left for the next start
    if (done.size() < plan->shards.size()) {
        // Workers must not go on with a failed job's shards once Redis answers again.
        RetireLater(job.id);
        Error error = last_error;
        error.code = ErrorCode::kQueueUnavailable;
        error.message = fmt::format("the job queue failed mid-job ({} of {} shards done): {}", done.size(),
                                    plan->shards.size(), last_error.message);
        return sink.finished(std::unexpected(error));
    }
    if (!redis || !Retire(*redis, job.id)) RetireLater(job.id);
    sink.finished({});
}

QueueStats RedisShardRunner::Stats() {
    QueueStats stats;
    stats.distributed = true;
    std::lock_guard lock(stats_mutex_);
    if (!stats_connection_) {
        Result<RedisConnection> connected = RedisConnection::Connect(address_);
        if (!connected) {
            stats.reachable = false;
            return stats;
        }
        stats_connection_ = std::make_unique<RedisConnection>(std::move(*connected));
    }
    RedisConnection& redis = *stats_connection_;
    if (redis.Broken() && !redis.Reconnect()) {
        stats.reachable = false;
        return stats;
    }
    RetireOwed(redis);
    Result<RedisReply> groups = redis.Command({"XINFO", "GROUPS", keys::kShards});
    Result<RedisReply> counters = redis.Command({"HGETALL", keys::kStats});
    Result<RedisReply> seen = redis.Command({"HGETALL", keys::kWorkers});
    Result<RedisReply> runs = redis.Command({"HGETALL", keys::kWorkerRuns});
    if (!groups || !counters || !seen || !runs) {
        stats.reachable = false;
        return stats;
    }
    for (const RedisReply& group : groups->elements) {
        const auto fields = Pairs(group);
        bool ours = false;
        for (const auto& [name, value] : fields) ours |= name == "name" && value->text == keys::kGroup;
        if (!ours) continue;
        for (const auto& [name, value] : fields) {
            if (name == "pending") stats.claimed = IntegerOf(*value);
            if (name == "lag") stats.pending = IntegerOf(*value);
        }
    }
    for (const auto& [name, value] : Pairs(*counters)) {
        if (name == "reclaimed") stats.reclaimed = IntegerOf(*value);
        if (name == "dead") stats.dead = IntegerOf(*value);
    }
    std::map<std::string, int64_t> worker_runs;
    for (const auto& [name, value] : Pairs(*runs)) worker_runs[name] = IntegerOf(*value);
    const int64_t now = NowEpochMs();
    for (const auto& [name, value] : Pairs(*seen)) {
        // A worker silent for a day is forgotten: names do not pile up over restarts.
        if (now - IntegerOf(*value) > kForgetWorkerAfterMs) {
            (void)redis.Command({"HDEL", keys::kWorkers, name});
            (void)redis.Command({"HDEL", keys::kWorkerRuns, name});
            continue;
        }
        stats.workers.push_back({name, IntegerOf(*value), worker_runs[name]});
    }
    return stats;
}

}  // namespace spark::jobs
