#include "api/jobs/sweep_response.h"

#include <fmt/format.h>

#include "api/json/json_writer.h"
#include "api/optimize/optimize_response.h"
#include "api/result_json.h"
#include "api/strategy/strategy_choice.h"

namespace spark::api {
namespace {

void WriteRequestEcho(JsonWriter& json, const GridJobSpec& spec) {
    const OptimizeRequest& first = spec.series.front();
    json.Key("request").BeginObject();
    WriteRunFields(json, first.run, false);
    json.Key("symbols").BeginArray();
    std::vector<std::string> timeframes;
    for (const OptimizeRequest& series : spec.series) {
        if (series.run.interval.Name() == first.run.interval.Name()) json.String(series.run.symbol);
        const std::string timeframe(series.run.interval.Name());
        if (std::find(timeframes.begin(), timeframes.end(), timeframe) == timeframes.end()) {
            timeframes.push_back(timeframe);
        }
    }
    json.EndArray();
    json.Key("timeframes").BeginArray();
    for (const std::string& timeframe : timeframes) json.String(timeframe);
    json.EndArray();
    WriteStrategyEcho(json, first.run.strategy, first.grid.fixed);
    WriteGridEcho(json, first.grid);
    json.Field("objective", research::ObjectiveName(first.objective));
    json.Field("topN", first.top_n).Field("minTrades", first.min_trades);
    json.EndObject();
}

//! A CSV cell: shortest text that reads back as the same double; empty for an absent value.
std::string Cell(std::optional<double> value) { return value ? fmt::format("{}", *value) : std::string(); }

std::string QuoteCsv(std::string_view text) {
    if (text.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + '"';
}

std::string WriteRows(const GridJobSpec& spec, std::span<const SweepSeriesResult> series) {
    const research::Objective objective = spec.series.front().objective;
    const int64_t min_trades = spec.series.front().min_trades;
    std::vector<std::string> params;
    for (const auto& [name, value] : spec.combinations.front()) params.push_back(name);
    std::string csv = "symbol,timeframe,combination";
    for (const std::string& name : params) {
        csv += ',';
        csv += QuoteCsv(name);
    }
    csv +=
        ",evaluated,belowMinTrades,objective,totalReturn,cagr,sharpe,sortino,calmar,maxDrawdown,numTrades,winRate,"
        "profitFactor,exposure,totalFees,buyAndHoldReturn,beatBuyAndHold\r\n";
    for (const SweepSeriesResult& result : series) {
        const std::string prefix =
            fmt::format("{},{},", QuoteCsv(result.request->run.symbol), result.request->run.interval.Name());
        for (size_t c = 0; c < spec.combinations.size(); ++c) {
            const research::Trial& trial = result.outcome.trials[c];
            const analysis::Metrics& m = trial.metrics;
            csv += prefix;
            csv += std::to_string(c);
            for (const std::string& name : params) {
                csv += ',';
                csv += Cell(spec.combinations[c].at(name));
            }
            if (!trial.evaluated) {
                csv += ",false,,,,,,,,,,,,,,,\r\n";
                continue;
            }
            csv += fmt::format(",true,{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
                               m.num_trades < min_trades ? "true" : "false",
                               Cell(research::ObjectiveValue(objective, m)), Cell(m.total_return), Cell(m.cagr),
                               Cell(m.sharpe), Cell(m.sortino), Cell(m.calmar), Cell(m.max_drawdown), m.num_trades,
                               Cell(m.win_rate), Cell(m.profit_factor), Cell(m.exposure), Cell(m.total_fees),
                               Cell(m.buy_and_hold_return), m.total_return > m.buy_and_hold_return ? "true" : "false");
        }
    }
    return csv;
}

}  // namespace

jobs::JobAnswer WriteSweepAnswer(std::string_view job_id, const GridJobSpec& spec,
                                 std::span<const SweepSeriesResult> series,
                                 std::span<const research::CrossSeriesScore> ranking) {
    const OptimizeRequest& first = spec.series.front();
    JsonWriter json(8192 + series.size() * first.top_n * 900);
    json.BeginObject();
    json.Field("jobId", job_id).Field("type", "sweep");
    WriteRequestEcho(json, spec);
    json.Field("combinations", spec.combinations.size()).Field("skipped", spec.skipped);
    json.Field("series", series.size()).Field("runs", spec.Runs());
    // Gaps and partial coverage of every series, named by symbol (as a portfolio's are).
    Warnings warnings;
    for (const SweepSeriesResult& result : series) {
        for (Warning& w : BarWarnings(*result.bars, result.request->run.interval, result.request->run.symbol)) {
            warnings.push_back(std::move(w));
        }
    }
    WriteWarnings(json, warnings);
    json.Key("overall").BeginObject();
    json.Field("rankedBy", "medianObjective");
    json.Key("topN").BeginArray();
    for (size_t rank = 0; rank < ranking.size() && rank < first.top_n; ++rank) {
        const research::CrossSeriesScore& score = ranking[rank];
        if (!score.median_objective) break;
        json.BeginObject().Field("rank", rank + 1);
        WriteParams(json, spec.combinations[score.combination]);
        json.Field("medianObjective", *score.median_objective);
        json.Field("seriesRanked", score.series_ranked);
        json.Field("beatBuyAndHold", score.beat_buy_and_hold);
        json.Field("shareBeatingBuyAndHold", score.share_beating_buy_and_hold);
        json.EndObject();
    }
    json.EndArray();
    json.EndObject();
    json.Key("perSeries").BeginArray();
    for (const SweepSeriesResult& result : series) {
        const research::GridSearchOutcome& outcome = result.outcome;
        json.BeginObject();
        json.Field("symbol", result.request->run.symbol).Field("timeframe", result.request->run.interval.Name());
        WriteBars(json, *result.bars);
        json.Field("evaluated", outcome.evaluated).Field("belowMinTrades", outcome.below_min_trades);
        json.Key("topN").BeginArray();
        for (size_t rank = 0; rank < outcome.ranking.size() && rank < first.top_n; ++rank) {
            const size_t i = outcome.ranking[rank];
            json.BeginObject().Field("rank", rank + 1);
            WriteParams(json, spec.combinations[i]);
            json.Field("objective", research::ObjectiveValue(first.objective, outcome.trials[i].metrics));
            WriteMetrics(json, outcome.trials[i].metrics, "metrics");
            json.EndObject();
        }
        json.EndArray();
        json.Key("best");
        if (outcome.best) {
            json.BeginObject();
            WriteParams(json, spec.combinations[outcome.ranking.front()]);
            WriteMetrics(json, outcome.best->metrics, "metrics");
            json.Field("trades", outcome.best->trades.size());
            json.EndObject();
        } else {
            json.Null();
        }
        WriteGuard(json, outcome.guard);
        json.EndObject();
    }
    json.EndArray();
    json.Key("rows").BeginObject();
    json.Field("count", spec.Runs()).Field("csv", fmt::format("/jobs/{}/rows.csv", job_id));
    json.EndObject();
    json.EndObject();
    return {json.Take(), WriteRows(spec, series)};
}

}  // namespace spark::api
