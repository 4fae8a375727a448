#pragma once

#include <memory>
#include <string_view>

#include "common/error.h"
#include "rules/checker.h"
#include "rules/rule_error.h"
#include "strategy/strategy_registry.h"

namespace spark::rules {

//! A strategy sent as rules, checked and ready for every route: the checked expressions (for
//! echoes and /strategies/validate) and a StrategyDefinition whose schema is the declared
//! parameters and whose create() compiles the rules for each binding.
struct RulesStrategy {
    std::shared_ptr<const CheckedRules> checked;
    std::shared_ptr<const StrategyDefinition> definition;
};

//! Checks `source` and builds its definition. Parameters used as windows are integers from 1 to
//! 10,000 (bar offsets from 0), the others numbers; a binding whose MACD has fast >= slow breaks
//! the definition's constraint (a grid skips it, a single run is refused).
std::expected<RulesStrategy, RuleError> MakeRulesStrategy(const RuleSource& source);

//! The service's error for a rule mistake: 400 INVALID_REQUEST with the field, the reason, the
//! position (details.position) and a message with a caret under the position.
Error ToError(const RuleError& error);

//! The rules that reproduce a built-in strategy exactly (same parameters and defaults), or
//! nullptr for an unknown name. docs/strategy-language.md lists them.
const RuleSource* TwinOf(std::string_view builtin);

}  // namespace spark::rules
