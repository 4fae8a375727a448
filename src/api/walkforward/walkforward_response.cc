#include "api/walkforward/walkforward_response.h"

#include <optional>

#include "api/job_support.h"
#include "api/json/json_writer.h"
#include "api/result_json.h"
#include "research/walk_forward_summary.h"

namespace spark::api {
namespace {

void WriteParams(JsonWriter& json, const ParamValues& params) {
    json.Key("params").BeginObject();
    for (const auto& [name, value] : params) json.Field(name, value);
    json.EndObject();
}

void WriteWindow(JsonWriter& json, const char* key, const std::vector<Candle>& all, size_t begin, size_t end,
                 const Interval& interval) {
    json.Key(key).BeginObject();
    json.Field("start", all[begin].open_time_ms).Field("endExclusive", interval.Next(all[end - 1].open_time_ms));
    json.Field("bars", end - begin);
    json.EndObject();
}

void WriteStability(JsonWriter& json, const research::Stability& stability,
                    const std::vector<ParamValues>& combinations) {
    json.Key("stability").BeginObject();
    json.Key("params").BeginObject();
    for (const research::ParameterStability& p : stability.params) {
        json.Key(p.name).BeginObject();
        json.Key("byFold").BeginArray();
        for (const double v : p.by_fold) json.Number(v);
        json.EndArray();
        json.Field("mean", p.mean).Field("stdev", p.stdev);
        json.Field("coefficientOfVariation", p.coefficient_of_variation);
        json.Field("distinct", p.distinct);
        json.EndObject();
    }
    json.EndObject();
    json.Key("mostChosen");
    if (!stability.most_chosen) {
        json.Null();
    } else {
        json.BeginObject();
        WriteParams(json, combinations[*stability.most_chosen]);
        json.Field("folds", stability.most_chosen_folds);
        json.EndObject();
    }
    json.EndObject();
}

}  // namespace

std::string WriteWalkForwardResponse(std::string_view run_id, const WalkForwardRequest& request, double threshold,
                                     const std::vector<ParamValues>& combinations, const LoadedBars& bars,
                                     const IntrabarBars* intrabar, const Warnings& warnings,
                                     const research::WalkForwardOutcome& outcome, const WalkForwardTiming& timing,
                                     std::span<const FundingSettlements> funding, analysis::Metrics* stitched_metrics) {
    const RunRequest& run = request.search.run;
    const bool futures = run.options.futures.has_value();
    const std::vector<Candle>& all = bars.bars;
    JsonWriter json(16384 + all.size() * 40);
    json.BeginObject();
    json.Field("runId", run_id);
    json.Key("request").BeginObject();
    WriteRunFields(json, run);
    WriteStrategyEcho(json, run.strategy, request.search.grid.fixed);
    json.Field("objective", research::ObjectiveName(request.search.objective));
    json.Field("minTrades", request.search.min_trades);
    json.Key("windows").BeginObject();
    json.Field("inSample", request.windows.in_sample).Field("outOfSample", request.windows.out_of_sample);
    json.Field("step", request.windows.step);
    json.Field("mode", request.windows.mode == research::WindowMode::kRolling ? "rolling" : "anchored");
    json.EndObject();
    json.Field("threshold", threshold);
    json.EndObject();
    WriteSemantics(json, run);
    WriteBars(json, bars);
    WriteIntrabar(json, intrabar);
    WriteFutures(json, run, funding);
    Warnings all_warnings = warnings;
    for (Warning& w : BarWarnings(bars, run.interval)) all_warnings.push_back(std::move(w));
    // Each fold chooses on its in-sample window: the shortest stretch the strategy must trade on.
    WriteStrategyAndWarnings(json, run.strategy.name, LongestLookback(run.strategy.definition.get(), combinations),
                             static_cast<size_t>(request.windows.in_sample), 0, std::move(all_warnings));
    json.Field("combinationsPerFold", combinations.size()).Field("cancelled", outcome.cancelled);

    json.Key("folds").BeginArray();
    for (size_t k = 0; k < outcome.folds.size(); ++k) {
        const research::FoldOutcome& fold = outcome.folds[k];
        json.BeginObject().Field("fold", k + 1);
        WriteWindow(json, "inSample", all, fold.window.in_sample_begin, fold.window.in_sample_end, run.interval);
        WriteWindow(json, "outOfSample", all, fold.window.in_sample_end, fold.window.out_of_sample_end, run.interval);
        json.Field("evaluated", fold.evaluated);
        if (fold.best && fold.in_sample && fold.out_of_sample) {
            WriteParams(json, combinations[*fold.best]);
            WriteMetrics(json, *fold.in_sample, "inSampleMetrics", futures);
            WriteMetrics(json, fold.out_of_sample->metrics, "outOfSampleMetrics", futures);
            json.Field("efficiency", fold.efficiency);
            WriteTrades(json, fold.out_of_sample->trades, futures);  // the out-of-sample trades
        } else {
            json.Key("params").Null();
            json.Field("efficiency", std::optional<double>{});
        }
        json.EndObject();
    }
    json.EndArray();

    const research::StitchedOutOfSample stitched =
        research::StitchOutOfSample(outcome, all, run.options.initial_cash, run.interval.PeriodsPerYear());
    if (stitched_metrics != nullptr) *stitched_metrics = stitched.metrics;
    const research::WalkForwardVerdict verdict = research::JudgeWalkForward(outcome, stitched.metrics.cagr, threshold);
    json.Key("verdict").BeginObject();
    json.Field("pass", verdict.pass).Field("efficiency", verdict.efficiency).Field("threshold", verdict.threshold);
    json.Field("inSampleAnnualizedReturn", verdict.in_sample_cagr);
    json.Field("outOfSampleAnnualizedReturn", verdict.out_of_sample_cagr);
    json.Field("folds", verdict.folds).Field("foldsAtOrAboveThreshold", verdict.folds_at_or_above);
    json.Field("reason", verdict.reason);
    json.EndObject();

    json.Key("outOfSample").BeginObject();
    WriteMetrics(json, stitched.metrics, "metrics", futures);
    json.Key("equity").BeginArray();
    for (size_t t = 0; t < stitched.equity.size(); ++t) {
        json.BeginArray().Integer(stitched.times[t]).Number(stitched.equity[t]).EndArray();
    }
    json.EndArray();
    json.EndObject();
    WriteStability(json, research::ParameterStabilityOf(outcome, combinations), combinations);
    WriteTiming(json, timing.load_ms, timing.compute_ms, timing.total_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace spark::api
