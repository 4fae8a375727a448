#include "api/routes.h"

#include <duckdb.h>
#include <fmt/format.h>

#include <memory>

#include "api/deterministic_routes.h"
#include "api/http/error_response.h"
#include "api/http/query_params.h"
#include "api/jobs/jobs_routes.h"
#include "api/json/json_writer.h"
#include "api/optimize/optimize_route.h"
#include "api/portfolio/portfolio_route.h"
#include "api/runs/runs_routes.h"
#include "api/strategy/strategies_route.h"
#include "api/walkforward/walkforward_route.h"
#include "api/web/web_routes.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
namespace {

HttpResponse Healthz(const HttpRequest&) { return {200, R"({"status":"ok"})"}; }

HttpResponse Readyz(BacktestCache& cache) {
    if (Result<void> ok = cache.Ping(); !ok) return ErrorResponse(ok.error());
    return {200, R"({"status":"ready"})"};
}

std::string VersionBody(const ConfigSummary& config, const std::set<std::string>& real_routes) {
    JsonWriter json;
    json.BeginObject();
    json.Field("name", "spark-executor").Field("version", SPARK_VERSION);
    json.Key("build").BeginObject();
    json.Field("commit", SPARK_GIT_COMMIT).Field("type", SPARK_BUILD_TYPE).Field("compiler", SPARK_COMPILER);
    json.EndObject();
    json.Field("duckdb", duckdb_library_version()).Field("semantics", "v1");
    json.Key("config").BeginObject();
    for (const auto& [key, value] : config) json.Field(key, value);
    json.EndObject();
    json.Key("routes").BeginObject();
    for (const char* route : {"run", "optimize", "walkforward", "portfolio"}) {
        json.Field(route, real_routes.contains(route) ? "real" : "deterministic");
    }
    json.EndObject();
    json.EndObject();
    return json.Take();
}

//! GET /audit/recent?limit=N: the most recent audit lines, newest first.
HttpResponse RecentAuditLines(AuditLog& audit, const HttpRequest& request) {
    constexpr size_t kDefaultLimit = 50;
    size_t limit = kDefaultLimit;
    for (const auto& [key, value] : QueryParams(request.query)) {
        if (key != "limit") {
            return ErrorResponse(
                {ErrorCode::kInvalidRequest, "the only query parameter is limit", "query", "UNKNOWN_FIELD"});
        }
        Result<size_t> parsed = ReadLimit(value, kAuditRecentLines);
        if (!parsed) return ErrorResponse(parsed.error());
        limit = *parsed;
    }
    JsonWriter json;
    json.BeginObject().Key("runs").BeginArray();
    for (const std::string& line : audit.Recent(limit)) json.Raw(line);
    json.EndArray().EndObject();
    return {200, json.Take()};
}

}  // namespace

namespace {

//! Whether `path` fits `pattern` segment by segment, a `{name}` segment taking any one non-empty
//! segment into `params`.
bool PathMatches(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
    if (pattern.find('{') == std::string_view::npos) return pattern == path;
    while (!pattern.empty() || !path.empty()) {
        if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        const std::string_view want = pattern.substr(0, pattern.find('/'));
        const std::string_view got = path.substr(0, path.find('/'));
        if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
            if (got.empty()) return false;
            params[std::string(want.substr(1, want.size() - 2))] = std::string(got);
        } else if (want != got) {
            return false;
        }
        pattern.remove_prefix(want.size());
        path.remove_prefix(got.size());
    }
    return true;
}

}  // namespace

Router::Match Router::Find(std::string_view method, std::string_view path) const {
    bool path_known = false;
    std::string allowed;
    for (const Route& route : routes_) {
        std::map<std::string, std::string> params;
        if (!PathMatches(route.path, path, params)) continue;
        if (route.method == method) return {&route, std::move(params), {}};
        path_known = true;
        allowed += (allowed.empty() ? "" : ", ") + route.method;
    }
    if (path_known) {
        HttpResponse response =
            ErrorResponse({ErrorCode::kMethodNotAllowed,
                           fmt::format("{} does not accept {} (allowed: {})", path, method, allowed), "", ""});
        response.headers.emplace_back("Allow", allowed);
        return {nullptr, {}, std::move(response)};
    }
    return {nullptr,
            {},
            ErrorResponse({ErrorCode::kRouteNotFound, fmt::format("no route for {} {}", method, path), "", ""})};
}

Router BuildRoutes(ServiceContext& context) {
    Router router;
    // A job route is real unless REAL_ROUTES leaves it out: then its deterministic stand-in answers.
    auto add_job = [&](Route route) {
        route.job = true;
        route.lane = route.name == "run" ? Lane::kInteractive : Lane::kBatch;
        if (!context.real_routes.contains(route.name)) {
            const std::string name = route.name;
            route = Route(route.method, route.path, route.name, Executor::kIoThread,
                          [name](const HttpRequest& request) { return DeterministicJob(name, request); });
            route.job = true;
            route.lane = route.name == "run" ? Lane::kInteractive : Lane::kBatch;
            route.mode = "deterministic";
        }
        router.Add(std::move(route));
    };
    auto run = std::make_shared<RunRoute>(context.loader, context.funding, context.metrics);
    add_job({"POST", "/backtest/run", "run", Executor::kComputePool,
             [run](const HttpRequest& request) { return run->Handle(request); }});
    auto optimize = std::make_shared<OptimizeRoute>(context.loader, context.funding, context.metrics, context.compute,
                                                    context.optimizer);
    add_job({"POST", "/backtest/optimize", "optimize",
             AsyncHandler([optimize](const HttpRequest& request, Respond respond, CancelFlag cancelled) {
                 optimize->Handle(request, std::move(respond), std::move(cancelled));
             })});
    auto walkforward = std::make_shared<WalkForwardRoute>(context.loader, context.funding, context.metrics,
                                                          context.compute, context.optimizer, context.wfo_threshold);
    add_job({"POST", "/backtest/walkforward", "walkforward",
             AsyncHandler([walkforward](const HttpRequest& request, Respond respond, CancelFlag cancelled) {
                 walkforward->Handle(request, std::move(respond), std::move(cancelled));
             })});
    auto portfolio = std::make_shared<PortfolioRoute>(context.loader, context.funding, context.metrics,
                                                      context.portfolio_max_assets);
    add_job({"POST", "/backtest/portfolio", "portfolio", Executor::kComputePool,
             [portfolio](const HttpRequest& request) { return portfolio->Handle(request); }});
    AddRunsRoutes(router, context.runs, context.loader);
    if (context.jobs != nullptr) AddJobsRoutes(router, *context.jobs);
    router.Add({"GET", "/audit/recent", "audit", Executor::kIoThread,
                [&audit = context.audit](const HttpRequest& request) { return RecentAuditLines(audit, request); }});
    AddWebRoutes(router, context.web_dir);
    router.Add({"GET", "/strategies", "strategies", Executor::kIoThread, [body = StrategiesBody()](const HttpRequest&) {
                    return HttpResponse{200, body};
                }});
    router.Add({"POST", "/strategies/validate", "validate", Executor::kIoThread, ValidateStrategy});
    router.Add({"GET", "/healthz", "healthz", Executor::kIoThread, Healthz});
    router.Add({"GET", "/readyz", "readyz", Executor::kIoThread,
                [&cache = context.cache](const HttpRequest&) { return Readyz(cache); }});
    router.Add({"GET", "/version", "version", Executor::kIoThread,
                [full = VersionBody(context.config, context.real_routes),
                 reduced = VersionBody(context.public_config, context.real_routes)](const HttpRequest& request) {
                    return HttpResponse{200, request.authenticated ? full : reduced};
                }});
    router.Add({"GET", "/metrics", "metrics", Executor::kIoThread, [&metrics = context.metrics](const HttpRequest&) {
                    return HttpResponse{200, metrics.Serialize(), "text/plain; version=0.0.4; charset=utf-8"};
                }});
    return router;
}

}  // namespace spark::api
