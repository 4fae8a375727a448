#include "api/portfolio/portfolio_route.h"

#include <fmt/format.h>

#include <chrono>
#include <future>

#include "api/futures_support.h"
#include "api/http/error_response.h"
#include "api/intrabar_support.h"
#include "api/job_support.h"
#include "api/json/json_writer.h"
#include "api/portfolio/portfolio_request.h"
#include "api/result_json.h"
#include "common/blocking_wait.h"
#include "engine/backtest.h"
#include "research/portfolio.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
namespace {

//! Loads run in batches of this many threads (each takes a pooled DuckDB connection).
constexpr size_t kParallelLoads = 4;

//! "request": what a portfolio request has, defaults filled in: the run's fields without `symbol`
//! (`request.run` carries the first asset's symbol only to be read; each asset echoes its own).
void WriteRequestEcho(JsonWriter& json, const PortfolioRequest& request) {
    json.Key("request").BeginObject();
    WriteRunFields(json, request.run, /*with_symbol=*/false);
    json.Key("assets").BeginArray();
    for (const PortfolioAssetRequest& a : request.assets) {
        json.BeginObject().Field("symbol", a.symbol).Field("weight", a.weight);
        WriteStrategyEcho(json, a.strategy, a.params);
        json.EndObject();
    }
    json.EndArray();
    json.Field("rebalance", request.rebalance_text);
    json.EndObject();
}

//! Appends `item` to a comma-separated list unless it is there already.
void AddDistinct(std::string& list, std::string_view item) {
    for (size_t start = 0; start <= list.size();) {
        const size_t comma = std::min(list.find(',', start), list.size());
        if (std::string_view(list).substr(start, comma - start) == item) return;
        start = comma + 1;
    }
    if (!list.empty()) list += ',';
    list += item;
}

//! The audit identity: every asset's symbol, the distinct strategies.
JobInfo PortfolioIdentity(const PortfolioRequest& request) {
    JobInfo identity = IdentityOf(request.run);
    identity.symbol.clear();
    identity.strategy.clear();
    for (const PortfolioAssetRequest& a : request.assets) {
        identity.symbol += (identity.symbol.empty() ? "" : ",") + a.symbol;
        AddDistinct(identity.strategy, a.strategy.name);
    }
    return identity;
}

std::string WriteResponse(std::string_view run_id, const PortfolioRequest& request,
                          const std::vector<LoadedBars>& loaded, const Warnings& intrabar_warnings,
                          const research::PortfolioResult& result, std::span<const FundingSettlements> funding,
                          double load_ms, double compute_ms, double total_ms) {
    const bool futures = request.run.options.futures.has_value();
    JsonWriter json(8192 + result.timeline.size() * 40);
    json.BeginObject();
    json.Field("runId", run_id);
    WriteRequestEcho(json, request);
    WriteSemantics(json, request.run);
    WriteFutures(json, request.run, funding);
    json.Key("timeline").BeginObject();
    json.Field("bars", result.timeline.size());
    json.Field("firstOpenTime", result.timeline.front()).Field("lastOpenTime", result.timeline.back());
    json.EndObject();
    WriteMetrics(json, result.metrics, "metrics", futures);
    Warnings warnings = intrabar_warnings;
    for (size_t i = 0; i < request.assets.size(); ++i) {
        const PortfolioAssetRequest& a = request.assets[i];
        const auto strategy = a.strategy.definition->create(a.params);
        const size_t lookback = strategy == nullptr ? 0 : strategy->LookbackBars();
        if (loaded[i].bars.size() <= lookback) {
            Warning w = LookbackWarning(lookback, 0, loaded[i].bars.size());
            w.message = fmt::format("assets[{}] ({}): {}", i, a.symbol, w.message);
            warnings.push_back(std::move(w));
        }
        for (Warning& w : BarWarnings(loaded[i], request.run.interval, fmt::format("assets[{}] ({})", i, a.symbol))) {
            warnings.push_back(std::move(w));
        }
    }
    WriteWarnings(json, warnings);
    json.Key("rebalancing").BeginObject();
    json.Field("rule", request.rebalance_text).Field("rebalances", result.rebalances);
    json.Field("turnover", result.turnover).Field("fees", result.rebalance_fees);
    json.EndObject();
    json.Key("assets").BeginArray();
    for (size_t i = 0; i < result.sleeves.size(); ++i) {
        const research::SleeveResult& s = result.sleeves[i];
        json.BeginObject().Field("symbol", request.assets[i].symbol).Field("weight", request.assets[i].weight);
        json.Field("contribution", s.contribution).Field("finalEquity", s.final_equity);
        json.Field("missingOnTimeline", s.missing_on_timeline);
        WriteBars(json, loaded[i]);
        WriteMetrics(json, s.metrics, "metrics", futures);
        WriteTrades(json, s.trades, futures);
        json.Key("equity").BeginArray();
        for (size_t u = 0; u < s.equity.size() && u < result.timeline.size(); ++u) {
            json.BeginArray().Integer(result.timeline[u]).Number(s.equity[u]).EndArray();
        }
        json.EndArray();
        json.EndObject();
    }
    json.EndArray();
    json.Key("correlation").BeginObject().Key("symbols").BeginArray();
    for (const PortfolioAssetRequest& a : request.assets) json.String(a.symbol);
    json.EndArray().Key("matrix").BeginArray();
    for (const auto& row : result.correlation) {
        json.BeginArray();
        for (const auto& value : row) json.OptionalNumber(value);
        json.EndArray();
    }
    json.EndArray().EndObject();
    json.Key("equity").BeginArray();
    for (size_t u = 0; u < result.timeline.size(); ++u) {
        json.BeginArray().Integer(result.timeline[u]).Number(result.equity[u]).EndArray();
    }
    json.EndArray();
    WriteTiming(json, load_ms, compute_ms, total_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace

HttpResponse PortfolioRoute::Handle(const HttpRequest& http) const {
    const Clock::time_point started = Clock::now();
    JobInfo identity;
    auto fail = [&](const Error& error) {
        metrics_.RecordRouteError("portfolio", ErrorCodeName(error.code));
        metrics_.RecordRouteLatency("portfolio", MillisSince(started));
        HttpResponse response = ErrorResponse(error);
        response.job = identity;
        return response;
    };
    Result<PortfolioRequest> request =
        ParsePortfolioRequest(http.body, http.now_ms.value_or(NowEpochMs()), max_assets_);
    if (!request) return fail(request.error());
    metrics_.RecordRouteJob("portfolio", request->run.exchange, request->run.interval.Name());
    identity = PortfolioIdentity(*request);

    // Every asset cache-first, a few at a time in parallel.
    std::vector<Result<LoadedBars>> loads;
    for (size_t first = 0; first < request->assets.size(); first += kParallelLoads) {
        std::vector<std::future<Result<LoadedBars>>> batch;
        for (size_t i = first; i < std::min(first + kParallelLoads, request->assets.size()); ++i) {
            const BarQuery query{
                {request->run.exchange, request->assets[i].symbol, std::string(request->run.interval.Name())},
                request->run.interval,
                request->run.range,
                request->run.use_cache};
            batch.push_back(
                std::async(std::launch::async, [this, query] { return LoadCounted(loader_, metrics_, query); }));
        }
        // The loads run on their own threads; this worker only waits, and lends its slot meanwhile.
        const BlockingWait waiting_for_loads;
        for (auto& f : batch) loads.push_back(f.get());
    }
    std::vector<LoadedBars> loaded;
    std::vector<std::shared_ptr<const IntrabarBars>> intrabars;  // the sleeves' paths point into them
    std::vector<FundingSettlements> funding;                     // the sleeves' terms read them in place
    funding.reserve(loads.size());
    Warnings intrabar_warnings;
    bool said_unused = false;
    research::PortfolioInput input{.assets = {},
                                   .options = request->run.options,
                                   .periods_per_year = request->run.interval.PeriodsPerYear(),
                                   .rebalance = request->rebalance};
    for (size_t i = 0; i < loads.size(); ++i) {
        if (!loads[i]) {
            Error error = loads[i].error();
            error.field = fmt::format("assets[{}].symbol", i);
            return fail(error);
        }
        if (Result<void> ok = CheckBars(loads[i]->bars); !ok) return fail(ok.error());
        const PortfolioAssetRequest& a = request->assets[i];
        Warnings asset_warnings;
        Result<std::shared_ptr<const IntrabarBars>> fine = LoadIntrabar(
            loader_, metrics_, request->run, a.symbol, loads[i]->bars, asset_warnings, a.strategy.SetsLevels());
        if (!fine) {
            Error error = fine.error();
            error.message = fmt::format("assets[{}] ({}): {}", i, a.symbol, error.message);
            return fail(error);
        }
        for (Warning& w : asset_warnings) {
            w.message = fmt::format("assets[{}] ({}): {}", i, a.symbol, w.message);
            // One INTRABAR_UNUSED for the whole request is enough: the first asset's that has one.
            if (w.code == "INTRABAR_UNUSED") {
                if (said_unused) continue;
                said_unused = true;
            }
            intrabar_warnings.push_back(std::move(w));
        }
        std::optional<FuturesTerms> futures;
        if (a.futures) {
            Result<std::optional<FundingSettlements>> settlements = LoadFundingFor(funding_, request->run, a.symbol);
            if (!settlements) {
                Error error = settlements.error();
                error.message = fmt::format("assets[{}] ({}): {}", i, a.symbol, error.message);
                return fail(error);
            }
            funding.push_back(std::move(**settlements));
            futures = WithFunding(*a.futures, &funding.back());
        }
        input.assets.push_back({a.symbol, a.weight, a.strategy.definition->create(a.params), loads[i]->bars,
                                *fine ? (*fine)->path.get() : nullptr, futures});
        intrabars.push_back(std::move(*fine));
        loaded.push_back(std::move(*loads[i]));
    }
    const double load_ms = MillisSince(started);
    const Clock::time_point compute_started = Clock::now();
    const research::PortfolioResult result = research::RunPortfolio(input);
    const double compute_ms = MillisSince(compute_started);
    const double total_ms = MillisSince(started);
    metrics_.RecordRouteLatency("portfolio", total_ms);
    HttpResponse ok{200, WriteResponse(http.run_id, *request, loaded, intrabar_warnings, result, funding, load_ms,
                                       compute_ms, total_ms)};
    for (const LoadedBars& bars : loaded) AddDistinct(identity.bar_source, BarSourceName(bars.source));
    ok.job = std::move(identity);
    SetHeadline(ok.job, result.metrics);
    return ok;
}

}  // namespace spark::api
