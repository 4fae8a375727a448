#include "strategy/strategy_registry.h"

#include <fmt/format.h>

#include "strategy/buy_and_hold.h"
#include "strategy/sma_cross.h"

namespace spark {
namespace {

constexpr double kMaxWindow = 10000;

StrategyDefinition SmaCrossDefinition() {
    return {
        .name = "sma_cross",
        .description = "Long when the fast SMA of the close crosses above the slow SMA; exit on the cross below.",
        .params = {{"fast", ParamType::kInteger, 10, 1, kMaxWindow, "fast SMA window, bars"},
                   {"slow", ParamType::kInteger, 30, 2, kMaxWindow, "slow SMA window, bars"}},
        .constraint = "fast < slow",
        .check_constraint = [](const ParamValues& p) -> Result<void> {
            if (p.at("fast") < p.at("slow")) return {};
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("strategy.params.fast ({}) must be less than strategy.params.slow ({})",
                                         p.at("fast"), p.at("slow")),
                             "strategy.params.fast", "INVALID_PARAMETER");
        },
        .create = [](const ParamValues& p) -> std::unique_ptr<Strategy> {
            return std::make_unique<SmaCross>(static_cast<size_t>(p.at("fast")), static_cast<size_t>(p.at("slow")));
        },
    };
}

StrategyDefinition BuyAndHoldDefinition() {
    return {
        .name = "buy_and_hold",
        .description = "Buy on the first bar and hold to the end.",
        .params = {},
        .constraint = "",
        .check_constraint = [](const ParamValues&) -> Result<void> { return {}; },
        .create = [](const ParamValues&) -> std::unique_ptr<Strategy> { return std::make_unique<BuyAndHold>(); },
    };
}

}  // namespace

const StrategyRegistry& StrategyRegistry::BuiltIn() {
    static const StrategyRegistry registry = [] {
        StrategyRegistry r;
        r.Add(SmaCrossDefinition());
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
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("strategy.name '{}' is not a known strategy (available: {})", name, names),
                         "strategy.name", "UNKNOWN_STRATEGY");
    }
    Result<ParamValues> resolved = ResolveParams(definition->params, given);
    if (!resolved) return resolved;
    if (Result<void> ok = definition->check_constraint(*resolved); !ok) return std::unexpected(ok.error());
    return resolved;
}

std::unique_ptr<Strategy> StrategyRegistry::Create(std::string_view name, const ParamValues& resolved) const {
    const StrategyDefinition* definition = Find(name);
    return definition == nullptr ? nullptr : definition->create(resolved);
}

}  // namespace spark
