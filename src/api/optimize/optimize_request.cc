#include "api/optimize/optimize_request.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <vector>

#include "api/json/json_fields.h"
#include "api/run/exit_options.h"
#include "api/run/futures_options.h"
#include "common/bounded_text.h"
#include "research/option_axes.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 17> kOwnFields = {
    "symbol",   "timeframe", "start",       "end",         "useCache",     "exchange",
    "strategy", "feeBps",    "slippageBps", "initialCash", "fill",         "allowShort",
    "grid",     "objective", "topN",        "minTrades",   "includeEquity"};
constexpr double kMaxMinTrades = 1'000'000;

std::unexpected<Error> AxisError(const std::string& name, std::string message) {
    return Invalid("grid." + TruncateForEcho(name), std::move(message), "INVALID_PARAMETER");
}

//! A list of numbers, or a range {from, to, step} with step > 0 and from <= to.
Result<std::vector<double>> ReadAxis(const std::string& name, const json& value) {
    std::vector<double> values;
    if (value.is_array()) {
        for (const json& v : value) {
            if (!v.is_number())
                return AxisError(name, fmt::format("grid.{} values must be numbers, got {}", name, TypeName(v)));
            values.push_back(v.get<double>());
        }
    } else if (value.is_object()) {
        for (const auto& [key, v] : value.items()) {
            if (key != "from" && key != "to" && key != "step") {
                return AxisError(name, fmt::format("unknown field grid.{}.{} (expected from, to, step)", name, key));
            }
            if (!v.is_number()) return AxisError(name, fmt::format("grid.{}.{} must be a number", name, key));
        }
        if (!value.contains("from") || !value.contains("to") || !value.contains("step")) {
            return AxisError(name, fmt::format("grid.{} as a range needs from, to and step", name));
        }
        const double from = value["from"].get<double>();
        const double to = value["to"].get<double>();
        const double step = value["step"].get<double>();
        if (!(step > 0) || !std::isfinite(from) || !std::isfinite(to) || from > to) {
            return AxisError(name, fmt::format("grid.{} needs step > 0 and from <= to", name));
        }
        if ((to - from) / step >= static_cast<double>(kMaxValuesPerAxis)) {
            return AxisError(name, fmt::format("grid.{} has more than {} values", name, kMaxValuesPerAxis));
        }
        values = research::RangeValues(from, to, step);
    } else {
        return AxisError(
            name, fmt::format("grid.{} must be a list of values or {{from, to, step}}, got {}", name, TypeName(value)));
    }
    if (values.empty()) return AxisError(name, fmt::format("grid.{} has no values", name));
    if (values.size() > kMaxValuesPerAxis) {
        return AxisError(name, fmt::format("grid.{} has more than {} values", name, kMaxValuesPerAxis));
    }
    return values;
}

Result<void> ReadGrid(const json& body, OptimizeRequest& out) {
    const auto it = body.find("grid");
    if (it == body.end()) return Invalid("grid", "grid is required", "MISSING_FIELD");
    if (!it->is_object() || it->empty()) {
        return Invalid("grid", "grid must be a non-empty object of parameter -> values", "WRONG_TYPE");
    }
    for (const auto& [name, value] : it->items()) {
        auto values = ReadAxis(name, value);
        if (!values) return std::unexpected(values.error());
        out.grid.axes.push_back({name, std::move(*values)});
    }
    return {};
}

Result<void> ReadRanking(const json& body, OptimizeRequest& out) {
    auto objective = ReadString(body, "objective", false);
    if (!objective) return std::unexpected(objective.error());
    if (body.contains("objective")) {
        const auto parsed = research::ParseObjective(*objective);
        if (!parsed) {
            return Invalid("objective",
                           fmt::format("objective '{}' must be sharpe, totalReturn, cagr, calmar, sortino or "
                                       "profitFactor",
                                       TruncateForEcho(*objective)),
                           "OUT_OF_RANGE");
        }
        out.objective = *parsed;
    }
    double top_n = static_cast<double>(out.top_n);
    if (auto ok = ReadNumber(body, "topN", 1, static_cast<double>(kMaxTopN), false, top_n); !ok) return ok;
    double min_trades = static_cast<double>(out.min_trades);
    if (auto ok = ReadNumber(body, "minTrades", 0, kMaxMinTrades, false, min_trades); !ok) return ok;
    if (top_n != std::trunc(top_n)) return Invalid("topN", "topN must be an integer", "WRONG_TYPE");
    if (min_trades != std::trunc(min_trades)) return Invalid("minTrades", "minTrades must be an integer", "WRONG_TYPE");
    out.top_n = static_cast<size_t>(top_n);
    out.min_trades = static_cast<int64_t>(min_trades);
    return {};
}

//! A level the strategy's rules price themselves (stopLoss, takeProfit) cannot be searched too.
Result<void> RefuseAxesTheRulesPrice(const OptimizeRequest& out) {
    if (!out.run.strategy.IsRules()) return {};
    const auto& rules = out.run.strategy.rules->rules;
    for (const research::GridAxis& axis : out.grid.axes) {
        const bool stop = axis.name == "stopLossPct" || axis.name.starts_with("stopLossAtr.");
        const bool target = axis.name == "takeProfitPct" || axis.name.starts_with("takeProfitAtr.");
        const bool rule_stop = rules[rules::kStopLoss] || rules[rules::kStopLossShort];
        const bool rule_target = rules[rules::kTakeProfit] || rules[rules::kTakeProfitShort];
        const char* rule = stop && rule_stop ? "stopLoss" : target && rule_target ? "takeProfit" : nullptr;
        if (rule == nullptr) continue;
        return Invalid("grid." + axis.name,
                       fmt::format("the strategy's rules set {} themselves (strategy.{}): search a $parameter of "
                                   "that rule instead of grid.{}",
                                   rule, rule, axis.name),
                       "CONFLICTING_FIELDS");
    }
    return {};
}

}  // namespace

std::span<const std::string_view> OptimizeRequestFields() {
    static const std::vector<std::string_view> fields = [] {
        std::vector<std::string_view> all(kOwnFields.begin(), kOwnFields.end());
        all.insert(all.end(), kExitAndSizingFields.begin(), kExitAndSizingFields.end());
        all.insert(all.end(), kFuturesFields.begin(), kFuturesFields.end());
        return all;
    }();
    return fields;
}

Result<OptimizeRequest> ParseOptimizeRequest(std::string_view body_text, int64_t now_ms) {
    auto body = ParseJsonObject(body_text, OptimizeRequestFields());
    if (!body) return std::unexpected(body.error());
    return ReadOptimizeFields(*body, now_ms);
}

Result<OptimizeRequest> ReadOptimizeFields(const nlohmann::json& body_object, int64_t now_ms) {
    const nlohmann::json* body = &body_object;
    if (body->contains("includeEquity")) {
        return Invalid("includeEquity",
                       "includeEquity does not apply to /backtest/optimize (the best run's trades are returned)",
                       "UNKNOWN_FIELD");
    }
    OptimizeRequest out;
    if (auto ok = ReadRunFields(*body, now_ms, out.run); !ok) return std::unexpected(ok.error());
    if (!body->contains("strategy")) return Invalid("strategy", "strategy is required", "MISSING_FIELD");
    auto strategy = ReadStrategy(*body);
    if (!strategy) return std::unexpected(strategy.error());
    out.run.strategy = std::move(*strategy);
    if (auto ok = CheckHigherTimeframes(out.run.strategy, out.run.interval, "strategy"); !ok)
        return std::unexpected(ok.error());
    // A built-in's params are fixed values; rules declare theirs as defaults in the schema.
    out.grid.fixed = out.run.strategy.given;
    if (auto ok = ReadGrid(*body, out); !ok) return std::unexpected(ok.error());
    if (auto ok = research::CheckOptionAxes(out.grid, out.run.options); !ok) return std::unexpected(ok.error());
    if (auto ok = RefuseAxesTheRulesPrice(out); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadRanking(*body, out); !ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace spark::api
