#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "api/json/json_writer.h"
#include "common/error.h"
#include "common/interval.h"
#include "rules/checker.h"
#include "strategy/strategy_registry.h"

namespace spark::api {

//! The strategy a request names: a built-in (`{name, params}` or a name) or rules sent as data
//! (`{params, let, entry, exit, entryShort, exitShort}`, docs/strategy-language.md). Either way
//! the routes work through `definition`, whose create() makes the strategy for a binding.
struct StrategyChoice {
    std::string name = "sma_cross";  //!< the built-in's name, or "rules"
    std::shared_ptr<const StrategyDefinition> definition;
    std::shared_ptr<const rules::CheckedRules> rules;  //!< set for rules only
    ParamValues given;  //!< a built-in's `params` as sent (rules declare theirs as defaults)

    bool IsRules() const { return rules != nullptr; }
    //! Whether rules price their entries' stop or target themselves (stopLoss, takeProfit).
    bool SetsLevels() const {
        if (rules == nullptr) return false;
        for (size_t slot = rules::kStopLoss; slot < rules::kRuleSlots; ++slot) {
            if (rules->rules[slot]) return true;
        }
        return false;
    }
};

//! Reads `body.strategy` (absent: `default_name` with its defaults). Rules are parsed and checked
//! here: every mistake is 400 INVALID_REQUEST naming the field, the position and the reason.
Result<StrategyChoice> ReadStrategy(const nlohmann::json& body, const std::string& default_name = "sma_cross");

//! Rules reading a higher timeframe (htf) need one the run's timeframe divides: 4h over 1h bars,
//! not 1h over 4h bars, nor 1w over 3d. Errors name `field` (e.g. "strategy").
Result<void> CheckHigherTimeframes(const StrategyChoice& choice, const Interval& run, const std::string& field);

//! The parameters sent (a built-in's `params`; rules declare theirs), defaults filled in and
//! checked against the strategy's schema and constraint.
Result<ParamValues> ResolveStrategyParams(const StrategyChoice& choice);

//! `"strategy": {...}` as a request echo: a built-in's name and parameters, or the rules in
//! normal form with the bound parameters.
void WriteStrategyEcho(JsonWriter& json, const StrategyChoice& choice, const ParamValues& params);

//! The rules of a checked strategy, normalised: `params`, `let`, `entry`, ... (no key).
void WriteRulesBody(JsonWriter& json, const rules::CheckedRules& rules, const ParamValues& params);

}  // namespace spark::api
