#include "jobs/shard_worker.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <iostream>
#include <thread>

#include "common/time_format.h"
#include "jobs/redis_keys.h"
#include "jobs/redis_streams.h"
#include "jobs/wire_codec.h"

namespace spark::jobs {
namespace {

constexpr size_t kKeptTickets = 8;
//! Series kept locally: a sweep over many symbols reuses them shard after shard.
constexpr size_t kKeptSeries = 32;
constexpr auto kHeartbeatEvery = std::chrono::seconds(2);
constexpr auto kReconnectEvery = std::chrono::seconds(1);

void Log(std::string_view event, std::string_view detail) {
    std::cerr << fmt::format(R"({{"time":"{}","event":"{}","detail":"{}"}})", FormatIsoUtc(NowEpochMs()), event, detail)
              << '\n';
}

}  // namespace

struct ShardWorker::Claimed {
    StreamEntry entry;
    std::string job;
    std::string shard;
    uint32_t series = 0;
    uint64_t begin = 0;
    uint64_t end = 0;
    bool reclaimed = false;
};

ShardWorker::ShardWorker(RedisAddress address, WorkerOptions options, ShardEvaluator& evaluator)
    : address_(std::move(address)), options_(std::move(options)), evaluator_(evaluator) {}

int64_t ShardWorker::Run(const std::atomic<bool>& stop) {
    std::optional<RedisConnection> redis;
    while (!stop.load()) {
        if (!redis || redis->Broken()) {
            Result<RedisConnection> connected =
                RedisConnection::Connect(address_, options_.block + std::chrono::seconds(5));
            if (!connected) {
                Log("redis_unavailable", connected.error().message);
                std::this_thread::sleep_for(kReconnectEvery);
                continue;
            }
            redis = std::move(*connected);
            if (Result<void> ok = EnsureGroup(*redis, keys::kShards, keys::kGroup); !ok) {
                Log("redis_unavailable", ok.error().message);
                continue;
            }
        }
        if (Result<void> ok = Heartbeat(*redis); !ok) {
            Backoff(*redis, ok.error());
            continue;
        }
        // Shards of a worker that went silent come first: they are the oldest work.
        std::vector<StreamEntry> entries;
        bool reclaimed = false;
        Result<ClaimedEntries> claimed =
            AutoClaim(*redis, keys::kShards, keys::kGroup, options_.name, options_.visibility, "0-0", 1);
        if (!claimed) {
            Backoff(*redis, claimed.error());
            continue;
        }
        for (const std::string& id : claimed->deleted_ids) (void)Ack(*redis, keys::kShards, keys::kGroup, id);
        if (!claimed->entries.empty()) {
            entries = std::move(claimed->entries);
            reclaimed = true;
        } else {
            Result<std::vector<StreamEntry>> read =
                ReadGroup(*redis, keys::kShards, keys::kGroup, options_.name, 1, options_.block);
            if (!read) {
                Backoff(*redis, read.error());
                continue;
            }
            entries = std::move(*read);
        }
        for (StreamEntry& entry : entries) {
            Claimed shard;
            shard.reclaimed = reclaimed;
            const std::string* job = entry.Field("job");
            const std::string* key = entry.Field("shard");
            const std::string* series = entry.Field("series");
            const std::string* begin = entry.Field("begin");
            const std::string* end = entry.Field("end");
            shard.entry = std::move(entry);
            if (!job || !key || !series || !begin || !end) {
                (void)DeadLetter(*redis, shard, "a malformed shard entry");
                continue;
            }
            shard.job = *job;
            shard.shard = *key;
            try {
                shard.series = static_cast<uint32_t>(std::stoul(*series));
                shard.begin = std::stoull(*begin);
                shard.end = std::stoull(*end);
            } catch (...) {
                (void)DeadLetter(*redis, shard, "a malformed shard entry");
                continue;
            }
            try {
                if (Result<void> ok = Handle(*redis, shard, stop); !ok) Log("shard_not_finished", ok.error().message);
            } catch (const std::exception& e) {
                // Left unacknowledged: taken over after the visibility timeout, dead-lettered if it
                // keeps failing so.
                Log("shard_not_finished", e.what());
            }
        }
    }
    return runs_;
}

void ShardWorker::Backoff(RedisConnection& redis, const Error& error) {
    // An error reply (the group gone with a flushed stream, say) leaves the connection usable:
    // recreate the group, and never spin.
    Log("redis_error", error.message);
    std::this_thread::sleep_for(kReconnectEvery);
    if (!redis.Broken()) (void)EnsureGroup(redis, keys::kShards, keys::kGroup);
}

Result<void> ShardWorker::Heartbeat(RedisConnection& redis) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_heartbeat_ < kHeartbeatEvery) return {};
    last_heartbeat_ = now;
    Result<RedisReply> ok = redis.Command({"HSET", keys::kWorkers, options_.name, std::to_string(NowEpochMs())});
    if (!ok) return std::unexpected(ok.error());
    return {};
}

Result<void> ShardWorker::Handle(RedisConnection& redis, const Claimed& claimed, const std::atomic<bool>& stop) {
    dropped_ = false;
    if (claimed.reclaimed) (void)redis.Command({"HINCRBY", keys::kStats, "reclaimed", "1"});
    // A job cancelled, finished or forgotten: its shard is dropped.
    Result<RedisReply> is_over = redis.Command({"EXISTS", keys::Over(claimed.job)});
    if (!is_over) return std::unexpected(is_over.error());
    Result<RedisReply> has_job = redis.Command({"EXISTS", keys::Job(claimed.job)});
    if (!has_job) return std::unexpected(has_job.error());
    if (is_over->integer > 0 || has_job->integer == 0) return Finish(redis, claimed);
    // Delivered this often without an answer: its workers keep dying on it.
    // Already computed (a shard queued twice, or reclaimed after its worker wrote it): nothing to do.
    Result<RedisReply> computed = redis.Command({"HEXISTS", keys::Results(claimed.job), claimed.shard});
    if (!computed) return std::unexpected(computed.error());
    if (computed->integer > 0) return Finish(redis, claimed);
    Result<int64_t> deliveries = DeliveryCount(redis, keys::kShards, keys::kGroup, claimed.entry.id);
    if (!deliveries) return std::unexpected(deliveries.error());
    if (*deliveries > options_.max_deliveries) {
        return DeadLetter(redis, claimed,
                          fmt::format("delivered {} times without an answer (its workers stopped)", *deliveries));
    }
    Result<JobTicket> ticket = Ticket(redis, claimed.job);
    if (!ticket) return std::unexpected(ticket.error());
    std::string failure;
    Result<ShardTrials> trials = std::unexpected(Error{});
    if (claimed.series >= ticket->series_hashes.size()) {
        failure = "the shard names a series the job does not have";
    } else {
        Result<SharedBars> bars = Series(redis, ticket->series_hashes[claimed.series]);
        if (!bars) {
            if (bars.error().code == ErrorCode::kQueueUnavailable) return std::unexpected(bars.error());
            failure = bars.error().message;
        } else {
            trials = Evaluate(redis, claimed, *ticket, *bars, stop);
            if (!trials) {
                if (trials.error().code == ErrorCode::kQueueUnavailable) return std::unexpected(trials.error());
                failure = trials.error().message;
            }
        }
    }
    if (dropped_) return Finish(redis, claimed);  // the job was cancelled or finished meanwhile
    if (stop.load()) return {};  // unacknowledged: another worker takes it after the visibility timeout
    if (!failure.empty()) {
        Result<RedisReply> failures = redis.Command({"HINCRBY", keys::Failures(claimed.job), claimed.shard, "1"});
        if (!failures) return std::unexpected(failures.error());
        (void)redis.Command({"EXPIRE", keys::Failures(claimed.job), keys::kTtlSeconds});
        Log("shard_failed", fmt::format("{} {}: {}", claimed.job, claimed.shard, failure));
        if (failures->integer >= options_.max_deliveries) return DeadLetter(redis, claimed, failure);
        // Tried again as a fresh entry, by whichever worker comes first.
        std::vector<std::pair<std::string, std::string>> fields = claimed.entry.fields;
        if (Result<std::string> added = AddEntry(redis, keys::kShards, fields); !added) {
            return std::unexpected(added.error());
        }
        return Finish(redis, claimed);
    }
    const std::string blob = EncodeTrials(*trials);
    if (auto ok = redis.Command({"HSET", keys::Results(claimed.job), claimed.shard, blob}); !ok) {
        return std::unexpected(ok.error());
    }
    if (auto ok = redis.Command({"RPUSH", keys::Done(claimed.job), claimed.shard}); !ok) {
        return std::unexpected(ok.error());
    }
    // A shard finishing after its job was retired must not leave keys behind for ever.
    (void)redis.Command({"EXPIRE", keys::Results(claimed.job), keys::kTtlSeconds});
    (void)redis.Command({"EXPIRE", keys::Done(claimed.job), keys::kTtlSeconds});
    runs_ += static_cast<int64_t>(trials->size());
    (void)redis.Command({"HINCRBY", keys::kWorkerRuns, options_.name, std::to_string(trials->size())});
    return Finish(redis, claimed);
}

Result<ShardTrials> ShardWorker::Evaluate(RedisConnection& redis, const Claimed& claimed, const JobTicket& ticket,
                                          const SharedBars& bars, const std::atomic<bool>& stop) {
    dropped_ = false;
    std::atomic<bool> halt{false};
    std::future<Result<ShardTrials>> running = std::async(std::launch::async, [&]() -> Result<ShardTrials> {
        try {
            return evaluator_.Evaluate(ticket, claimed.series, bars, claimed.begin, claimed.end, halt);
        } catch (const std::exception& e) {
            return MakeError(ErrorCode::kRunEngineError, e.what());
        }
    });
    // While it runs: the claim is renewed (a long shard is not taken for a dead worker's), the
    // heartbeat goes on, and a cancelled job or a stopping worker halts it between combinations.
    const auto renew_every =
        std::max<std::chrono::milliseconds>(std::chrono::milliseconds(100), options_.visibility / 3);
    while (running.wait_for(renew_every) != std::future_status::ready) {
        if (stop.load()) halt = true;
        (void)redis.Command({"XCLAIM", keys::kShards, keys::kGroup, options_.name, "0", claimed.entry.id, "JUSTID"});
        last_heartbeat_ = {};
        (void)Heartbeat(redis);
        Result<RedisReply> over = redis.Command({"EXISTS", keys::Over(claimed.job)});
        if (over && over->integer > 0) {
            dropped_ = true;
            halt = true;
        }
    }
    return running.get();
}

Result<void> ShardWorker::DeadLetter(RedisConnection& redis, const Claimed& claimed, const std::string& reason) {
    Log("shard_dead_lettered", fmt::format("{} {}: {}", claimed.job, claimed.shard, reason));
    std::vector<std::pair<std::string, std::string>> fields = claimed.entry.fields;
    fields.emplace_back("reason", reason);
    fields.emplace_back("worker", options_.name);
    // Bounded: the newest dead letters are the ones an operator reads.
    std::vector<std::string_view> args = {"XADD", keys::kDead, "MAXLEN", "~", "10000", "*"};
    for (const auto& [name, value] : fields) {
        args.push_back(name);
        args.push_back(value);
    }
    if (Result<RedisReply> added = redis.Command(args); !added) return std::unexpected(added.error());
    (void)redis.Command({"HINCRBY", keys::kStats, "dead", "1"});
    if (!claimed.job.empty()) {
        if (auto ok = redis.Command({"RPUSH", keys::Done(claimed.job), "dead " + claimed.shard + " " + reason}); !ok) {
            return std::unexpected(ok.error());
        }
    }
    return Finish(redis, claimed);
}

Result<void> ShardWorker::Finish(RedisConnection& redis, const Claimed& claimed) {
    if (Result<void> ok = Ack(redis, keys::kShards, keys::kGroup, claimed.entry.id); !ok) return ok;
    // Acknowledged entries are never read again: deleting keeps the stream as small as the backlog.
    if (auto ok = redis.Command({"XDEL", keys::kShards, claimed.entry.id}); !ok) return std::unexpected(ok.error());
    return {};
}

Result<JobTicket> ShardWorker::Ticket(RedisConnection& redis, const std::string& job_id) {
    for (const auto& [id, ticket] : tickets_) {
        if (id == job_id) return ticket;
    }
    Result<RedisReply> reply = redis.Command({"HGETALL", keys::Job(job_id)});
    if (!reply) return std::unexpected(reply.error());
    JobTicket ticket;
    ticket.id = job_id;
    size_t count = 0;
    std::vector<std::pair<size_t, std::string>> hashes;
    for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
        const std::string& name = reply->elements[i].text;
        const std::string& value = reply->elements[i + 1].text;
        if (name == "type") ticket.type = value;
        if (name == "request") ticket.request = value;
        if (name == "nowMs") ticket.now_ms = std::stoll(value);
        if (name == "series") count = std::stoul(value);
        if (name.starts_with("series:")) hashes.emplace_back(std::stoul(name.substr(7)), value);
    }
    ticket.series_hashes.resize(count);
    for (auto& [index, hash] : hashes) {
        if (index < count) ticket.series_hashes[index] = std::move(hash);
    }
    tickets_.emplace_back(job_id, ticket);
    if (tickets_.size() > kKeptTickets) tickets_.erase(tickets_.begin());
    return ticket;
}

Result<SharedBars> ShardWorker::Series(RedisConnection& redis, const std::string& hash) {
    for (const auto& [h, bars] : series_) {
        if (h == hash) return bars;
    }
    Result<RedisReply> reply = redis.Command({"GET", keys::Series(hash)});
    if (!reply) return std::unexpected(reply.error());
    if (reply->kind != RedisReply::Kind::kString) {
        return MakeError(ErrorCode::kDataNotFound, fmt::format("series {} is not in Redis (expired?)", hash));
    }
    // Content addressing: what arrived is what was published, or it is refused.
    if (Sha256Hex(reply->text) != hash) {
        return MakeError(ErrorCode::kInternal, fmt::format("series {} does not match its hash", hash));
    }
    Result<std::vector<Candle>> bars = DecodeSeries(reply->text);
    if (!bars) return std::unexpected(bars.error());
    auto shared = std::make_shared<const std::vector<Candle>>(std::move(*bars));
    series_.emplace_back(hash, shared);
    if (series_.size() > kKeptSeries) series_.erase(series_.begin());
    return shared;
}

}  // namespace spark::jobs
