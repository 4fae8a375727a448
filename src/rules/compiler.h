#pragma once

#include "rules/checker.h"
#include "rules/program.h"
#include "strategy/parameter_schema.h"

namespace spark::rules {

//! Compiles checked rules for one binding of their parameters (`values` holds every declared
//! parameter). Refuses bindings the rules cannot run with: a MACD whose fast window is not
//! below its slow one (INVALID_WINDOW naming the expression).
std::expected<Program, RuleError> Compile(const CheckedRules& rules, const ParamValues& values);

}  // namespace spark::rules
