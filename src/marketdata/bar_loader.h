#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/series_key.h"
#include "model/candle.h"
#include "model/time_range.h"

namespace spark {

struct BarQuery {
    SeriesKey series;
    Interval interval;
    TimeRange range;
    bool use_cache = true;
};

enum class BarSource { kCache, kBinance, kMixed };
std::string_view BarSourceName(BarSource source);

//! Bars for a run plus what a user needs to judge them (SEMANTICS.md "Data quality").
struct LoadedBars {
    std::vector<Candle> bars;
    int64_t expected = 0;                 //!< open times the interval has in the range
    std::vector<int64_t> missing_sample;  //!< the first missing open times (bounded, see kMissingSampleLimit)
    int64_t missing = 0;                  //!< expected - bars.size()
    //! Parts of the range no source has loaded: their bars are unknown, not known gaps. Empty
    //! when `cache_hit`; until an upstream fills them, the run stands on the covered part only.
    std::vector<TimeRange> uncovered;
    BarSource source = BarSource::kCache;
    bool cache_hit = false;    //!< served entirely by the cache, range fully covered
    bool from_memory = false;  //!< ... and entirely by its in-memory layer
};

inline constexpr size_t kMissingSampleLimit = 1000;

//! Loads the bars of a query cache-first. Until an upstream source is configured, a range the
//! cache has no bars for is kDataNotFound, as is `use_cache = false`.
class BarLoader {
  public:
    explicit BarLoader(BacktestCache& cache) : cache_(cache) {}
    Result<LoadedBars> Load(const BarQuery& query) const;

  private:
    BacktestCache& cache_;
};

}  // namespace spark
