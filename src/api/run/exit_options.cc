#include "api/run/exit_options.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "api/json/json_fields.h"
#include "common/bounded_text.h"
#include "common/closest_name.h"

namespace spark::api {
namespace {

using nlohmann::json;

using namespace option_limits;

//! A number at `path` (e.g. "sizing.value") inside `object`: required, in [min, max] or (min, max].
Result<double> ReadNested(const json& object, std::string_view key, const std::string& path, double min, double max,
                          bool min_exclusive, bool integer) {
    const auto it = object.find(key);
    if (it == object.end()) return Invalid(path, fmt::format("{} is required", path), "MISSING_FIELD");
    if (!it->is_number()) {
        return Invalid(path, fmt::format("{} must be a number, got {}", path, TypeName(*it)), "WRONG_TYPE");
    }
    const double value = it->get<double>();
    if (integer && value != std::trunc(value)) {
        return Invalid(path, fmt::format("{} must be an integer, got {}", path, value), "WRONG_TYPE");
    }
    const bool below = min_exclusive ? value <= min : value < min;
    if (!std::isfinite(value) || below || value > max) {
        return Invalid(path,
                       fmt::format("{} must be in {}{}, {}], got {}", path, min_exclusive ? "(" : "[", min, max, value),
                       "OUT_OF_RANGE");
    }
    return value;
}

//! Refuses keys of a nested object other than `known`, suggesting the closest.
Result<void> CheckNestedKeys(const json& object, const std::string& field, std::span<const std::string_view> known) {
    for (const auto& [key, value] : object.items()) {
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        const std::string path = fmt::format("{}.{}", field, TruncateForEcho(key));
        const std::string closest = ClosestName(key, known);
        return Invalid(path,
                       fmt::format("unknown field '{}'{}; {} takes {}", path,
                                   closest.empty() ? "" : fmt::format(" (did you mean '{}'?)", closest), field,
                                   fmt::join(known, ", ")),
                       "UNKNOWN_FIELD");
    }
    return {};
}

//! `{"period": 14, "multiple": 2}`; absent or null keeps `out` empty.
Result<void> ReadAtrDistance(const json& body, const char* field, std::optional<AtrDistance>& out) {
    const auto it = body.find(field);
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_object()) {
        return Invalid(
            field,
            fmt::format("{} must be an object like {{\"period\": 14, \"multiple\": 2}}, got {}", field, TypeName(*it)),
            "WRONG_TYPE");
    }
    static constexpr std::array<std::string_view, 2> kKeys = {"period", "multiple"};
    if (auto ok = CheckNestedKeys(*it, field, kKeys); !ok) return ok;
    auto period = ReadNested(*it, "period", fmt::format("{}.period", field), 1, kMaxAtrPeriod, false, true);
    if (!period) return std::unexpected(period.error());
    auto multiple = ReadNested(*it, "multiple", fmt::format("{}.multiple", field), 0, kMaxAtrMultiple, true, false);
    if (!multiple) return std::unexpected(multiple.error());
    out = AtrDistance{.period = static_cast<size_t>(*period), .multiple = *multiple};
    return {};
}

//! The percentage and ATR forms of one level exclude each other.
Result<void> RefuseBoth(const json& body, const char* pct, const char* atr) {
    const auto given = [&](const char* field) { return body.contains(field) && !body[field].is_null(); };
    if (given(pct) && given(atr)) {
        return Invalid(atr, fmt::format("send {} or {}, not both", pct, atr), "CONFLICTING_FIELDS");
    }
    return {};
}

Result<void> ReadSizing(const json& body, BacktestOptions& options) {
    const auto it = body.find("sizing");
    if (it == body.end() || it->is_null()) {
        if (body.contains("positionSize") && body["positionSize"].is_null()) return {};
        return ReadNumber(body, "positionSize", 0, 1, true, options.sizing.value);
    }
    if (body.contains("positionSize") && !body["positionSize"].is_null()) {
        return Invalid("sizing",
                       "send sizing or positionSize, not both (positionSize x is sizing {\"mode\": \"fraction\", "
                       "\"value\": x})",
                       "CONFLICTING_FIELDS");
    }
    if (!it->is_object()) {
        return Invalid(
            "sizing",
            fmt::format("sizing must be an object like {{\"mode\": \"risk\", \"value\": 0.01}}, got {}", TypeName(*it)),
            "WRONG_TYPE");
    }
    static constexpr std::array<std::string_view, 2> kKeys = {"mode", "value"};
    if (auto ok = CheckNestedKeys(*it, "sizing", kKeys); !ok) return ok;
    const auto mode = it->find("mode");
    if (mode == it->end()) {
        return Invalid("sizing.mode", "sizing.mode is required: fraction, notional or risk", "MISSING_FIELD");
    }
    if (!mode->is_string()) {
        return Invalid("sizing.mode", fmt::format("sizing.mode must be a string, got {}", TypeName(*mode)),
                       "WRONG_TYPE");
    }
    const std::string name = mode->get<std::string>();
    double max = 1;
    if (name == "fraction") {
        options.sizing.mode = SizingMode::kFraction;
    } else if (name == "notional") {
        options.sizing.mode = SizingMode::kNotional;
        max = kMaxNotional;
    } else if (name == "risk") {
        options.sizing.mode = SizingMode::kRisk;
    } else {
        return Invalid("sizing.mode",
                       fmt::format("sizing.mode '{}' must be fraction, notional or risk", TruncateForEcho(name)),
                       "OUT_OF_RANGE");
    }
    auto value = ReadNested(*it, "value", "sizing.value", 0, max, true, false);
    if (!value) return std::unexpected(value.error());
    options.sizing.value = *value;
    return {};
}

//! Whether rules in the body (its strategy, or any portfolio asset's) set the level `key`
//! (stopLoss, takeProfit) themselves, for both sides or for shorts (`key` + "Short").
bool RulesSet(const json& body, const char* key) {
    const std::string short_key = std::string(key) + "Short";
    const auto sets = [&](const json& holder) {
        const auto strategy = holder.find("strategy");
        if (strategy == holder.end() || !strategy->is_object()) return false;
        const auto has = [&](const std::string& k) { return strategy->contains(k) && !(*strategy)[k].is_null(); };
        return has(key) || has(short_key);
    };
    if (sets(body)) return true;
    const auto assets = body.find("assets");
    if (assets == body.end() || !assets->is_array()) return false;
    return std::any_of(assets->begin(), assets->end(), [&](const json& a) { return a.is_object() && sets(a); });
}

//! For risk sizing without a stop option: the first portfolio asset whose strategy prices no stop
//! of its own (its sleeve could never size an entry); -1 when every one does, or not a portfolio.
int AssetWithoutRuleStop(const json& body) {
    const auto assets = body.find("assets");
    if (assets == body.end() || !assets->is_array()) return -1;
    for (size_t i = 0; i < assets->size(); ++i) {
        const json& a = (*assets)[i];
        const auto has = [&](const char* k) {
            return a.is_object() && a.contains("strategy") && a["strategy"].is_object() && a["strategy"].contains(k) &&
                   !a["strategy"][k].is_null();
        };
        const bool sets = has("stopLoss") || has("stopLossShort");
        if (!sets) return static_cast<int>(i);
    }
    return -1;
}

//! A level the rules price themselves cannot also come from the request's options.
Result<void> RefuseRulesAndOption(const json& body, const char* rule, std::initializer_list<const char*> options) {
    if (!RulesSet(body, rule)) return {};
    for (const char* option : options) {
        if (body.contains(option) && !body[option].is_null()) {
            return Invalid(option,
                           fmt::format("the strategy's rules set {} themselves (strategy.{}): drop {} or the rule",
                                       rule, rule, option),
                           "CONFLICTING_FIELDS");
        }
    }
    return {};
}

}  // namespace

Result<void> ReadExitAndSizingOptions(const json& body, BacktestOptions& o) {
    if (auto ok = ReadSizing(body, o); !ok) return ok;
    if (auto ok = RefuseBoth(body, "stopLossPct", "stopLossAtr"); !ok) return ok;
    if (auto ok = RefuseBoth(body, "takeProfitPct", "takeProfitAtr"); !ok) return ok;
    if (auto ok = RefuseBoth(body, "trailingStopPct", "trailingStopAtr"); !ok) return ok;
    if (auto ok = RefuseRulesAndOption(body, "stopLoss", {"stopLossPct", "stopLossAtr"}); !ok) return ok;
    if (auto ok = RefuseRulesAndOption(body, "takeProfit", {"takeProfitPct", "takeProfitAtr"}); !ok) return ok;
    if (auto ok = ReadOptionalFraction(body, "stopLossPct", kMaxStopFraction, o.stop_loss_pct); !ok) return ok;
    if (auto ok = ReadOptionalFraction(body, "takeProfitPct", kMaxTakeProfit, o.take_profit_pct); !ok) return ok;
    if (auto ok = ReadOptionalFraction(body, "trailingStopPct", kMaxStopFraction, o.trailing_stop_pct); !ok) return ok;
    if (auto ok = ReadAtrDistance(body, "stopLossAtr", o.stop_loss_atr); !ok) return ok;
    if (auto ok = ReadAtrDistance(body, "takeProfitAtr", o.take_profit_atr); !ok) return ok;
    if (auto ok = ReadAtrDistance(body, "trailingStopAtr", o.trailing_stop_atr); !ok) return ok;
    if (const auto it = body.find("maxBarsInTrade"); it != body.end() && !it->is_null()) {
        auto bars = ReadNested(body, "maxBarsInTrade", "maxBarsInTrade", 1, kMaxBarsInTrade, false, true);
        if (!bars) return std::unexpected(bars.error());
        o.max_bars_in_trade = static_cast<int64_t>(*bars);
    }
    // An optimize grid may search the stop that risk sizing needs.
    const auto grid = body.find("grid");
    const bool grid_gives_stop =
        grid != body.end() && grid->is_object() && (grid->contains("stopLossPct") || grid->contains("trailingStopPct"));
    if (o.sizing.mode == SizingMode::kRisk && !o.HasStop() && !grid_gives_stop && !RulesSet(body, "stopLoss")) {
        return Invalid("sizing.mode",
                       "sizing mode risk sizes each entry by its stop: send stopLossPct, stopLossAtr, trailingStopPct "
                       "or trailingStopAtr too, or a stopLoss rule in the strategy",
                       "MISSING_FIELD");
    }
    if (const int asset = AssetWithoutRuleStop(body);
        o.sizing.mode == SizingMode::kRisk && !o.HasStop() && !grid_gives_stop && asset >= 0) {
        return Invalid("sizing.mode",
                       fmt::format("sizing mode risk sizes each entry by its stop, and assets[{}] has none: send "
                                   "stopLossPct, stopLossAtr, trailingStopPct or trailingStopAtr for every sleeve, or "
                                   "a stopLoss rule in each asset's strategy",
                                   asset),
                       "MISSING_FIELD");
    }
    return {};
}

}  // namespace spark::api
