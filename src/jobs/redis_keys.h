#pragma once

#include <string>
#include <string_view>

namespace spark::jobs::keys {

//! Every Redis name the coordinator and the workers share (docs/scaling.md "Redis layout").
inline constexpr std::string_view kShards = "spark:shards";            //!< the shard stream
inline constexpr std::string_view kGroup = "spark-workers";            //!< its consumer group
inline constexpr std::string_view kDead = "spark:shards:dead";         //!< the dead-letter stream
inline constexpr std::string_view kWorkers = "spark:workers";          //!< worker -> last heartbeat (epoch ms)
inline constexpr std::string_view kWorkerRuns = "spark:workers:runs";  //!< worker -> runs reported
inline constexpr std::string_view kStats = "spark:stats";              //!< reclaimed, dead: counters

//! A published series, content-addressed: the SHA-256 of its encoded bytes.
inline std::string Series(std::string_view hash) { return "spark:series:" + std::string(hash); }
//! The job's request and series list (hash: type, request, nowMs, series, series:N).
inline std::string Job(std::string_view id) { return "spark:job:" + std::string(id); }
//! Shard key -> encoded trials: written once per shard, idempotently.
inline std::string Results(std::string_view id) { return Job(id) + ":results"; }
//! Shard keys as they finish ("dead <key> <reason>" for a dead-lettered one), for the coordinator.
inline std::string Done(std::string_view id) { return Job(id) + ":done"; }
//! Present once the job is cancelled or over: workers drop its shards.
inline std::string Over(std::string_view id) { return Job(id) + ":over"; }
//! Shard key -> failures so far (a shard failing this often is dead-lettered).
inline std::string Failures(std::string_view id) { return Job(id) + ":failures"; }

//! How long published series and job keys live: long past any job, short of forever.
inline constexpr std::string_view kTtlSeconds = "604800";

}  // namespace spark::jobs::keys
