#include "rules/rule_error.h"

#include <algorithm>

namespace spark::rules {

std::string_view RuleErrorReasonName(RuleErrorReason reason) {
    switch (reason) {
        case RuleErrorReason::kSyntaxError:
            return "SYNTAX_ERROR";
        case RuleErrorReason::kUnknownFunction:
            return "UNKNOWN_FUNCTION";
        case RuleErrorReason::kUnknownName:
            return "UNKNOWN_NAME";
        case RuleErrorReason::kWrongArity:
            return "WRONG_ARITY";
        case RuleErrorReason::kTypeMismatch:
            return "TYPE_MISMATCH";
        case RuleErrorReason::kInvalidWindow:
            return "INVALID_WINDOW";
        case RuleErrorReason::kExpressionTooLarge:
            return "EXPRESSION_TOO_LARGE";
        case RuleErrorReason::kCyclicLet:
            return "CYCLIC_LET";
        case RuleErrorReason::kNameTaken:
            return "NAME_TAKEN";
    }
    return "SYNTAX_ERROR";
}

std::string FormatWithCaret(const RuleError& error) {
    std::string out = error.field.empty() ? error.message : error.field + ": " + error.message;
    if (error.expression.empty()) return out;
    // Long expressions are shown around the position so the caret stays on screen.
    constexpr size_t kShown = 120;
    const size_t position = std::min(error.position, error.expression.size());
    const size_t from = position > kShown / 2 ? position - kShown / 2 : 0;
    std::string shown = error.expression.substr(from, kShown);
    // Control characters (a newline inside the expression) would break the caret's alignment.
    for (char& c : shown) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    out += "\n  ";
    if (from > 0) out += "...";
    out += shown;
    out += "\n  ";
    out.append((from > 0 ? 3 : 0) + position - from, ' ');
    out += '^';
    return out;
}

}  // namespace spark::rules
