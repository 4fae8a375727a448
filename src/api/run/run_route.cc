#include "api/run/run_route.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <random>

#include "api/http/error_response.h"
#include "api/job_support.h"
#include "api/run/run_response.h"
#include "engine/backtest.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
std::string NewRunId() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return fmt::format("run_{:016x}{:016x}", engine(), engine());
}

std::vector<Candle> RunRoute::LoadWarmup(const BarQuery& query, size_t bars) const {
    if (bars == 0) return {};
    // Look back far enough to find `bars` bars across ordinary gaps, then keep the last ones.
    constexpr int64_t kLookbackSlack = 2;
    BarQuery before = query;
    const int64_t span = static_cast<int64_t>(bars) * kLookbackSlack * query.interval.NominalMs();
    before.range = {std::max<int64_t>(0, query.range.start_ms - span), query.range.start_ms};
    Result<LoadedBars> loaded = loader_.Load(before);
    if (!loaded) return {};  // nothing before the start: the run simply has no warm-up
    std::vector<Candle>& found = loaded->bars;
    if (found.size() > bars) found.erase(found.begin(), found.end() - static_cast<std::ptrdiff_t>(bars));
    return std::move(found);
}

HttpResponse RunRoute::Fail(const Error& error) const {
    metrics_.RecordRunError(ErrorCodeName(error.code));
    return ErrorResponse(error);
}

HttpResponse RunRoute::Handle(const HttpRequest& http) const {
    const Clock::time_point started = Clock::now();
    HttpResponse response = [&]() -> HttpResponse {
        Result<RunRequest> request = ParseRunRequest(http.body, NowEpochMs());
        if (!request) return Fail(request.error());
        metrics_.RecordRunJob(request->exchange, request->interval.Name());

        const BarQuery query{{request->exchange, request->symbol, std::string(request->interval.Name())},
                             request->interval,
                             request->range,
                             request->use_cache};
        Result<LoadedBars> bars = loader_.Load(query);
        if (!bars) {
            if (bars.error().code == ErrorCode::kDataNotFound) metrics_.RecordCacheMiss();
            return Fail(bars.error());
        }
        if (bars->cache_hit) {
            metrics_.RecordCacheHit(bars->from_memory ? "memory" : "duckdb");
        } else {
            metrics_.RecordCacheMiss();
        }
        metrics_.RecordBarsServed(BarSourceName(bars->source), static_cast<int64_t>(bars->bars.size()));
        metrics_.RecordBarsFetched(bars->fetched);

        const std::vector<Candle> warmup = LoadWarmup(query, request->warmup_bars);
        std::vector<Candle> series;
        if (!warmup.empty()) {
            series.reserve(warmup.size() + bars->bars.size());
            series.insert(series.end(), warmup.begin(), warmup.end());
            series.insert(series.end(), bars->bars.begin(), bars->bars.end());
        }
        const double load_ms = MillisSince(started);

        const Clock::time_point compute_started = Clock::now();
        std::unique_ptr<Strategy> strategy = StrategyRegistry::BuiltIn().Create(request->strategy, request->params);
        Result<BacktestResult> result = RunBacktest(warmup.empty() ? bars->bars : series, *strategy, request->options,
                                                    request->interval.PeriodsPerYear(), warmup.size());
        if (!result) return Fail(result.error());
        const RunTiming timing{load_ms, MillisSince(compute_started), MillisSince(started)};
        HttpResponse ok{200, WriteRunResponse(http.run_id.empty() ? NewRunId() : http.run_id, *request, *bars,
                                              warmup.size(), *result, timing)};
        ok.job = {request->symbol, std::string(request->interval.Name()), request->start, request->end,
                  std::string(BarSourceName(bars->source))};
        return ok;
    }();
    metrics_.RecordRunLatency(MillisSince(started));
    return response;
}

}  // namespace spark::api
