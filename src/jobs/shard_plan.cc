#include "jobs/shard_plan.h"

#include <fmt/format.h>

#include <algorithm>

namespace spark::jobs {

std::string Shard::Key() const { return fmt::format("{}:{}:{}", series, begin, end); }

std::vector<Shard> PlanShards(std::span<const uint64_t> bars_per_series, uint64_t combinations, uint64_t shard_bars) {
    std::vector<Shard> shards;
    for (uint32_t s = 0; s < bars_per_series.size(); ++s) {
        const uint64_t bars = std::max<uint64_t>(1, bars_per_series[s]);
        const uint64_t per_shard = std::max<uint64_t>(1, shard_bars / bars);
        for (uint64_t begin = 0; begin < combinations; begin += per_shard) {
            shards.push_back({s, begin, std::min(combinations, begin + per_shard)});
        }
    }
    return shards;
}

}  // namespace spark::jobs
