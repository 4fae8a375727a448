#include "marketdata/bar_loader.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/blocking_wait.h"
#include "common/time_format.h"
#include "marketdata/coverage.h"
#include "model/missing_bars.h"
#include "model/resample.h"

namespace spark {

std::string_view BarSourceName(BarSource source) {
    switch (source) {
        case BarSource::kCache:
            return "cache";
        case BarSource::kBinance:
            return "binance";
        case BarSource::kMixed:
            return "mixed";
        case BarSource::kResampled:
            return "resampled";
    }
    return "cache";
}

namespace {

std::vector<Candle> Candles(const std::vector<KlineRow>& rows) {
    std::vector<Candle> candles;
    candles.reserve(rows.size());
    for (const KlineRow& row : rows) candles.push_back(row.candle);
    return candles;
}

//! Expected, missing and the first missing open times of the bars over the query's range.
void Describe(const BarQuery& query, LoadedBars& out) {
    out.expected = query.interval.CountOpenTimes(query.range.start_ms, query.range.end_ms);
    out.missing = out.expected - static_cast<int64_t>(out.bars.size());
    if (out.missing > 0) {
        out.missing_sample = FindMissingOpenTimes(out.bars, query.interval, query.range, kMissingSampleLimit);
    }
}

std::unexpected<Error> NoBars(const BarQuery& query, std::string_view where) {
    const SeriesKey& s = query.series;
    return MakeError(ErrorCode::kDataNotFound,
                     fmt::format("{} has no {} {} {} bars between {} and {}", where, s.exchange, s.symbol, s.interval,
                                 FormatIsoUtc(query.range.start_ms), FormatIsoUtc(query.range.end_ms)));
}

}  // namespace

Error BarLoader::ExplainUpstreamFailure(const BarQuery& query, const std::vector<TimeRange>& missing,
                                        Error error) const {
    if (!IsUpstreamFailure(error)) return error;
    const SeriesKey& s = query.series;
    Result<std::vector<TimeRange>> coverage = cache_.Coverage(s);
    const std::string held = !coverage           ? "an unknown range: its coverage could not be read"
                             : coverage->empty() ? "nothing"
                                                 : SummarizeRanges(*coverage);
    error.message += fmt::format(
        ". The cache lacks {} {} {} bars for {} (it holds {}). Either import those bars from Binance's dump files "
        "(spark-executor import; docs/operations.md) or send a range the cache holds",
        s.exchange, s.symbol, s.interval, SummarizeRanges(missing), held);
    return error;
}

Result<LoadedBars> BarLoader::LoadDirect(const BarQuery& query) const {
    if (upstream_ == nullptr || !upstream_->Enabled(query.series.exchange)) {
        return MakeError(ErrorCode::kDataNotFound,
                         "useCache is false but no upstream market-data source is configured; only cached bars can be "
                         "served",
                         "useCache");
    }
    Result<FetchedKlines> fetched = [&] {
        const BlockingWait waiting_for_upstream;
        return upstream_->FetchKlines(query.series.exchange, query.series.symbol, query.interval, query.range);
    }();
    if (!fetched) return std::unexpected(fetched.error());
    LoadedBars out;
    out.bars = Candles(fetched->rows);
    if (out.bars.empty()) return NoBars(query, "Binance");
    out.source = BarSource::kBinance;
    out.fetched = static_cast<int64_t>(out.bars.size());
    out.upstream_requests = fetched->requests;
    Describe(query, out);
    return out;
}

Result<BarLoader::Fetch> BarLoader::FetchIntoCache(const BarQuery& query, TimeRange range) const {
    const auto key = std::make_tuple(query.series, range.start_ms, range.end_ms);
    // Waiting for Binance, or for another request's identical fetch, lends this thread's compute
    // slot to cached requests meanwhile (common/blocking_wait.h); storing is work again.
    return inflight_.Do(key, [&]() -> Result<Fetch> {
        Result<FetchedKlines> fetched = [&] {
            const BlockingWait waiting_for_upstream;
            return upstream_->FetchKlines(query.series.exchange, query.series.symbol, query.interval, range);
        }();
        if (!fetched) return std::unexpected(fetched.error());
        // All or nothing: the bars and the coverage that vouches for them land together. Bars
        // absent inside the range are real exchange gaps from now on, not misses.
        const std::vector<TimeRange> covered = {range};
        if (Result<void> ok = cache_.Store(query.series, fetched->rows, covered, "binance"); !ok) {
            return std::unexpected(ok.error());
        }
        return Fetch{static_cast<int64_t>(fetched->rows.size()), fetched->requests};
    });
}

Result<std::optional<LoadedBars>> BarLoader::LoadResampled(const BarQuery& query) const {
    const Interval& coarse = query.interval;
    const int64_t first = coarse.AlignUp(query.range.start_ms);
    if (first >= query.range.end_ms) return std::nullopt;
    // Every bucket whose open lies in the range, whole: the last one may end after the range.
    const TimeRange span{first, coarse.Next(coarse.AlignDown(query.range.end_ms - 1))};
    Result<std::vector<std::string>> held = cache_.IntervalsWithCoverage(query.series.exchange, query.series.symbol);
    if (!held) return std::unexpected(held.error());
    for (const Interval& finer : Interval::All()) {  // finest first
        if (!finer.Divides(coarse) || std::find(held->begin(), held->end(), finer.Name()) == held->end()) continue;
        const SeriesKey series{query.series.exchange, query.series.symbol, std::string(finer.Name())};
        Result<std::vector<TimeRange>> coverage = cache_.Coverage(series);
        if (!coverage) return std::unexpected(coverage.error());
        if (coverage->empty() || !UncoveredRanges(*coverage, span).empty()) continue;
        Result<CachedBars> finer_bars = cache_.Read(series, finer, span);
        if (!finer_bars) return std::unexpected(finer_bars.error());
        if (!finer_bars->fully_covered) continue;
        LoadedBars out;
        out.bars = Resample(finer_bars->bars, coarse);
        if (out.bars.empty()) return NoBars(query, fmt::format("the cache (from its {} bars)", finer.Name()));
        out.source = BarSource::kResampled;
        out.resampled_from = finer.Name();
        out.cache_hit = true;
        out.from_memory = finer_bars->from_memory;
        Describe(query, out);
        return out;
    }
    return std::nullopt;
}

Result<LoadedBars> BarLoader::Load(const BarQuery& query) const {
    if (!query.use_cache) return LoadDirect(query);
    Result<CachedBars> cached = cache_.Read(query.series, query.interval, query.range);
    if (!cached) return std::unexpected(cached.error());
    // A timeframe the cache lacks is built from a finer one it holds before Binance is asked.
    if (!cached->fully_covered) {
        Result<std::optional<LoadedBars>> resampled = LoadResampled(query);
        if (!resampled) return std::unexpected(resampled.error());
        if (*resampled) return std::move(**resampled);
    }
    LoadedBars out;
    out.cache_hit = cached->fully_covered;
    out.from_memory = cached->from_memory;
    const bool upstream = upstream_ != nullptr && upstream_->Enabled(query.series.exchange);
    if (!cached->fully_covered && upstream) {
        const bool had_cached_bars = !cached->bars.empty();
        for (size_t i = 0; i < cached->uncovered.size(); ++i) {
            Result<Fetch> fetched = FetchIntoCache(query, cached->uncovered[i]);
            if (!fetched) {
                // The parts before this one were fetched and stored: only the rest is lacking.
                const std::vector<TimeRange> lacking(cached->uncovered.begin() + static_cast<std::ptrdiff_t>(i),
                                                     cached->uncovered.end());
                return std::unexpected(ExplainUpstreamFailure(query, lacking, fetched.error()));
            }
            out.fetched += fetched->bars;
            out.upstream_requests += fetched->requests;
        }
        cached = cache_.Read(query.series, query.interval, query.range);
        if (!cached) return std::unexpected(cached.error());
        out.from_memory = false;
        out.source = had_cached_bars ? BarSource::kMixed : BarSource::kBinance;
    }
    if (cached->bars.empty()) {
        return NoBars(query, upstream ? "neither the cache nor Binance" : "the cache (no upstream is configured)");
    }
    out.uncovered = std::move(cached->uncovered);
    out.bars = std::move(cached->bars);
    Describe(query, out);
    return out;
}

}  // namespace spark
