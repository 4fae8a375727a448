#include "research/option_axes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace spark::research {
namespace {

using namespace option_limits;

struct Bounds {
    double min;
    double max;
    bool min_exclusive;
    bool integer;
};

Bounds BoundsOf(std::string_view axis, const BacktestOptions& base) {
    if (axis == "stopLossPct" || axis == "trailingStopPct") return {0, kMaxStopFraction, true, false};
    if (axis == "takeProfitPct") return {0, kMaxTakeProfit, true, false};
    if (axis.ends_with(".multiple")) return {0, kMaxAtrMultiple, true, false};
    if (axis.ends_with(".period")) return {1, kMaxAtrPeriod, false, true};
    if (axis == "maxBarsInTrade") return {1, kMaxBarsInTrade, false, true};
    // sizing.value: as the request's mode takes it.
    return {0, base.sizing.mode == SizingMode::kNotional ? kMaxNotional : 1.0, true, false};
}

std::unexpected<Error> AxisError(std::string_view axis, std::string message, std::string reason) {
    return MakeError(ErrorCode::kInvalidRequest, std::move(message), fmt::format("grid.{}", axis), std::move(reason));
}

//! The request's ATR object an axis `<object>.multiple` or `<object>.period` completes.
const std::optional<AtrDistance>* AtrObjectOf(std::string_view axis, const BacktestOptions& o) {
    if (axis.starts_with("stopLossAtr.")) return &o.stop_loss_atr;
    if (axis.starts_with("takeProfitAtr.")) return &o.take_profit_atr;
    if (axis.starts_with("trailingStopAtr.")) return &o.trailing_stop_atr;
    return nullptr;
}

}  // namespace

bool IsOptionAxis(std::string_view name) {
    return std::find(kOptionAxes.begin(), kOptionAxes.end(), name) != kOptionAxes.end();
}

Result<void> CheckOptionAxes(const GridSpec& grid, const BacktestOptions& base) {
    for (const GridAxis& axis : grid.axes) {
        if (!IsOptionAxis(axis.name)) continue;
        if (const std::optional<AtrDistance>* atr = AtrObjectOf(axis.name, base); atr && !atr->has_value()) {
            const std::string_view object = std::string_view(axis.name).substr(0, axis.name.find('.'));
            return AxisError(axis.name,
                             fmt::format("grid.{} searches part of {}: send {} in the request too (e.g. {{\"period\": "
                                         "14, \"multiple\": 2}}), the grid's values replace that part",
                                         axis.name, object, object),
                             "MISSING_FIELD");
        }
        const bool by_atr = (axis.name == "stopLossPct" && base.stop_loss_atr) ||
                            (axis.name == "takeProfitPct" && base.take_profit_atr) ||
                            (axis.name == "trailingStopPct" && base.trailing_stop_atr);
        if (by_atr) {
            return AxisError(axis.name,
                             fmt::format("grid.{} searches a level the request gives by ATR: search the ATR's "
                                         "multiple instead, or drop the ATR form",
                                         axis.name),
                             "CONFLICTING_FIELDS");
        }
        const Bounds b = BoundsOf(axis.name, base);
        for (const double v : axis.values) {
            if (b.integer && v != std::trunc(v)) {
                return AxisError(axis.name, fmt::format("grid.{} values must be integers, got {}", axis.name, v),
                                 "INVALID_PARAMETER");
            }
            const bool below = b.min_exclusive ? v <= b.min : v < b.min;
            if (!std::isfinite(v) || below || v > b.max) {
                return AxisError(axis.name,
                                 fmt::format("grid.{} values must be in {}{}, {}], got {}", axis.name,
                                             b.min_exclusive ? "(" : "[", b.min, b.max, v),
                                 "INVALID_PARAMETER");
            }
        }
    }
    return {};
}

bool GridSetsLevels(const GridSpec& grid) {
    return std::any_of(grid.axes.begin(), grid.axes.end(), [](const GridAxis& axis) {
        return axis.name == "stopLossPct" || axis.name == "takeProfitPct" || axis.name == "trailingStopPct";
    });
}

BacktestOptions OptionsFor(const BacktestOptions& base, const ParamValues& combination) {
    BacktestOptions o = base;
    for (const auto& [name, value] : combination) {
        if (name == "stopLossPct") {
            o.stop_loss_pct = value;
        } else if (name == "takeProfitPct") {
            o.take_profit_pct = value;
        } else if (name == "trailingStopPct") {
            o.trailing_stop_pct = value;
        } else if (name == "sizing.value") {
            o.sizing.value = value;
        } else if (name == "maxBarsInTrade") {
            o.max_bars_in_trade = static_cast<int64_t>(value);
        } else if (const std::optional<AtrDistance>* atr = AtrObjectOf(name, base); atr && atr->has_value()) {
            std::optional<AtrDistance>& target = name.starts_with("stopLossAtr.")     ? o.stop_loss_atr
                                                 : name.starts_with("takeProfitAtr.") ? o.take_profit_atr
                                                                                      : o.trailing_stop_atr;
            if (name.ends_with(".multiple")) {
                target->multiple = value;
            } else {
                target->period = static_cast<size_t>(value);
            }
        }
    }
    return o;
}

bool HasOptionValues(const ParamValues& combination) {
    return std::any_of(combination.begin(), combination.end(), [](const auto& kv) { return IsOptionAxis(kv.first); });
}

ParamValues StrategyParamsOf(const ParamValues& combination) {
    ParamValues params;
    for (const auto& [name, value] : combination) {
        if (!IsOptionAxis(name)) params.emplace(name, value);
    }
    return params;
}

}  // namespace spark::research
