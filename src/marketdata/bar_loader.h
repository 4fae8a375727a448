#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "common/single_flight.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/binance_client.h"
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

enum class BarSource { kCache, kBinance, kMixed, kResampled };
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
    std::string resampled_from;     //!< the cached interval the bars were aggregated from (kResampled)
    bool cache_hit = false;         //!< served entirely by the cache, range fully covered
    bool from_memory = false;       //!< ... and entirely by its in-memory layer
    int64_t fetched = 0;            //!< bars fetched from Binance for this request
    int64_t upstream_requests = 0;  //!< HTTP requests to Binance for this request
};

inline constexpr size_t kMissingSampleLimit = 1000;

//! BacktestCache::LoadOrFetch in the plan's words: bars cache-first; the parts of the range the
//! coverage table says were never loaded are fetched from Binance and written, bars and coverage
//! in one transaction, before the cache answers. Concurrent requests for the same missing range
//! share one fetch. `use_cache = false` goes straight to Binance and neither reads nor writes the
//! cache. Without an upstream (none configured for the exchange), missing data is kDataNotFound.
class BarLoader {
  public:
    explicit BarLoader(BacktestCache& cache, BinanceClient* upstream = nullptr) : cache_(cache), upstream_(upstream) {}
    Result<LoadedBars> Load(const BarQuery& query) const;

  private:
    struct Fetch {
        int64_t bars = 0;
        int64_t requests = 0;
    };
    //! Fetches `range` and stores it, or waits for the identical fetch already under way.
    Result<Fetch> FetchIntoCache(const BarQuery& query, TimeRange range) const;
    Result<LoadedBars> LoadDirect(const BarQuery& query) const;
    //! The query's bars aggregated from the finest cached interval that divides its interval and
    //! covers every bucket of the range; nullopt when none does.
    Result<std::optional<LoadedBars>> LoadResampled(const BarQuery& query) const;
    //! An upstream failure's message with what the cache lacks and holds, and the ways forward.
    Error ExplainUpstreamFailure(const BarQuery& query, const std::vector<TimeRange>& missing, Error error) const;

    BacktestCache& cache_;
    BinanceClient* upstream_;
    //! One fetch per (series, start, end) under way.
    mutable SingleFlight<std::tuple<SeriesKey, int64_t, int64_t>, Result<Fetch>> inflight_;
};

}  // namespace spark
