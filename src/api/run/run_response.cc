#include "api/run/run_response.h"

#include "api/job_support.h"
#include "api/json/json_writer.h"
#include "api/result_json.h"

namespace spark::api {
namespace {

//! Bytes per equity point as written ("[1704067200000,10000.123456789012],"), to size the buffer once.
constexpr size_t kBytesPerEquityPoint = 40;
constexpr size_t kBytesPerTrade = 320;

void WriteRequestEcho(JsonWriter& json, const RunRequest& r) {
    json.Key("request").BeginObject();
    WriteRunFields(json, r);
    WriteStrategyEcho(json, r.strategy, r.params);
    json.Field("includeEquity", r.include_equity).Field("warmupBars", r.warmup_bars);
    json.Field("warmup", r.warmup_best_effort ? "best_effort" : "strict");
    json.EndObject();
}

}  // namespace

std::string WriteRunResponse(std::string_view run_id, const RunRequest& request, const LoadedBars& bars,
                             const IntrabarBars* intrabar, size_t warmup_bars, size_t lookback_bars,
                             const Warnings& warnings, const BacktestResult& result, const RunTiming& timing,
                             std::span<const FundingSettlements> funding) {
    const bool futures = request.options.futures.has_value();
    const size_t equity_bytes = request.include_equity ? result.equity.size() * kBytesPerEquityPoint : 0;
    JsonWriter json(2048 + equity_bytes + result.trades.size() * kBytesPerTrade);
    json.BeginObject();
    json.Field("runId", run_id);
    WriteRequestEcho(json, request);
    WriteSemantics(json, request);
    WriteBars(json, bars);
    WriteIntrabar(json, intrabar);
    WriteFutures(json, request, funding);
    json.Field("warmupBars", warmup_bars);
    Warnings all = warnings;
    for (Warning& w : BarWarnings(bars, request.interval)) all.push_back(std::move(w));
    WriteStrategyAndWarnings(json, request.strategy.name, lookback_bars, bars.bars.size(), warmup_bars, std::move(all));
    WriteMetrics(json, result.metrics, "metrics", futures);
    WriteTrades(json, result.trades, futures);
    if (request.include_equity) {
        json.Key("equity").BeginArray();
        for (size_t t = 0; t < result.equity.size(); ++t) {
            json.BeginArray().Integer(bars.bars[t].open_time_ms).Number(result.equity[t]).EndArray();
        }
        json.EndArray();
    }
    WriteTiming(json, timing.load_ms, timing.compute_ms, timing.total_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace spark::api
