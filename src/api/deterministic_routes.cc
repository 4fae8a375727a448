#include "api/deterministic_routes.h"

#include <nlohmann/json.hpp>

#include "api/audit_log.h"
#include "api/http/error_response.h"
#include "api/json/json_fields.h"
#include "api/json/json_writer.h"

namespace spark::api {
namespace {

constexpr const char* kMetricNames[] = {"totalReturn",    "finalEquity", "cagr",
                                        "sharpe",         "sortino",     "calmar",
                                        "volatility",     "maxDrawdown", "maxDrawdownDurationBars",
                                        "numTrades",      "winRate",     "profitFactor",
                                        "avgTradeReturn", "bestTrade",   "worstTrade",
                                        "exposure",       "totalFees",   "buyAndHoldReturn"};

void WriteZeroMetrics(JsonWriter& json) {
    json.Key("metrics").BeginObject();
    for (const char* name : kMetricNames) {
        json.Key(name);
        if (std::string_view(name) == "profitFactor") {
            json.Null();
        } else {
            json.Integer(0);
        }
    }
    json.EndObject();
}

}  // namespace

HttpResponse DeterministicJob(std::string_view route, const HttpRequest& request) {
    // Parsed (depth-bounded) only to check it is an object; the answer quotes the text as sent,
    // which is valid JSON once parsed, instead of re-serialising the document.
    const Result<nlohmann::json> body = ParseJsonDocument(request.body);
    if (!body) return ErrorResponse(body.error());
    if (!body->is_object()) {
        return ErrorResponse({ErrorCode::kInvalidRequest, "the body is not a JSON object", "body", "WRONG_TYPE"});
    }
    JsonWriter json(1024 + request.body.size());
    json.BeginObject();
    json.Field("mode", "deterministic").Field("route", route).Field("runId", request.run_id);
    json.Field("requestDigest", Fnv1aHex(request.body));
    // nlohmann accepts a leading UTF-8 byte-order mark, which JSON inside a document may not hold.
    std::string_view text = request.body;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    json.Key("request").Raw(text);
    if (route == "run" || route == "portfolio") {
        json.Key("bars").BeginObject().Field("count", 0).Field("source", "none").Field("cacheHit", false).EndObject();
        WriteZeroMetrics(json);
        json.Key("trades").BeginArray().EndArray();
        json.Key("equity").BeginArray().EndArray();
    } else if (route == "optimize") {
        json.Field("evaluated", 0).Field("skipped", 0);
        json.Key("topN").BeginArray().EndArray();
        json.Key("best").Null().Key("overfitting").Null();
    } else {
        json.Key("folds").BeginArray().EndArray();
        json.Key("verdict").BeginObject().Field("pass", false).Key("efficiency").Null();
        json.Field("reason", "deterministic mode: the route is switched off (REAL_ROUTES); nothing was computed");
        json.EndObject();
    }
    // Every answer carries `warnings` (docs/api.md "Warnings"); `mode` already says nothing was
    // computed, and nothing else qualifies an answer derived only from the request.
    json.Key("warnings").BeginArray().EndArray();
    json.EndObject();
    HttpResponse response{200, json.Take()};
    response.job.bar_source = "none";
    return response;
}

}  // namespace spark::api
