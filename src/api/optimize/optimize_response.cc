#include "api/optimize/optimize_response.h"

#include "api/job_support.h"
#include "api/json/json_writer.h"
#include "api/result_json.h"

namespace spark::api {

void WriteParams(JsonWriter& json, const ParamValues& params) {
    json.Key("params").BeginObject();
    for (const auto& [name, value] : params) json.Field(name, value);
    json.EndObject();
}

void WriteGridEcho(JsonWriter& json, const research::GridSpec& grid) {
    json.Key("grid").BeginObject();
    for (const research::GridAxis& axis : grid.axes) {
        json.Key(axis.name).BeginArray();
        for (const double v : axis.values) json.Number(v);
        json.EndArray();
    }
    json.EndObject();
}

namespace {

void WriteRequestEcho(JsonWriter& json, const OptimizeRequest& r) {
    json.Key("request").BeginObject();
    WriteRunFields(json, r.run);
    WriteStrategyEcho(json, r.run.strategy, r.grid.fixed);
    WriteGridEcho(json, r.grid);
    json.Field("objective", research::ObjectiveName(r.objective));
    json.Field("topN", r.top_n).Field("minTrades", r.min_trades);
    json.EndObject();
}

}  // namespace

void WriteGuard(JsonWriter& json, const std::optional<analysis::OverfittingGuard>& guard) {
    json.Key("overfitting");
    if (!guard) {
        json.Null();
        return;
    }
    json.BeginObject();
    json.Field("psr", guard->psr).Field("dsr", guard->dsr).Field("trials", guard->trials);
    json.Field("sharpePerBar", guard->moments.sharpe);
    json.Field("expectedMaxSharpePerBar", guard->expected_max_sharpe);
    json.Field("sharpeVariance", guard->sharpe_variance);
    json.Field("skewness", guard->moments.skewness).Field("kurtosis", guard->moments.kurtosis);
    json.Field("returns", guard->moments.count);
    json.EndObject();
}

std::string WriteCombinations(const OptimizeRequest& request, const std::vector<ParamValues>& combinations,
                              const research::GridSearchOutcome& outcome) {
    const bool futures = request.run.options.futures.has_value();
    JsonWriter json(256 + combinations.size() * 700);
    json.BeginArray();
    for (size_t i = 0; i < combinations.size() && i < outcome.trials.size(); ++i) {
        const research::Trial& trial = outcome.trials[i];
        json.BeginObject();
        WriteParams(json, combinations[i]);
        if (trial.evaluated) {
            WriteMetrics(json, trial.metrics, "metrics", futures);
        } else {
            json.Key("metrics").Null();
        }
        json.Field("skipped", !trial.evaluated);
        json.Field("belowMinTrades",
                   trial.evaluated && trial.metrics.num_trades < static_cast<int64_t>(request.min_trades));
        json.EndObject();
    }
    json.EndArray();
    return json.Take();
}

std::string WriteOptimizeResponse(std::string_view run_id, const OptimizeRequest& request,
                                  const std::vector<ParamValues>& combinations, int64_t skipped, const LoadedBars& bars,
                                  const IntrabarBars* intrabar, const Warnings& warnings,
                                  const research::GridSearchOutcome& outcome, const OptimizeTiming& timing,
                                  std::span<const FundingSettlements> funding) {
    const bool futures = request.run.options.futures.has_value();
    JsonWriter json(4096 + (outcome.best ? outcome.best->trades.size() * 320 : 0) + request.top_n * 800);
    json.BeginObject();
    json.Field("runId", run_id);
    WriteRequestEcho(json, request);
    WriteSemantics(json, request.run);
    WriteBars(json, bars);
    WriteIntrabar(json, intrabar);
    WriteFutures(json, request.run, funding);
    Warnings all = warnings;
    for (Warning& w : BarWarnings(bars, request.run.interval)) all.push_back(std::move(w));
    WriteStrategyAndWarnings(json, request.run.strategy.name,
                             LongestLookback(request.run.strategy.definition.get(), combinations), bars.bars.size(), 0,
                             std::move(all));
    json.Field("evaluated", outcome.evaluated).Field("skipped", skipped);
    json.Field("belowMinTrades", outcome.below_min_trades).Field("cancelled", outcome.cancelled);
    json.Field("concurrency", outcome.lanes);
    json.Key("topN").BeginArray();
    for (size_t rank = 0; rank < outcome.ranking.size() && rank < request.top_n; ++rank) {
        const size_t i = outcome.ranking[rank];
        json.BeginObject().Field("rank", rank + 1);
        WriteParams(json, combinations[i]);
        json.Field("objective", research::ObjectiveValue(request.objective, outcome.trials[i].metrics));
        WriteMetrics(json, outcome.trials[i].metrics, "metrics", futures);
        json.EndObject();
    }
    json.EndArray();
    json.Key("best");
    if (outcome.best) {
        json.BeginObject();
        WriteParams(json, combinations[outcome.ranking.front()]);
        WriteMetrics(json, outcome.best->metrics, "metrics", futures);
        WriteTrades(json, outcome.best->trades, futures);
        json.EndObject();
    } else {
        json.Null();
    }
    WriteGuard(json, outcome.guard);
    WriteTiming(json, timing.load_ms, timing.compute_ms, timing.total_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace spark::api
