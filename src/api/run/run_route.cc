#include "api/run/run_route.h"

#include "api/futures_support.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <random>

#include "api/http/error_response.h"
#include "api/intrabar_support.h"
#include "api/job_support.h"
#include "api/run/run_response.h"
#include "api/runs/runs_routes.h"
#include "common/time_format.h"
#include "engine/backtest.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
std::string NewRunId() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return fmt::format("run_{:016x}{:016x}", engine(), engine());
}

Result<std::vector<Candle>> RunRoute::LoadWarmup(const RunRequest& request, const BarQuery& query,
                                                 Warnings& warnings) const {
    const size_t bars = request.warmup_bars;
    if (bars == 0) return std::vector<Candle>{};
    // Look back twice the bars' span, then wider across longer gaps (never past the earliest
    // accepted date or the largest range a run may load), and keep the last `bars` bars.
    constexpr int64_t kLookbackFactors[] = {2, 8, 32};
    BarQuery before = query;
    Result<LoadedBars> loaded = MakeError(ErrorCode::kDataNotFound, "");
    std::vector<Candle> found;
    for (const int64_t factor : kLookbackFactors) {
        const int64_t span_bars = std::min(static_cast<int64_t>(bars) * factor, kMaxBarsPerRun);
        const int64_t from = std::max(kEarliestStartMs, query.range.start_ms - span_bars * query.interval.NominalMs());
        if (from >= query.range.start_ms) break;
        before.range = {from, query.range.start_ms};
        loaded = LoadCounted(loader_, metrics_, before);
        found = loaded ? std::move(loaded->bars) : std::vector<Candle>{};
        if (found.size() >= bars) {
            found.erase(found.begin(), found.end() - static_cast<std::ptrdiff_t>(bars));
            return found;
        }
        // An upstream failure is not a shortage: widening would only fail again.
        if (!loaded && loaded.error().code != ErrorCode::kDataNotFound) break;
        if (from == kEarliestStartMs) break;
    }

    // Fewer bars than asked: the indicators would start cold and the trades could differ from a
    // run that had them, so this is never silent (docs/api.md "Warm-up").
    const bool shortage = loaded || loaded.error().code == ErrorCode::kDataNotFound;
    const std::string why = shortage
                                ? fmt::format("only {} of the {} warm-up bars exist before {} (looked back to {})",
                                              found.size(), bars, request.start, FormatIsoUtc(before.range.start_ms))
                                : fmt::format("the {} warm-up bars before {} could not be loaded: {}", bars,
                                              request.start, loaded.error().message);
    if (request.warmup_best_effort) {
        warnings.push_back(
            {"WARMUP_SHORT", fmt::format("{}; the run used {} warm-up bars (warmup: best_effort)", why, found.size())});
        return found;
    }
    Error error = shortage ? Error{ErrorCode::kDataNotFound, ""} : loaded.error();
    error.message = fmt::format(
        "{}; send fewer warmupBars, import the missing bars, or send \"warmup\": "
        "\"best_effort\" to run with what exists (the answer then says how many it used)",
        why);
    error.field = "warmupBars";
    error.reason = "WARMUP_UNAVAILABLE";
    error.numbers = {{"requested", static_cast<double>(bars)}, {"found", static_cast<double>(found.size())}};
    return std::unexpected(std::move(error));
}

HttpResponse RunRoute::Fail(const Error& error) const {
    metrics_.RecordRunError(ErrorCodeName(error.code));
    return ErrorResponse(error);
}

HttpResponse RunRoute::Handle(const HttpRequest& http) const {
    const Clock::time_point started = Clock::now();
    JobInfo identity;
    HttpResponse response = [&]() -> HttpResponse {
        Result<RunRequest> request = ParseRunRequest(http.body, NowEpochMs());
        if (!request) return Fail(request.error());
        metrics_.RecordRunJob(request->exchange, request->interval.Name());
        identity = IdentityOf(*request);

        const BarQuery query{{request->exchange, request->symbol, std::string(request->interval.Name())},
                             request->interval,
                             request->range,
                             request->use_cache};
        Result<LoadedBars> bars = LoadCounted(loader_, metrics_, query);
        if (!bars) return Fail(bars.error());
        identity.bar_source = BarSourceName(bars->source);

        Warnings warnings;
        Result<std::vector<Candle>> loaded_warmup = LoadWarmup(*request, query, warnings);
        if (!loaded_warmup) return Fail(loaded_warmup.error());
        const std::vector<Candle>& warmup = *loaded_warmup;
        std::vector<Candle> series;
        if (!warmup.empty()) {
            series.reserve(warmup.size() + bars->bars.size());
            series.insert(series.end(), warmup.begin(), warmup.end());
            series.insert(series.end(), bars->bars.begin(), bars->bars.end());
        }
        Result<std::shared_ptr<const IntrabarBars>> intrabar = LoadIntrabar(
            loader_, metrics_, *request, request->symbol, bars->bars, warnings, request->strategy.SetsLevels());
        if (!intrabar) return Fail(intrabar.error());
        Result<std::optional<FundingSettlements>> funding = LoadFundingFor(funding_, *request, request->symbol);
        if (!funding) return Fail(funding.error());
        BacktestOptions options = request->options;
        if (*intrabar) options.intrabar = (*intrabar)->path.get();
        if (options.futures) options.futures = WithFunding(*options.futures, *funding ? &**funding : nullptr);
        const double load_ms = MillisSince(started);

        const Clock::time_point compute_started = Clock::now();
        std::unique_ptr<Strategy> strategy = request->strategy.definition->create(request->params);
        Result<BacktestResult> result = RunBacktest(warmup.empty() ? bars->bars : series, *strategy, options,
                                                    request->interval.PeriodsPerYear(), warmup.size());
        if (!result) return Fail(result.error());
        SetHeadline(identity, result->metrics);
        const RunTiming timing{load_ms, MillisSince(compute_started), MillisSince(started)};
        HttpResponse ok{
            200, WriteRunResponse(http.run_id.empty() ? NewRunId() : http.run_id, *request, *bars, intrabar->get(),
                                  warmup.size(), strategy->LookbackBars(), warnings, *result, timing,
                                  *funding ? std::span<const FundingSettlements>(&**funding, 1)
                                           : std::span<const FundingSettlements>{})};
        AnswerAsCsvWhenAsked(http, ok);
        return ok;
    }();
    response.job = std::move(identity);
    metrics_.RecordRunLatency(MillisSince(started));
    return response;
}

}  // namespace spark::api
