#include "api/walkforward/walkforward_response.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "api/job_support.h"
#include "api/json/json_writer.h"
#include "api/result_json.h"

namespace spark::api {
namespace {

//! The out-of-sample runs chained into one account: each fold starts where the previous ended.
struct Stitched {
    std::vector<double> equity;
    std::vector<int64_t> times;
    std::vector<Candle> bars;
    std::vector<Trade> trades;
    int64_t bars_in_market = 0;
    double fees = 0;
};

Stitched Stitch(const research::WalkForwardOutcome& outcome, const std::vector<Candle>& all, double initial_cash) {
    Stitched s;
    double running = initial_cash;
    for (const research::FoldOutcome& fold : outcome.folds) {
        const size_t begin = fold.window.in_sample_end;
        const size_t end = fold.window.out_of_sample_end;
        s.bars.insert(s.bars.end(), all.begin() + static_cast<std::ptrdiff_t>(begin),
                      all.begin() + static_cast<std::ptrdiff_t>(end));
        for (size_t t = begin; t < end; ++t) s.times.push_back(all[t].open_time_ms);
        if (!fold.out_of_sample) {
            s.equity.insert(s.equity.end(), end - begin, running);  // nothing chosen: stay in cash
            continue;
        }
        const BacktestResult& r = *fold.out_of_sample;
        const double scale = running / initial_cash;
        for (const double e : r.equity) s.equity.push_back(e * scale);
        running = s.equity.back();
        s.trades.insert(s.trades.end(), r.trades.begin(), r.trades.end());
        s.bars_in_market +=
            static_cast<int64_t>(std::llround(r.metrics.exposure * static_cast<double>(r.equity.size())));
        s.fees += r.metrics.total_fees * scale;
    }
    return s;
}

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

void WriteStability(JsonWriter& json, const research::WalkForwardOutcome& outcome,
                    const std::vector<ParamValues>& combinations) {
    std::map<std::string, std::vector<double>> values;
    std::map<size_t, int64_t> chosen;  // combination → folds that chose it
    for (const research::FoldOutcome& fold : outcome.folds) {
        if (!fold.best) continue;
        ++chosen[*fold.best];
        for (const auto& [name, value] : combinations[*fold.best]) values[name].push_back(value);
    }
    json.Key("stability").BeginObject();
    json.Key("params").BeginObject();
    for (const auto& [name, series] : values) {
        double sum = 0;
        for (const double v : series) sum += v;
        const double mean = sum / static_cast<double>(series.size());
        double squares = 0;
        for (const double v : series) squares += (v - mean) * (v - mean);
        const double stdev = series.size() > 1 ? std::sqrt(squares / static_cast<double>(series.size() - 1)) : 0;
        std::vector<double> distinct = series;
        std::sort(distinct.begin(), distinct.end());
        distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
        json.Key(name).BeginObject();
        json.Key("byFold").BeginArray();
        for (const double v : series) json.Number(v);
        json.EndArray();
        json.Field("mean", mean).Field("stdev", stdev);
        json.Field("coefficientOfVariation", mean != 0 ? stdev / std::abs(mean) : 0.0);
        json.Field("distinct", distinct.size());
        json.EndObject();
    }
    json.EndObject();
    json.Key("mostChosen");
    if (chosen.empty()) {
        json.Null();
    } else {
        // Most folds first, then the earlier combination: deterministic.
        auto best = chosen.begin();
        for (auto it = chosen.begin(); it != chosen.end(); ++it) {
            if (it->second > best->second) best = it;
        }
        json.BeginObject();
        WriteParams(json, combinations[best->first]);
        json.Field("folds", best->second);
        json.EndObject();
    }
    json.EndObject();
}

}  // namespace

std::string WriteWalkForwardResponse(const WalkForwardRequest& request, double threshold,
                                     const std::vector<ParamValues>& combinations, const LoadedBars& bars,
                                     const research::WalkForwardOutcome& outcome, const WalkForwardTiming& timing) {
    const RunRequest& run = request.search.run;
    const std::vector<Candle>& all = bars.bars;
    JsonWriter json(16384 + all.size() * 40);
    json.BeginObject();
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
    // Each fold chooses on its in-sample window: the shortest stretch the strategy must trade on.
    WriteStrategyAndWarnings(json, run.strategy.name, LongestLookback(run.strategy.definition.get(), combinations),
                             static_cast<size_t>(request.windows.in_sample), 0, BarWarnings(bars, run.interval));
    json.Field("combinationsPerFold", combinations.size()).Field("cancelled", outcome.cancelled);

    json.Key("folds").BeginArray();
    double in_sample_sum = 0;
    int64_t chosen = 0;
    int64_t passing = 0;
    for (size_t k = 0; k < outcome.folds.size(); ++k) {
        const research::FoldOutcome& fold = outcome.folds[k];
        json.BeginObject().Field("fold", k + 1);
        WriteWindow(json, "inSample", all, fold.window.in_sample_begin, fold.window.in_sample_end, run.interval);
        WriteWindow(json, "outOfSample", all, fold.window.in_sample_end, fold.window.out_of_sample_end, run.interval);
        json.Field("evaluated", fold.evaluated);
        if (fold.best && fold.in_sample && fold.out_of_sample) {
            ++chosen;
            in_sample_sum += fold.in_sample->cagr;
            passing += fold.efficiency && *fold.efficiency >= threshold ? 1 : 0;
            WriteParams(json, combinations[*fold.best]);
            WriteMetrics(json, *fold.in_sample, "inSampleMetrics");
            WriteMetrics(json, fold.out_of_sample->metrics, "outOfSampleMetrics");
            json.Field("efficiency", fold.efficiency);
            WriteTrades(json, fold.out_of_sample->trades);  // the out-of-sample trades
        } else {
            json.Key("params").Null();
            json.Field("efficiency", std::optional<double>{});
        }
        json.EndObject();
    }
    json.EndArray();

    const Stitched stitched = Stitch(outcome, all, run.options.initial_cash);
    const analysis::Metrics oos = analysis::ComputeMetrics({.equity = stitched.equity,
                                                            .trades = stitched.trades,
                                                            .bars = stitched.bars,
                                                            .initial_cash = run.options.initial_cash,
                                                            .periods_per_year = run.interval.PeriodsPerYear(),
                                                            .bars_in_market = stitched.bars_in_market,
                                                            .total_fees = stitched.fees});
    std::optional<double> in_sample_cagr;
    if (chosen > 0) in_sample_cagr = in_sample_sum / static_cast<double>(chosen);
    const std::optional<double> efficiency =
        in_sample_cagr ? research::WalkForwardEfficiency(*in_sample_cagr, oos.cagr) : std::nullopt;
    const bool pass = efficiency && *efficiency >= threshold;
    std::string reason;
    if (!in_sample_cagr) {
        reason = "no fold produced a ranked in-sample result, so there is nothing to judge";
    } else if (!efficiency) {
        reason = fmt::format(
            "the mean in-sample annualised return ({:.4f}) is not positive: the optimisation found nothing worth "
            "carrying out of sample, so the efficiency is undefined and the strategy fails",
            *in_sample_cagr);
    } else {
        reason = fmt::format(
            "out of sample the strategy earned {:.4f} a year against {:.4f} in sample: an efficiency of {:.4f}, {} the "
            "threshold {:.4f}",
            oos.cagr, *in_sample_cagr, *efficiency, pass ? "at or above" : "below", threshold);
    }
    json.Key("verdict").BeginObject();
    json.Field("pass", pass).Field("efficiency", efficiency).Field("threshold", threshold);
    json.Field("inSampleAnnualizedReturn", in_sample_cagr).Field("outOfSampleAnnualizedReturn", oos.cagr);
    json.Field("folds", outcome.folds.size()).Field("foldsAtOrAboveThreshold", passing);
    json.Field("reason", reason);
    json.EndObject();

    json.Key("outOfSample").BeginObject();
    WriteMetrics(json, oos);
    json.Key("equity").BeginArray();
    for (size_t t = 0; t < stitched.equity.size(); ++t) {
        json.BeginArray().Integer(stitched.times[t]).Number(stitched.equity[t]).EndArray();
    }
    json.EndArray();
    json.EndObject();
    WriteStability(json, outcome, combinations);
    WriteTiming(json, timing.load_ms, timing.compute_ms, timing.total_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace spark::api
