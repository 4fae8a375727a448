#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace spark::jobs {

//! One piece of a grid job: the combinations [begin, end) of the grid over one series. Shards are
//! the unit of work workers claim, retry and report.
struct Shard {
    uint32_t series = 0;
    uint64_t begin = 0;
    uint64_t end = 0;

    uint64_t Runs() const { return end - begin; }
    //! The shard's name in Redis ("series:begin:end"): it depends on the work only, never on the
    //! order shards were planned in, so a resumed job finds the results already written.
    std::string Key() const;
};

//! Default work per shard through Redis, in bars simulated: about two seconds at the engine's
//! measured 40-80 M bars/s, long enough that the queue's round trips are noise, short enough that
//! a worker's death costs little and cancellation is prompt (JOBS_SHARD_BARS).
inline constexpr uint64_t kDefaultShardBars = 100'000'000;
//! Default on the service's own pool: about 0.1 s, so a single run never waits long for a worker
//! behind a job's shards (they share the compute pool), at no measurable cost per shard.
inline constexpr uint64_t kDefaultLocalShardBars = 5'000'000;

//! Splits `combinations` over each series (of `bars_per_series[i]` bars) into shards of about
//! `shard_bars` bars simulated, at least one combination each; series by series, in order.
std::vector<Shard> PlanShards(std::span<const uint64_t> bars_per_series, uint64_t combinations, uint64_t shard_bars);

}  // namespace spark::jobs
