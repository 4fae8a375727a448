#pragma once

#include "rules/checker.h"
#include "rules/program.h"
#include "strategy/parameter_schema.h"

namespace spark::rules {

//! Compiles checked rules for one binding of their parameters (`values`; a declared parameter
//! absent there takes its default). The binding must have passed CheckBinding: compiling
//! itself cannot fail.
Program Compile(const CheckedRules& rules, const ParamValues& values);

}  // namespace spark::rules
