#pragma once

#include <string_view>

#include "common/error.h"
#include "rules/ast.h"
#include "rules/rule_error.h"

namespace spark::rules {

//! Limits that keep any expression cheap to check and to run (docs/strategy-language.md "Limits").
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxExpressionNodes = 256;
inline constexpr size_t kMaxExpressionDepth = 64;

//! Parses one expression (grammar in docs/strategy-language.md). Only syntax is checked here:
//! names, functions, arities and types are the checker's.
std::expected<Expression, RuleError> Parse(std::string_view text);

//! Writes an expression back in its normal form: single spaces around binary operators, ", "
//! between arguments, parentheses only where precedence needs them.
std::string Normalise(const Expression& expression, int node);

}  // namespace spark::rules
