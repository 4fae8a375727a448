#pragma once

#include <cstdint>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/single_flight.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/binance_client.h"
#include "model/funding_rate.h"
#include "model/time_range.h"

namespace spark {

//! The only exchange with funding: Binance USD-M perpetuals.
inline constexpr const char* kFundingExchange = "binance-futures";

struct FundingQuery {
    std::string exchange;  //!< must be kFundingExchange
    std::string symbol;
    TimeRange range;  //!< settlement times, [start, end)
    bool use_cache = true;
};

//! A range's funding settlements and where they came from.
struct LoadedFunding {
    std::vector<FundingRate> rates;    //!< in time order; none at all is a valid answer
    std::vector<TimeRange> uncovered;  //!< empty on success (a load that cannot cover fails)
    std::string source;                //!< "cache", "binance" (all fetched now) or "mixed"
    bool cache_hit = false;            //!< served by the cache alone, nothing fetched
    int64_t fetched = 0;               //!< settlements fetched from Binance for this load
    int64_t upstream_requests = 0;     //!< HTTP requests to Binance for this load
};

//! Funding settlements cache-first, as BarLoader loads bars: the parts of the range the funding
//! coverage never loaded are fetched from Binance and stored, rates and coverage in one
//! transaction, before the cache answers; concurrent loads of the same missing part share one
//! fetch. Only time up to now (less a minute for Binance to publish a settlement) is ever
//! loaded or covered: later settlements are not known yet, so that part of a range is neither
//! fetched nor reported as missing. Without an upstream, a part never loaded is kDataNotFound
//! naming the ranges and how to supply them. `use_cache = false` fetches from Binance and
//! neither reads nor writes the cache.
class FundingLoader {
  public:
    explicit FundingLoader(BacktestCache& cache, BinanceClient* upstream = nullptr)
        : cache_(cache), upstream_(upstream) {}
    Result<LoadedFunding> Load(const FundingQuery& query) const;

  private:
    struct Fetch {
        int64_t rates = 0;
        int64_t requests = 0;
    };
    bool HasUpstream() const;
    //! Fetches `range` and stores it, or waits for the identical fetch already under way.
    Result<Fetch> FetchIntoCache(const FundingQuery& query, TimeRange range) const;
    Result<LoadedFunding> LoadDirect(const FundingQuery& query, TimeRange known) const;
    //! kDataNotFound for the parts never loaded when no upstream can supply them.
    Error NotCached(const FundingQuery& query, const std::vector<TimeRange>& missing) const;
    //! An upstream failure's message with what the cache lacks and holds, and the ways forward.
    Error ExplainUpstreamFailure(const FundingQuery& query, const std::vector<TimeRange>& missing, Error error) const;
    //! "it holds ..." for messages: the funding coverage, merged.
    std::string DescribeHeld(const FundingQuery& query) const;

    BacktestCache& cache_;
    BinanceClient* upstream_;
    //! One fetch per (exchange, symbol, start, end) under way.
    mutable SingleFlight<std::tuple<std::string, std::string, int64_t, int64_t>, Result<Fetch>> inflight_;
};

}  // namespace spark
