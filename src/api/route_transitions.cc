#include "api/route_transitions.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>

#include "api/json/json_writer.h"

namespace spark::api {
namespace {

constexpr std::array<const char*, 4> kJobRoutes = {"run", "optimize", "walkforward", "portfolio"};

//! The previous start's real routes, or nullopt when none is on record.
std::optional<std::set<std::string>> Remembered(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) return std::nullopt;
    std::set<std::string> routes;
    size_t start = 0;
    while (start <= line.size()) {
        const size_t comma = std::min(line.find(',', start), line.size());
        if (comma > start) routes.insert(line.substr(start, comma - start));
        start = comma + 1;
    }
    return routes;
}

//! Written to a temporary file and renamed over the old one: a crash leaves the old or the new.
void Remember(const std::string& path, const std::set<std::string>& routes) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << fmt::format("{}\n", fmt::join(routes, ","));
        out.close();
        if (!out) return;  // written in full or not used: a short file would invent transitions
    }
    std::error_code ignored;
    std::filesystem::rename(temporary, path, ignored);
}

std::string Metrics(std::string_view route) {
    const std::string prefix = fmt::format("spark_backtest_{}_", route);
    return fmt::format("{0}jobs_total,{0}errors_total,{0}{1}", prefix,
                       route == "run" ? "latency_ms" : "latency_seconds");
}

std::string Describe(const std::set<std::string>& routes) {
    return routes.empty() ? "none" : fmt::format("{}", fmt::join(routes, ","));
}

}  // namespace

int RecordRouteTransitions(AuditLog& audit, const RouteTransitionContext& context) {
    const std::optional<std::set<std::string>> previous = Remembered(context.state_path);
    const std::set<std::string> before = previous.value_or(std::set<std::string>{});
    const std::string reason =
        previous ? fmt::format("REAL_ROUTES changed from {} to {} at this start", Describe(before),
                               Describe(context.real_routes))
                 : fmt::format("first start with this audit log: REAL_ROUTES is {} (no earlier start is on record)",
                               Describe(context.real_routes));
    int written = 0;
    for (const char* route : kJobRoutes) {
        const bool was_real = before.contains(route);
        const bool is_real = context.real_routes.contains(route);
        if (was_real == is_real && previous) continue;
        if (!previous && !is_real) continue;  // deterministic from the first start: nothing changed
        JsonWriter json(512);
        json.BeginObject().Field("time", NowIso());
        json.Field("action", is_real ? "route_made_real" : "route_made_deterministic");
        json.Key("params").BeginObject();
        json.Field("route", route);
        json.Field("cache_mode", !is_real ? "none" : context.upstream ? "cache-first" : "cache-only");
        json.Field("metrics", Metrics(route));
        json.Field("evidence_path", fmt::format("evidence/{}/", route));
        json.EndObject();
        json.Field("dryRun", false);
        // Making a route real is confirmed with evidence (a cold and a warm run, /metrics); a
        // rollback to the stand-in needs none.
        json.Field("confirm_required", is_real);
        json.Field("reason", reason);
        json.Field("realRoutes", Describe(context.real_routes));
        json.EndObject();
        audit.AppendAction(json.Take());
        ++written;
    }
    Remember(context.state_path, context.real_routes);
    return written;
}

}  // namespace spark::api
