#include "rules/lexer.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>

namespace spark::rules {
namespace {

bool IsIdentifierStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::unexpected<RuleError> SyntaxError(size_t position, std::string message) {
    return std::unexpected(RuleError{RuleErrorReason::kSyntaxError, position, std::move(message)});
}

std::string Describe(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
        return fmt::format("byte 0x{:02x}", static_cast<unsigned char>(c));
    }
    return fmt::format("`{}`", c);
}

}  // namespace

std::expected<std::vector<Token>, RuleError> Tokenize(std::string_view text) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        const size_t start = i;
        if (IsDigit(c) || (c == '.' && i + 1 < text.size() && IsDigit(text[i + 1]))) {
            // A decimal number: digits, an optional fraction, an optional exponent.
            while (i < text.size() && IsDigit(text[i])) ++i;
            if (i < text.size() && text[i] == '.') {
                ++i;
                while (i < text.size() && IsDigit(text[i])) ++i;
            }
            if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
                size_t j = i + 1;
                if (j < text.size() && (text[j] == '+' || text[j] == '-')) ++j;
                if (j < text.size() && IsDigit(text[j])) {
                    i = j;
                    while (i < text.size() && IsDigit(text[i])) ++i;
                }
            }
            if (i < text.size() && IsIdentifierChar(text[i])) {
                return SyntaxError(i, fmt::format("unexpected {} after the number", Describe(text[i])));
            }
            double value = 0;
            const auto [end, ec] = std::from_chars(text.data() + start, text.data() + i, value);
            if (ec != std::errc() || end != text.data() + i || !std::isfinite(value)) {
                return SyntaxError(start, "number out of range");
            }
            tokens.push_back({TokenKind::kNumber, std::string(text.substr(start, i - start)), value, start});
            continue;
        }
        if (IsIdentifierStart(c)) {
            while (i < text.size() && IsIdentifierChar(text[i])) ++i;
            tokens.push_back({TokenKind::kIdentifier, std::string(text.substr(start, i - start)), 0, start});
            continue;
        }
        if (c == '$') {
            ++i;
            if (i >= text.size() || !IsIdentifierStart(text[i])) {
                return SyntaxError(start, "`$` must be followed by a parameter name, e.g. $fast");
            }
            while (i < text.size() && IsIdentifierChar(text[i])) ++i;
            tokens.push_back({TokenKind::kParameter, std::string(text.substr(start + 1, i - start - 1)), 0, start});
            continue;
        }
        if (c == '"' || c == '\'') {
            ++i;
            while (i < text.size() && text[i] != c) ++i;
            if (i >= text.size()) return SyntaxError(start, "unterminated string");
            tokens.push_back({TokenKind::kString, std::string(text.substr(start + 1, i - start - 1)), 0, start});
            ++i;
            continue;
        }
        // Two-character operators first.
        if (i + 1 < text.size()) {
            const std::string_view two = text.substr(i, 2);
            if (two == "<=" || two == ">=" || two == "==" || two == "!=") {
                tokens.push_back({TokenKind::kOperator, std::string(two), 0, start});
                i += 2;
                continue;
            }
            if (two == "&&" || two == "||") {
                return SyntaxError(start, fmt::format("use `{}` instead of `{}`", two == "&&" ? "and" : "or", two));
            }
        }
        if (std::string_view("+-*/<>()[],").find(c) != std::string_view::npos) {
            tokens.push_back({TokenKind::kOperator, std::string(1, c), 0, start});
            ++i;
            continue;
        }
        if (c == '=') return SyntaxError(start, "use `==` to compare");
        if (c == '!') return SyntaxError(start, "use `not` (or `!=` to compare)");
        return SyntaxError(start, fmt::format("unexpected {}", Describe(c)));
    }
    tokens.push_back({TokenKind::kEnd, "", 0, text.size()});
    return tokens;
}

}  // namespace spark::rules
