#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "rules/rule_error.h"

namespace spark::rules {

enum class TokenKind {
    kNumber,      //!< 14, 0.5, 1e-3
    kIdentifier,  //!< close, ema, and, or, not
    kParameter,   //!< $fast (text holds the name without '$')
    kString,      //!< "4h" (text holds the contents)
    kOperator,    //!< + - * / < <= > >= == != ( ) [ ] ,
    kEnd,
};

struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::string text;
    double number = 0;
    size_t position = 0;  //!< byte offset of the token's first character
};

//! Splits an expression into tokens. Whitespace separates; anything else that is not a token is
//! a SYNTAX_ERROR at its position. The last token is always kEnd (at the text's length).
std::expected<std::vector<Token>, RuleError> Tokenize(std::string_view text);

}  // namespace spark::rules
