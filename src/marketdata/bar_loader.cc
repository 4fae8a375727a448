#include "marketdata/bar_loader.h"

#include <fmt/format.h>

#include "common/time_format.h"
#include "model/missing_bars.h"

namespace spark {

std::string_view BarSourceName(BarSource source) {
    switch (source) {
        case BarSource::kCache:
            return "cache";
        case BarSource::kBinance:
            return "binance";
        case BarSource::kMixed:
            return "mixed";
    }
    return "cache";
}

Result<LoadedBars> BarLoader::Load(const BarQuery& query) const {
    const SeriesKey& s = query.series;
    if (!query.use_cache) {
        return MakeError(
            ErrorCode::kDataNotFound,
            "useCache is false but no upstream market-data source is configured; only cached bars can be served",
            "useCache");
    }
    Result<CachedBars> cached = cache_.Read(s, query.interval, query.range);
    if (!cached) return std::unexpected(cached.error());
    if (cached->bars.empty()) {
        return MakeError(
            ErrorCode::kDataNotFound,
            fmt::format("the cache has no {} {} {} bars between {} and {} and no upstream source is configured",
                        s.exchange, s.symbol, s.interval, FormatIsoUtc(query.range.start_ms),
                        FormatIsoUtc(query.range.end_ms)));
    }
    LoadedBars out;
    out.expected = query.interval.CountOpenTimes(query.range.start_ms, query.range.end_ms);
    out.missing = out.expected - static_cast<int64_t>(cached->bars.size());
    if (out.missing > 0) {
        out.missing_sample = FindMissingOpenTimes(cached->bars, query.interval, query.range, kMissingSampleLimit);
    }
    out.source = BarSource::kCache;
    out.cache_hit = cached->fully_covered;
    out.uncovered = std::move(cached->uncovered);
    out.from_memory = cached->from_memory;
    out.bars = std::move(cached->bars);
    return out;
}

}  // namespace spark
