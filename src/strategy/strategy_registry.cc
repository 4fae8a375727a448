#include "strategy/strategy_registry.h"

#include <fmt/format.h>

#include "common/bounded_text.h"
#include "strategy/bollinger_reversion.h"
#include "strategy/buy_and_hold.h"
#include "strategy/donchian_breakout.h"
#include "strategy/ema_cross.h"
#include "strategy/macd_cross.h"
#include "strategy/rsi_reversion.h"
#include "strategy/sma_cross.h"

namespace spark {
namespace {

constexpr double kMaxWindow = 10000;
constexpr double kMaxOscillatorPeriod = 1000;

size_t Window(const ParamValues& p, const char* name) { return static_cast<size_t>(p.at(name)); }

//! `first < second` between two parameters, the error naming the first.
std::function<Result<void>(const ParamValues&)> LessThan(std::string first, std::string second) {
    return [first, second](const ParamValues& p) -> Result<void> {
        if (p.at(first) < p.at(second)) return {};
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("strategy.params.{} ({}) must be less than strategy.params.{} ({})", first,
                                     p.at(first), second, p.at(second)),
                         "strategy.params." + first, "INVALID_PARAMETER");
    };
}

Result<void> NoConstraint(const ParamValues&) { return {}; }

ParamSpec IntParam(std::string name, double default_value, double min, double max, std::string description) {
    return {std::move(name), ParamType::kInteger, default_value, min, max, std::move(description)};
}

ParamSpec NumberParam(std::string name, double default_value, double min, double max, std::string description) {
    return {std::move(name), ParamType::kNumber, default_value, min, max, std::move(description)};
}

StrategyDefinition SmaCrossDefinition() {
    return {
        .name = "sma_cross",
        .description =
            "Long when the fast SMA of the close crosses above the slow SMA; exit (or short) on the cross below.",
        .params = {IntParam("fast", 10, 1, kMaxWindow, "fast SMA window, bars"),
                   IntParam("slow", 30, 2, kMaxWindow, "slow SMA window, bars")},
        .constraint = "fast < slow",
        .check_constraint = LessThan("fast", "slow"),
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<SmaCross>(Window(p, "fast"), Window(p, "slow"));
        },
    };
}

StrategyDefinition EmaCrossDefinition() {
    return {
        .name = "ema_cross",
        .description =
            "Long when the fast EMA of the close crosses above the slow EMA; exit (or short) on the cross below.",
        .params = {IntParam("fast", 12, 1, kMaxWindow, "fast EMA period, bars"),
                   IntParam("slow", 26, 2, kMaxWindow, "slow EMA period, bars")},
        .constraint = "fast < slow",
        .check_constraint = LessThan("fast", "slow"),
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<EmaCross>(Window(p, "fast"), Window(p, "slow"));
        },
    };
}

StrategyDefinition MacdCrossDefinition() {
    return {
        .name = "macd_cross",
        .description = "Long when the MACD line crosses above its signal line; exit (or short) on the cross below.",
        .params = {IntParam("fast", 12, 1, kMaxWindow, "fast EMA period, bars"),
                   IntParam("slow", 26, 2, kMaxWindow, "slow EMA period, bars"),
                   // An EMA of period 1 is the line itself: it could never cross.
                   IntParam("signal", 9, 2, kMaxWindow, "signal line EMA period, bars")},
        .constraint = "fast < slow",
        .check_constraint = LessThan("fast", "slow"),
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<MacdCross>(Window(p, "fast"), Window(p, "slow"), Window(p, "signal"));
        },
    };
}

StrategyDefinition RsiReversionDefinition() {
    return {
        .name = "rsi_reversion",
        .description = "Long while Wilder's RSI is below `lower`; exit (or short) while it is above `upper`.",
        .params = {IntParam("period", 14, 2, kMaxOscillatorPeriod, "RSI period, bars"),
                   NumberParam("lower", 30, 0, 100, "oversold level"),
                   NumberParam("upper", 70, 0, 100, "overbought level")},
        .constraint = "lower < upper",
        .check_constraint = LessThan("lower", "upper"),
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<RsiReversion>(Window(p, "period"), p.at("lower"), p.at("upper"));
        },
    };
}

StrategyDefinition BollingerReversionDefinition() {
    return {
        .name = "bollinger_reversion",
        .description =
            "Long below the lower Bollinger band, exit at the middle; short above the upper band when allowed.",
        .params = {IntParam("period", 20, 2, kMaxOscillatorPeriod, "SMA window of the middle band, bars"),
                   NumberParam("k", 2, 0.1, 10, "band width in population standard deviations")},
        .constraint = "",
        .check_constraint = NoConstraint,
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<BollingerReversion>(Window(p, "period"), p.at("k"));
        },
    };
}

StrategyDefinition DonchianBreakoutDefinition() {
    return {
        .name = "donchian_breakout",
        .description =
            "Long on a close above the previous `entry`-bar high, exit on a close below the previous `exit`-bar "
            "low (mirrored for shorts).",
        .params = {IntParam("entry", 20, 1, kMaxOscillatorPeriod, "breakout channel, bars"),
                   IntParam("exit", 10, 1, kMaxOscillatorPeriod, "exit channel, bars")},
        .constraint = "",
        .check_constraint = NoConstraint,
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<DonchianBreakout>(Window(p, "entry"), Window(p, "exit"));
        },
    };
}

StrategyDefinition BuyAndHoldDefinition() {
    return {
        .name = "buy_and_hold",
        .description = "Buy on the first bar and hold to the end.",
        .params = {},
        .constraint = "",
        .check_constraint = NoConstraint,
        .create = [](const ParamValues&) -> std::unique_ptr<Strategy> { return std::make_unique<BuyAndHold>(); },
    };
}

}  // namespace

const StrategyRegistry& StrategyRegistry::BuiltIn() {
    static const StrategyRegistry registry = [] {
        StrategyRegistry r;
        r.Add(SmaCrossDefinition());
        r.Add(EmaCrossDefinition());
        r.Add(MacdCrossDefinition());
        r.Add(RsiReversionDefinition());
        r.Add(BollingerReversionDefinition());
        r.Add(DonchianBreakoutDefinition());
        r.Add(BuyAndHoldDefinition());
        return r;
    }();
    return registry;
}

void StrategyRegistry::Add(StrategyDefinition definition) { definitions_.push_back(std::move(definition)); }

const StrategyDefinition* StrategyRegistry::Find(std::string_view name) const {
    for (const StrategyDefinition& d : definitions_) {
        if (d.name == name) return &d;
    }
    return nullptr;
}

Result<ParamValues> StrategyRegistry::Resolve(std::string_view name, const ParamValues& given) const {
    const StrategyDefinition* definition = Find(name);
    if (definition == nullptr) {
        std::string names;
        for (const StrategyDefinition& d : definitions_) names += (names.empty() ? "" : ", ") + d.name;
        return MakeError(
            ErrorCode::kInvalidRequest,
            fmt::format("strategy.name '{}' is not a known strategy (available: {})", TruncateForEcho(name), names),
            "strategy.name", "UNKNOWN_STRATEGY");
    }
    return spark::Resolve(*definition, given);
}

Result<ParamValues> Resolve(const StrategyDefinition& definition, const ParamValues& given) {
    Result<ParamValues> resolved = ResolveParams(definition.params, given);
    if (!resolved) return resolved;
    if (Result<void> ok = definition.check_constraint(*resolved); !ok) return std::unexpected(ok.error());
    return resolved;
}

std::unique_ptr<Strategy> StrategyRegistry::Create(std::string_view name, const ParamValues& resolved) const {
    const StrategyDefinition* definition = Find(name);
    return definition == nullptr ? nullptr : definition->create(resolved);
}

}  // namespace spark
