#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace spark::rules {

//! Why a strategy written as rules was refused. The names are part of the API
//! (docs/strategy-language.md "Errors").
enum class RuleErrorReason {
    kSyntaxError,
    kUnknownFunction,
    kUnknownName,
    kWrongArity,
    kTypeMismatch,
    kInvalidWindow,
    kExpressionTooLarge,
    kCyclicLet,
    kNameTaken,
};

std::string_view RuleErrorReasonName(RuleErrorReason reason);

//! A mistake in one expression: where (0-based byte offset into that expression's text) and why.
//! `field` is filled in by whoever knows which expression it was (`strategy.entry`, ...).
struct RuleError {
    RuleError() = default;
    RuleError(RuleErrorReason why, size_t at, std::string text, std::string field_name = {},
              std::string expression_text = {})
        : reason(why),
          position(at),
          message(std::move(text)),
          field(std::move(field_name)),
          expression(std::move(expression_text)) {}

    RuleErrorReason reason = RuleErrorReason::kSyntaxError;
    size_t position = 0;
    std::string message;  //!< one line, without the field or the caret
    std::string field;
    std::string expression;  //!< the text the position points into (empty when none)
};

//! `message`, then the expression and a caret under `position`, e.g.
//! "unknown function `crossovr`; did you mean `crossover`?\n  crossovr(f, s)\n  ^".
std::string FormatWithCaret(const RuleError& error);

}  // namespace spark::rules
