#include "api/runs/runs_routes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <variant>

#include "api/http/error_response.h"
#include "api/http/query_params.h"
#include "api/json/json_writer.h"
#include "common/time_format.h"
#include "report/csv_export.h"
#include "report/tearsheet.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr size_t kDefaultListLimit = 50;
constexpr size_t kMaxListLimit = 1000;
constexpr const char* kCsv = "text/csv; charset=utf-8";

HttpResponse NotFound(const std::string& run_id, const runs::RunStore& store) {
    return ErrorResponse({ErrorCode::kRouteNotFound,
                          store.Enabled() ? fmt::format("no stored run {} (it may have been deleted, or passed the "
                                                        "retention of SPARK_RUNS_KEEP / SPARK_RUNS_KEEP_DAYS)",
                                                        run_id)
                                          : "runs are not stored on this service (SPARK_RUNS_KEEP=0)",
                          "runId", "RUN_NOT_FOUND"});
}

//! `limit`, `route`, `symbol` and `strategy` from the query string.
Result<runs::RunFilter> ReadFilter(const std::string& query) {
    runs::RunFilter filter;
    filter.limit = kDefaultListLimit;
    for (const auto& [key, value] : QueryParams(query)) {
        if (key == "limit") {
            Result<size_t> limit = ReadLimit(value, kMaxListLimit);
            if (!limit) return std::unexpected(limit.error());
            filter.limit = *limit;
        } else if (key == "route") {
            if (value != "run" && value != "optimize" && value != "walkforward" && value != "portfolio") {
                return MakeError(ErrorCode::kInvalidRequest, "route must be run, optimize, walkforward or portfolio",
                                 "route", "OUT_OF_RANGE");
            }
            filter.route = value;
        } else if (key == "symbol") {
            filter.symbol = value;
        } else if (key == "strategy") {
            filter.strategy = value;
        } else if (!key.empty()) {
            return MakeError(
                ErrorCode::kInvalidRequest,
                fmt::format("unknown query parameter '{}' (limit, route, symbol, strategy)", key.substr(0, 40)),
                "query", "UNKNOWN_FIELD");
        }
    }
    return filter;
}

HttpResponse List(runs::RunStore& store, const HttpRequest& request) {
    Result<runs::RunFilter> filter = ReadFilter(request.query);
    if (!filter) return ErrorResponse(filter.error());
    Result<std::vector<runs::RunSummary>> found =
        store.Enabled() ? store.List(*filter) : std::vector<runs::RunSummary>{};
    if (!found) return ErrorResponse(found.error());
    JsonWriter json;
    json.BeginObject().Field("storing", store.Enabled());
    json.Field("keep", store.Options().keep).Field("keepDays", store.Options().keep_days);
    json.Key("runs").BeginArray();
    for (const runs::RunSummary& s : *found) {
        json.BeginObject().Field("runId", s.run_id);
        json.Field("createdAt", FormatIsoUtc(s.created_ms)).Field("createdAtMs", s.created_ms);
        json.Field("route", s.route).Field("mode", s.mode).Field("symbol", s.symbol).Field("timeframe", s.timeframe);
        json.Field("strategy", s.strategy).Field("start", s.start).Field("end", s.end);
        json.Field("totalReturn", s.total_return).Field("sharpe", s.sharpe).Field("maxDrawdown", s.max_drawdown);
        json.Field("numTrades", s.num_trades).Field("answerBytes", s.answer_bytes);
        json.EndObject();
    }
    json.EndArray().EndObject();
    return {200, json.Take()};
}

//! The stored record of the request's {runId}, or the answer to send instead (404, 503).
std::variant<runs::RunRecord, HttpResponse> Find(runs::RunStore& store, const HttpRequest& request) {
    const std::string& run_id = request.params.at("runId");
    if (!store.Enabled()) return NotFound(run_id, store);
    Result<std::optional<runs::RunRecord>> found = store.Get(run_id);
    if (!found) return ErrorResponse(found.error());
    if (!*found) return NotFound(run_id, store);
    return std::move(**found);
}

//! The parsed answer of a stored run.
json ParsedAnswer(const runs::RunRecord& record) { return json::parse(record.answer, nullptr, false); }

//! A handler of `/backtest/runs/{runId}/...`: `answer(record)` for a stored run, else the 404.
Handler ForStoredRun(runs::RunStore& store, std::function<HttpResponse(runs::RunRecord&, const HttpRequest&)> answer) {
    return [&store, answer = std::move(answer)](const HttpRequest& request) {
        auto found = Find(store, request);
        if (auto* refusal = std::get_if<HttpResponse>(&found)) return std::move(*refusal);
        return answer(std::get<runs::RunRecord>(found), request);
    };
}

HttpResponse AsCsv(Result<std::string> csv, const std::string& run_id, const std::string& name) {
    if (!csv) return ErrorResponse(csv.error());
    HttpResponse response{200, std::move(*csv), kCsv};
    response.headers.emplace_back("Content-Disposition", fmt::format(R"(attachment; filename="{}-{}")", run_id, name));
    return response;
}

//! The symbols a stored answer stood on: the run's, or a portfolio's assets'.
std::vector<std::string> SymbolsOf(const json& request) {
    std::vector<std::string> symbols;
    if (const auto it = request.find("symbol"); it != request.end() && it->is_string()) {
        symbols.push_back(it->get<std::string>());
    }
    if (const auto assets = request.find("assets"); assets != request.end() && assets->is_array()) {
        for (const json& asset : *assets) {
            if (asset.is_object() && asset.contains("symbol") && asset["symbol"].is_string()) {
                symbols.push_back(asset["symbol"].get<std::string>());
            }
        }
    }
    return symbols;
}

//! The bars a stored answer stood on, cache-first: its symbol, or for a portfolio `?symbol=` one of
//! its assets (the first by default). Nothing else can be asked for.
Result<std::vector<Candle>> BarsOf(const json& answer, const BarLoader& loader, const std::string& query) {
    const json request = answer.is_object() ? answer.value("request", json::object()) : json::object();
    const std::vector<std::string> symbols = SymbolsOf(request);
    std::string symbol = symbols.empty() ? "" : symbols.front();
    if (query.starts_with("symbol=")) {
        symbol = query.substr(7);
        if (std::find(symbols.begin(), symbols.end(), symbol) == symbols.end()) {
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("symbol must be one of the run's: {}", fmt::join(symbols, ", ")), "symbol",
                             "OUT_OF_RANGE");
        }
    } else if (!query.empty()) {
        return MakeError(ErrorCode::kInvalidRequest, "the only query parameter is symbol", "query", "UNKNOWN_FIELD");
    }
    const auto time = [&](const char* key) -> std::optional<int64_t> {
        const auto it = request.find(key);
        return it != request.end() && it->is_number_integer() ? std::optional(it->get<int64_t>()) : std::nullopt;
    };
    const auto timeframe = request.find("timeframe");
    const std::optional<Interval> interval = timeframe != request.end() && timeframe->is_string()
                                                 ? Interval::Parse(timeframe->get<std::string>())
                                                 : std::nullopt;
    const std::optional<int64_t> start = time("startTime");
    const std::optional<int64_t> end = time("endTimeExclusive");
    if (symbol.empty() || !interval || !start || !end) {
        return MakeError(ErrorCode::kInvalidRequest, "the stored answer does not say which bars it stood on", "runId",
                         "NO_BARS");
    }
    const auto exchange = request.find("exchange");
    const BarQuery bars{{exchange != request.end() && exchange->is_string() ? exchange->get<std::string>() : "binance",
                         symbol, std::string(interval->Name())},
                        *interval,
                        {*start, *end},
                        /*use_cache=*/true};
    Result<LoadedBars> loaded = loader.Load(bars);
    if (!loaded) return std::unexpected(loaded.error());
    return std::move(loaded->bars);
}

HttpResponse Bars(const runs::RunRecord& record, const BarLoader& loader, const HttpRequest& request) {
    const json answer = ParsedAnswer(record);
    Result<std::vector<Candle>> bars = BarsOf(answer, loader, request.query);
    if (!bars) return ErrorResponse(bars.error());
    JsonWriter json(64 + bars->size() * 80);
    json.BeginObject().Key("bars").BeginArray();
    for (const Candle& c : *bars) {
        json.BeginArray().Integer(c.open_time_ms).Number(c.open).Number(c.high).Number(c.low).Number(c.close);
        json.Number(c.volume).EndArray();
    }
    json.EndArray().EndObject();
    return {200, json.Take()};
}

HttpResponse Report(const runs::RunRecord& record, const BarLoader& loader) {
    const json answer = ParsedAnswer(record);
    // The price panel needs the bars; without them (evicted, no upstream) the report says so.
    Result<std::vector<Candle>> bars = BarsOf(answer, loader, "");
    HttpResponse response{200, report::Tearsheet(answer, bars ? *bars : std::vector<Candle>{}),
                          "text/html; charset=utf-8"};
    // Self-contained: nothing may load from anywhere, not even this service.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    return response;
}

}  // namespace

void AnswerAsCsvWhenAsked(const HttpRequest& request, HttpResponse& response) {
    if (response.status != 200 || request.accept.find("text/csv") == std::string::npos) return;
    const json answer = json::parse(response.body, nullptr, false);
    Result<std::string> csv = report::TradesCsv(answer);
    if (!csv) return;
    response.stored_answer = std::move(response.body);
    response.body = std::move(*csv);
    response.content_type = kCsv;
}

void AddRunsRoutes(Router& router, runs::RunStore& store, const BarLoader& loader) {
    // On the compute pool: reading, decompressing and parsing a large answer must not hold an IO
    // thread (and with it the health probes).
    const auto add = [&](const char* method, const char* path, Handler handler) {
        router.Add({method, path, "runs", Executor::kComputePool, std::move(handler)});
    };
    add("GET", "/backtest/runs", [&store](const HttpRequest& request) { return List(store, request); });
    add("GET", "/backtest/runs/{runId}", ForStoredRun(store, [](runs::RunRecord& record, const HttpRequest&) {
            HttpResponse response{200, std::move(record.answer)};
            response.headers.emplace_back("X-Run-Route", record.summary.route);
            return response;
        }));
    add("DELETE", "/backtest/runs/{runId}", [&store](const HttpRequest& request) {
        const std::string& run_id = request.params.at("runId");
        if (!store.Enabled()) return NotFound(run_id, store);
        Result<bool> deleted = store.Delete(run_id);
        if (!deleted) return ErrorResponse(deleted.error());
        if (!*deleted) return NotFound(run_id, store);
        return HttpResponse{204, ""};
    });
    add("GET", "/backtest/runs/{runId}/trades.csv",
        ForStoredRun(store, [](runs::RunRecord& record, const HttpRequest& request) {
            return AsCsv(report::TradesCsv(ParsedAnswer(record)), request.params.at("runId"), "trades.csv");
        }));
    add("GET", "/backtest/runs/{runId}/equity.csv",
        ForStoredRun(store, [](runs::RunRecord& record, const HttpRequest& request) {
            return AsCsv(report::EquityCsv(ParsedAnswer(record)), request.params.at("runId"), "equity.csv");
        }));
    add("GET", "/backtest/runs/{runId}/combinations.csv",
        ForStoredRun(store, [](runs::RunRecord& record, const HttpRequest& request) {
            for (const auto& [name, text] : record.attachments) {
                if (name == "combinations") {
                    return AsCsv(report::CombinationsCsv(json::parse(text, nullptr, false)), request.params.at("runId"),
                                 "combinations.csv");
                }
            }
            return ErrorResponse({ErrorCode::kInvalidRequest, "combinations.csv exists for optimize runs only", "runId",
                                  "NOT_AN_OPTIMIZE_RUN"});
        }));
    add("GET", "/backtest/runs/{runId}/bars.json",
        ForStoredRun(store, [&loader](runs::RunRecord& record, const HttpRequest& request) {
            return Bars(record, loader, request);
        }));
    add("GET", "/backtest/runs/{runId}/report",
        ForStoredRun(store, [&loader](runs::RunRecord& record, const HttpRequest&) { return Report(record, loader); }));
}

}  // namespace spark::api
