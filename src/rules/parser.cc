#include "rules/parser.h"

#include <fmt/format.h>

#include "rules/lexer.h"

namespace spark::rules {
namespace {

// Binding strength, loosest first: or < and < not < comparison < + - < * / < unary - < [n], call.
enum Precedence { kOr = 1, kAnd, kNot, kComparison, kAdditive, kMultiplicative, kNegation, kPostfix, kAtom };

bool IsComparison(std::string_view op) {
    return op == "<" || op == "<=" || op == ">" || op == ">=" || op == "==" || op == "!=";
}

class Parser {
  public:
    Parser(std::string_view text, std::vector<Token> tokens) : tokens_(std::move(tokens)) { out_.text = text; }

    std::expected<Expression, RuleError> Run() {
        auto root = ParseOr();
        if (!root) return std::unexpected(root.error());
        if (Peek().kind != TokenKind::kEnd) return Fail(Peek().position, fmt::format("unexpected {}", Quote(Peek())));
        out_.root = *root;
        return std::move(out_);
    }

  private:
    using Parsed = std::expected<int, RuleError>;

    const Token& Peek() const { return tokens_[next_]; }
    const Token& Take() { return tokens_[next_++]; }
    bool IsOperator(std::string_view op) const { return Peek().kind == TokenKind::kOperator && Peek().text == op; }
    bool IsKeyword(std::string_view word) const { return Peek().kind == TokenKind::kIdentifier && Peek().text == word; }

    static std::string Quote(const Token& token) {
        switch (token.kind) {
            case TokenKind::kEnd:
                return "end of expression";
            case TokenKind::kParameter:
                return fmt::format("`${}`", token.text);
            case TokenKind::kString:
                return fmt::format("string \"{}\"", token.text);
            default:
                return fmt::format("`{}`", token.text);
        }
    }

    std::unexpected<RuleError> Fail(size_t position, std::string message) const {
        return std::unexpected(RuleError{RuleErrorReason::kSyntaxError, position, std::move(message)});
    }

    std::expected<int, RuleError> Add(Node node) {
        if (out_.nodes.size() >= kMaxExpressionNodes) {
            return std::unexpected(RuleError{RuleErrorReason::kExpressionTooLarge, node.position,
                                             fmt::format("more than {} nodes", kMaxExpressionNodes)});
        }
        out_.nodes.push_back(std::move(node));
        return static_cast<int>(out_.nodes.size() - 1);
    }

    //! Nesting (parentheses, call arguments, `not`, unary minus) is the only recursion:
    //! operator chains are loops. Bounding it bounds the stack, whatever the input.
    class Nested {
      public:
        explicit Nested(Parser& parser) : parser_(parser) { ++parser_.nesting_; }
        ~Nested() { --parser_.nesting_; }
        Nested(const Nested&) = delete;
        Nested& operator=(const Nested&) = delete;

      private:
        Parser& parser_;
    };
    std::expected<void, RuleError> CheckNesting() const {
        if (nesting_ > kMaxExpressionDepth) {
            return std::unexpected(RuleError{RuleErrorReason::kExpressionTooLarge, Peek().position,
                                             fmt::format("nested deeper than {}", kMaxExpressionDepth)});
        }
        return {};
    }

    Parsed Binary(std::string op, size_t position, int left, int right) {
        return Add({NodeKind::kBinary, std::move(op), 0, {left, right}, position});
    }

    Parsed ParseOr() {
        auto left = ParseAnd();
        while (left && IsKeyword("or")) {
            const size_t at = Take().position;
            auto right = ParseAnd();
            if (!right) return right;
            left = Binary("or", at, *left, *right);
        }
        return left;
    }

    Parsed ParseAnd() {
        auto left = ParseNot();
        while (left && IsKeyword("and")) {
            const size_t at = Take().position;
            auto right = ParseNot();
            if (!right) return right;
            left = Binary("and", at, *left, *right);
        }
        return left;
    }

    Parsed ParseNot() {
        if (IsKeyword("not")) {
            const size_t at = Take().position;
            const Nested nested(*this);
            if (auto ok = CheckNesting(); !ok) return std::unexpected(ok.error());
            auto operand = ParseNot();
            if (!operand) return operand;
            return Add({NodeKind::kUnary, "not", 0, {*operand}, at});
        }
        return ParseComparison();
    }

    Parsed ParseComparison() {
        auto left = ParseAdditive();
        if (!left) return left;
        if (Peek().kind == TokenKind::kOperator && IsComparison(Peek().text)) {
            const Token op = Take();
            auto right = ParseAdditive();
            if (!right) return right;
            if (Peek().kind == TokenKind::kOperator && IsComparison(Peek().text)) {
                return Fail(Peek().position, "comparisons do not chain: write `a < b and b < c`");
            }
            return Binary(op.text, op.position, *left, *right);
        }
        return left;
    }

    Parsed ParseAdditive() {
        auto left = ParseMultiplicative();
        while (left && (IsOperator("+") || IsOperator("-"))) {
            const Token op = Take();
            auto right = ParseMultiplicative();
            if (!right) return right;
            left = Binary(op.text, op.position, *left, *right);
        }
        return left;
    }

    Parsed ParseMultiplicative() {
        auto left = ParseUnary();
        while (left && (IsOperator("*") || IsOperator("/"))) {
            const Token op = Take();
            auto right = ParseUnary();
            if (!right) return right;
            left = Binary(op.text, op.position, *left, *right);
        }
        return left;
    }

    Parsed ParseUnary() {
        if (IsOperator("-")) {
            const size_t at = Take().position;
            const Nested nested(*this);
            if (auto ok = CheckNesting(); !ok) return std::unexpected(ok.error());
            auto operand = ParseUnary();
            if (!operand) return operand;
            return Add({NodeKind::kUnary, "-", 0, {*operand}, at});
        }
        return ParsePostfix();
    }

    Parsed ParsePostfix() {
        auto operand = ParsePrimary();
        while (operand && IsOperator("[")) {
            const size_t at = Take().position;
            const Token& offset = Peek();
            if (offset.kind != TokenKind::kNumber && offset.kind != TokenKind::kParameter) {
                return Fail(offset.position, fmt::format("expected a bar offset (a whole number or a $parameter) "
                                                         "inside [ ], got {}",
                                                         Quote(offset)));
            }
            Take();
            auto index = Add({offset.kind == TokenKind::kNumber ? NodeKind::kNumber : NodeKind::kParameter,
                              offset.text,
                              offset.number,
                              {},
                              offset.position});
            if (!index) return index;
            if (!IsOperator("]")) return Fail(Peek().position, fmt::format("expected `]`, got {}", Quote(Peek())));
            Take();
            operand = Add({NodeKind::kIndex, "[]", 0, {*operand, *index}, at});
        }
        return operand;
    }

    Parsed ParsePrimary() {
        const Token& token = Peek();
        switch (token.kind) {
            case TokenKind::kNumber:
                Take();
                return Add({NodeKind::kNumber, token.text, token.number, {}, token.position});
            case TokenKind::kParameter:
                Take();
                return Add({NodeKind::kParameter, token.text, 0, {}, token.position});
            case TokenKind::kString:
                Take();
                return Add({NodeKind::kString, token.text, 0, {}, token.position});
            case TokenKind::kIdentifier: {
                if (token.text == "and" || token.text == "or") {
                    return Fail(token.position, fmt::format("expected a value before `{}`", token.text));
                }
                const Token name = Take();
                if (!IsOperator("(")) return Add({NodeKind::kName, name.text, 0, {}, name.position});
                Take();
                Node call{NodeKind::kCall, name.text, 0, {}, name.position};
                const Nested nested(*this);
                if (auto ok = CheckNesting(); !ok) return std::unexpected(ok.error());
                if (!IsOperator(")")) {
                    while (true) {
                        auto argument = ParseOr();
                        if (!argument) return argument;
                        call.children.push_back(*argument);
                        if (IsOperator(",")) {
                            Take();
                            continue;
                        }
                        break;
                    }
                }
                if (!IsOperator(")")) {
                    return Fail(Peek().position,
                                fmt::format("expected `,` or `)` in the call of {}, got {}", name.text, Quote(Peek())));
                }
                Take();
                return Add(std::move(call));
            }
            case TokenKind::kOperator:
                if (token.text == "(") {
                    Take();
                    const Nested nested(*this);
                    if (auto ok = CheckNesting(); !ok) return std::unexpected(ok.error());
                    auto inner = ParseOr();
                    if (!inner) return inner;
                    if (!IsOperator(")"))
                        return Fail(Peek().position, fmt::format("expected `)`, got {}", Quote(Peek())));
                    Take();
                    return inner;
                }
                return Fail(token.position, fmt::format("expected a value, got {}", Quote(token)));
            case TokenKind::kEnd:
                return Fail(token.position, "the expression ends where a value was expected");
        }
        return Fail(token.position, "unexpected token");
    }

    std::vector<Token> tokens_;
    size_t next_ = 0;
    size_t nesting_ = 0;
    Expression out_;
};

int PrecedenceOf(const Node& node) {
    switch (node.kind) {
        case NodeKind::kBinary:
            if (node.text == "or") return kOr;
            if (node.text == "and") return kAnd;
            if (IsComparison(node.text)) return kComparison;
            if (node.text == "+" || node.text == "-") return kAdditive;
            return kMultiplicative;
        case NodeKind::kUnary:
            return node.text == "not" ? kNot : kNegation;
        case NodeKind::kIndex:
            return kPostfix;
        default:
            return kAtom;
    }
}

std::string FormatNumber(double value) { return fmt::format("{}", value); }

void Write(const Expression& e, int index, std::string& out);

void WriteOperand(const Expression& e, int index, int min_precedence, std::string& out) {
    const bool wrap = PrecedenceOf(e.nodes[index]) < min_precedence;
    if (wrap) out += '(';
    Write(e, index, out);
    if (wrap) out += ')';
}

void Write(const Expression& e, int index, std::string& out) {
    const Node& node = e.nodes[index];
    switch (node.kind) {
        case NodeKind::kNumber:
            out += FormatNumber(node.number);
            return;
        case NodeKind::kName:
            out += node.text;
            return;
        case NodeKind::kParameter:
            out += '$' + node.text;
            return;
        case NodeKind::kString:
            out += '"' + node.text + '"';
            return;
        case NodeKind::kUnary:
            out += node.text == "not" ? "not " : "-";
            WriteOperand(e, node.children[0], PrecedenceOf(node), out);
            return;
        case NodeKind::kBinary: {
            const int p = PrecedenceOf(node);
            // Left-associative: the right operand of an equal-precedence operator needs parentheses.
            // Comparisons do not chain, so both their sides bind tighter.
            WriteOperand(e, node.children[0], p == kComparison ? p + 1 : p, out);
            out += ' ' + node.text + ' ';
            WriteOperand(e, node.children[1], p + 1, out);
            return;
        }
        case NodeKind::kCall:
            out += node.text + '(';
            for (size_t i = 0; i < node.children.size(); ++i) {
                if (i > 0) out += ", ";
                Write(e, node.children[i], out);
            }
            out += ')';
            return;
        case NodeKind::kIndex:
            WriteOperand(e, node.children[0], kPostfix, out);
            out += '[';
            Write(e, node.children[1], out);
            out += ']';
            return;
    }
}

}  // namespace

std::expected<Expression, RuleError> Parse(std::string_view text) {
    if (text.size() > kMaxExpressionBytes) {
        return std::unexpected(RuleError{RuleErrorReason::kExpressionTooLarge, kMaxExpressionBytes,
                                         fmt::format("longer than {} bytes", kMaxExpressionBytes)});
    }
    auto tokens = Tokenize(text);
    if (!tokens) return std::unexpected(tokens.error());
    return Parser(text, std::move(*tokens)).Run();
}

std::string Normalise(const Expression& expression, int node) {
    std::string out;
    Write(expression, node, out);
    return out;
}

}  // namespace spark::rules
