#include "marketdata/funding_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>

#include "common/blocking_wait.h"
#include "common/time_format.h"
#include "marketdata/coverage.h"
#include "marketdata/funding_page.h"

namespace spark {
namespace {

//! The part of `range` whose settlements can be known now; empty when all of it lies ahead.
TimeRange KnownPart(TimeRange range) {
    const int64_t horizon = FundingHorizon(NowEpochMs());
    return {range.start_ms, std::max(range.start_ms, std::min(range.end_ms, horizon))};
}

std::string ImportCommand(const FundingQuery& query) {
    return fmt::format("spark-executor import --exchange {} --symbol {} --funding FILE...", kFundingExchange,
                       query.symbol);
}

}  // namespace

bool FundingLoader::HasUpstream() const { return upstream_ != nullptr && upstream_->Enabled(kFundingExchange); }

std::string FundingLoader::DescribeHeld(const FundingQuery& query) const {
    Result<std::vector<TimeRange>> coverage = cache_.FundingCoverage(query.exchange, query.symbol);
    if (!coverage) return "an unknown range: its coverage could not be read";
    return coverage->empty() ? "nothing" : SummarizeRanges(*coverage);
}

Error FundingLoader::NotCached(const FundingQuery& query, const std::vector<TimeRange>& missing) const {
    return Error(ErrorCode::kDataNotFound,
                 fmt::format("the cache lacks {} {} funding rates for {} (it holds {}) and no USD-M futures upstream "
                             "is configured. Either import Binance's monthly fundingRate dumps "
                             "(data.binance.vision, futures/um/monthly/fundingRate/{}/) with `{}`, or set "
                             "BINANCE_FUTURES_BASE_URL so the missing ranges are fetched from Binance",
                             query.exchange, query.symbol, SummarizeRanges(missing), DescribeHeld(query), query.symbol,
                             ImportCommand(query)),
                 "", "FUNDING_NOT_CACHED");
}

Error FundingLoader::ExplainUpstreamFailure(const FundingQuery& query, const std::vector<TimeRange>& missing,
                                            Error error) const {
    if (!IsUpstreamFailure(error)) return error;
    error.message += fmt::format(
        ". The cache lacks {} {} funding rates for {} (it holds {}). Either import them from Binance's monthly "
        "fundingRate dumps (`{}`; docs/operations.md) or send a range the cache holds",
        query.exchange, query.symbol, SummarizeRanges(missing), DescribeHeld(query), ImportCommand(query));
    return error;
}

Result<LoadedFunding> FundingLoader::LoadDirect(const FundingQuery& query, TimeRange known) const {
    if (!HasUpstream()) {
        return MakeError(ErrorCode::kDataNotFound,
                         "useCache is false but no USD-M futures upstream is configured (BINANCE_FUTURES_BASE_URL); "
                         "only cached funding rates can be served",
                         "useCache");
    }
    LoadedFunding out;
    out.source = "binance";
    if (known.Empty()) return out;
    Result<FetchedFunding> fetched = [&] {
        const BlockingWait waiting_for_upstream;
        return upstream_->FetchFundingRates(query.symbol, known);
    }();
    if (!fetched) return std::unexpected(fetched.error());
    out.fetched = static_cast<int64_t>(fetched->rows.size());
    out.upstream_requests = fetched->requests;
    out.rates = std::move(fetched->rows);
    return out;
}

Result<FundingLoader::Fetch> FundingLoader::FetchIntoCache(const FundingQuery& query, TimeRange range) const {
    const auto key = std::make_tuple(query.exchange, query.symbol, range.start_ms, range.end_ms);
    // Waiting for Binance, or for another request's identical fetch, lends this thread's compute
    // slot to cached requests meanwhile (common/blocking_wait.h); storing is work again.
    return inflight_.Do(key, [&]() -> Result<Fetch> {
        Result<FetchedFunding> fetched = [&] {
            const BlockingWait waiting_for_upstream;
            return upstream_->FetchFundingRates(query.symbol, range);
        }();
        if (!fetched) return std::unexpected(fetched.error());
        // All or nothing: the rates and the coverage that vouches for them land together. Time in
        // the range without a settlement is known to have none from now on, not a miss.
        const std::vector<TimeRange> covered = {range};
        if (Result<void> ok = cache_.StoreFunding(query.exchange, query.symbol, fetched->rows, covered, "binance");
            !ok) {
            return std::unexpected(ok.error());
        }
        return Fetch{static_cast<int64_t>(fetched->rows.size()), fetched->requests};
    });
}

Result<LoadedFunding> FundingLoader::Load(const FundingQuery& query) const {
    // kInvalidRequest ("a field is out of range") is the closest code to an invalid parameter:
    // only USD-M perpetuals settle funding.
    if (query.exchange != kFundingExchange) {
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("funding rates exist only for exchange {} (USD-M perpetuals), not for '{}'",
                                     kFundingExchange, query.exchange),
                         "exchange", "NO_FUNDING_FOR_EXCHANGE");
    }
    const TimeRange known = KnownPart(query.range);
    if (!query.use_cache) return LoadDirect(query, known);
    Result<CachedFunding> cached = cache_.ReadFunding(query.exchange, query.symbol, known);
    if (!cached) return std::unexpected(cached.error());
    LoadedFunding out;
    out.source = "cache";
    out.cache_hit = cached->uncovered.empty();
    if (!out.cache_hit) {
        if (!HasUpstream()) return std::unexpected(NotCached(query, cached->uncovered));
        // Mixed when any of the range was covered before, whether or not it held a settlement.
        const bool had_coverage = cached->uncovered != std::vector<TimeRange>{known};
        for (size_t i = 0; i < cached->uncovered.size(); ++i) {
            Result<Fetch> fetched = FetchIntoCache(query, cached->uncovered[i]);
            if (!fetched) {
                // The parts before this one were fetched and stored: only the rest is lacking.
                const std::vector<TimeRange> lacking(cached->uncovered.begin() + static_cast<std::ptrdiff_t>(i),
                                                     cached->uncovered.end());
                return std::unexpected(ExplainUpstreamFailure(query, lacking, fetched.error()));
            }
            out.fetched += fetched->rates;
            out.upstream_requests += fetched->requests;
        }
        cached = cache_.ReadFunding(query.exchange, query.symbol, known);
        if (!cached) return std::unexpected(cached.error());
        out.source = had_coverage ? "mixed" : "binance";
    }
    out.rates = std::move(cached->rates);
    out.uncovered = std::move(cached->uncovered);
    return out;
}

}  // namespace spark
