#include "rules/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace spark::rules {
namespace {

struct Elementwise {
    std::string_view text;
    Op op;
};

constexpr Elementwise kBinaryOps[] = {
    {"+", Op::kAdd},    {"-", Op::kSubtract},   {"*", Op::kMultiply}, {"/", Op::kDivide},
    {"<", Op::kLess},   {"<=", Op::kLessEqual}, {">", Op::kGreater},  {">=", Op::kGreaterEqual},
    {"==", Op::kEqual}, {"!=", Op::kNotEqual},  {"and", Op::kAnd},    {"or", Op::kOr},
};

struct CallOp {
    std::string_view name;
    Op op;
};

constexpr CallOp kCallOps[] = {
    {"sma", Op::kSma},
    {"ema", Op::kEma},
    {"wma", Op::kWma},
    {"rma", Op::kRma},
    {"rsi", Op::kRsi},
    {"roc", Op::kRoc},
    {"stdev", Op::kStdev},
    {"atr", Op::kAtr},
    {"highest", Op::kHighest},
    {"lowest", Op::kLowest},
    {"macd", Op::kMacd},
    {"macd_signal", Op::kMacdSignal},
    {"macd_hist", Op::kMacdHist},
    {"bb_upper", Op::kBbUpper},
    {"bb_middle", Op::kBbMiddle},
    {"bb_lower", Op::kBbLower},
    {"crossover", Op::kCrossover},
    {"crossunder", Op::kCrossunder},
    {"rising", Op::kRising},
    {"falling", Op::kFalling},
    {"change", Op::kChange},
    {"bars_since", Op::kBarsSince},
    {"abs", Op::kAbs},
    {"min", Op::kMin},
    {"max", Op::kMax},
    {"iff", Op::kIff},
    {"hour", Op::kHour},
    {"dayofweek", Op::kDayOfWeek},
};

constexpr std::pair<std::string_view, Price> kPrices[] = {
    {"open", Price::kOpen},     {"high", Price::kHigh}, {"low", Price::kLow},   {"close", Price::kClose},
    {"volume", Price::kVolume}, {"hl2", Price::kHl2},   {"hlc3", Price::kHlc3}, {"ohlc4", Price::kOhlc4},
};

//! Bars of history an indicator needs on top of its input's own (see docs/strategy-language.md).
size_t ExtraLookback(const Step& s) {
    const auto [a, b, c] = s.windows;
    switch (s.op) {
        case Op::kSma:
        case Op::kEma:
        case Op::kWma:
        case Op::kRma:
        case Op::kStdev:
        case Op::kHighest:
        case Op::kLowest:
        case Op::kBbUpper:
        case Op::kBbMiddle:
        case Op::kBbLower:
            return a - 1;
        case Op::kRsi:
        case Op::kRoc:
        case Op::kAtr:
        case Op::kRising:
        case Op::kFalling:
        case Op::kChange:
        case Op::kShift:
            return a;
        case Op::kMacd:
            return std::max(a, b) - 1;
        case Op::kMacdSignal:
        case Op::kMacdHist:
            return std::max(a, b) + c - 2;
        case Op::kCrossover:
        case Op::kCrossunder:
            return 1;
        default:
            return 0;
    }
}

class Compiler {
  public:
    Compiler(const CheckedRules& rules, const ParamValues& values) : rules_(rules), values_(values) {}

    std::expected<Program, RuleError> Run() {
        for (size_t slot = 0; slot < 4; ++slot) {
            if (!rules_.rules[slot]) continue;
            const CheckedExpression& e = *rules_.rules[slot];
            auto step = Emit(e, e.expression.root);
            if (!step) return std::unexpected(step.error());
            out_.outputs[slot] = *step;
        }
        const size_t entry = out_.steps[out_.outputs[kEntry]].first_defined;
        out_.lookback = out_.outputs[kEntryShort] < 0
                            ? entry
                            : std::min(entry, out_.steps[out_.outputs[kEntryShort]].first_defined);
        return std::move(out_);
    }

  private:
    using Emitted = std::expected<int, RuleError>;

    double Bound(const Node& node) const {
        if (node.kind == NodeKind::kNumber) return node.number;
        const auto it = values_.find(node.text);
        if (it != values_.end()) return it->second;
        return rules_.FindParam(node.text)->default_value;
    }

    //! Adds a step unless an identical one exists, and returns its index.
    int Add(Step step) {
        if (const auto it = by_key_.find(step.key); it != by_key_.end()) return it->second;
        step.shared = step.shared || IsIndicator(step.op);
        size_t first = 0;
        bool all_scalar = true;
        size_t inputs = 0;
        for (const int in : step.inputs) {
            if (in < 0) continue;
            ++inputs;
            first = std::max(first, out_.steps[in].first_defined);
            all_scalar = all_scalar && out_.steps[in].scalar;
        }
        if (step.op == Op::kOr && inputs == 2) {
            first = std::min(out_.steps[step.inputs[0]].first_defined, out_.steps[step.inputs[1]].first_defined);
        }
        if (step.op == Op::kIff) {
            first =
                std::max(out_.steps[step.inputs[0]].first_defined,
                         std::min(out_.steps[step.inputs[1]].first_defined, out_.steps[step.inputs[2]].first_defined));
        }
        // Windowed operations over a constant still have a warm-up; only elementwise ones fold.
        const OpFamily family = FamilyOf(step.op);
        step.scalar = all_scalar && (family == OpFamily::kConstant || family == OpFamily::kElementwise);
        step.first_defined = step.scalar ? 0 : first + ExtraLookback(step);
        out_.steps.push_back(std::move(step));
        const int index = static_cast<int>(out_.steps.size() - 1);
        by_key_.emplace(out_.steps.back().key, index);
        return index;
    }

    std::string KeyOf(int step) const { return out_.steps[step].key; }

    Emitted Emit(const CheckedExpression& e, int index) {
        const Node& node = e.expression.nodes[index];
        switch (node.kind) {
            case NodeKind::kNumber:
            case NodeKind::kParameter: {
                const double v = Bound(node);
                return Add({.op = Op::kConstant, .value = v, .key = fmt::format("{}", v)});
            }
            case NodeKind::kString:
                break;  // refused by the checker
            case NodeKind::kName: {
                if (node.text == "true" || node.text == "false") {
                    return Add({.op = Op::kConstant, .value = node.text == "true" ? 1.0 : 0.0, .key = node.text});
                }
                for (const auto& [name, price] : kPrices) {
                    if (node.text == name)
                        return Add({.op = Op::kPrice, .price = price, .shared = true, .key = node.text});
                }
                // A let: compiled once, whatever number of places use it.
                if (const auto it = lets_.find(node.text); it != lets_.end()) return it->second;
                const CheckedExpression& let = rules_.lets[rules_.let_index.at(node.text)];
                auto step = Emit(let, let.expression.root);
                if (step) lets_.emplace(node.text, *step);
                return step;
            }
            case NodeKind::kUnary: {
                auto operand = Emit(e, node.children[0]);
                if (!operand) return operand;
                const bool is_not = node.text == "not";
                return Add({.op = is_not ? Op::kNot : Op::kNegate,
                            .inputs = {*operand, -1, -1},
                            .key = fmt::format("{}({})", is_not ? "not" : "neg", KeyOf(*operand))});
            }
            case NodeKind::kBinary: {
                auto left = Emit(e, node.children[0]);
                if (!left) return left;
                auto right = Emit(e, node.children[1]);
                if (!right) return right;
                Op op = Op::kAdd;
                for (const auto& b : kBinaryOps) {
                    if (b.text == node.text) op = b.op;
                }
                return Add({.op = op,
                            .inputs = {*left, *right, -1},
                            .key = fmt::format("({} {} {})", KeyOf(*left), node.text, KeyOf(*right))});
            }
            case NodeKind::kIndex: {
                auto operand = Emit(e, node.children[0]);
                if (!operand) return operand;
                const size_t n = static_cast<size_t>(Bound(e.expression.nodes[node.children[1]]));
                if (n == 0) return operand;
                return Add({.op = Op::kShift,
                            .inputs = {*operand, -1, -1},
                            .windows = {n, 0, 0},
                            .key = fmt::format("{}[{}]", KeyOf(*operand), n)});
            }
            case NodeKind::kCall:
                return EmitCall(e, index);
        }
        return std::unexpected(
            RuleError{RuleErrorReason::kTypeMismatch, node.position, "cannot compile", e.field, e.expression.text});
    }

    Emitted EmitCall(const CheckedExpression& e, int index) {
        const Node& node = e.expression.nodes[index];
        const FunctionSpec* f = FindFunction(node.text);
        Step step;
        for (const auto& c : kCallOps) {
            if (c.name == node.text) step.op = c.op;
        }
        std::string key = std::string(node.text) + "(";
        size_t inputs = 0;
        size_t windows = 0;
        for (size_t i = 0; i < f->args.size(); ++i) {
            if (i > 0) key += ',';
            const Node& argument = e.expression.nodes[node.children[i]];
            if (f->args[i] == ArgKind::kWindow) {
                const size_t n = static_cast<size_t>(Bound(argument));
                step.windows[windows++] = n;
                key += fmt::format("{}", n);
            } else if (f->args[i] == ArgKind::kConstant) {
                step.value = Bound(argument);
                key += fmt::format("{}", step.value);
            } else {
                auto in = Emit(e, node.children[i]);
                if (!in) return in;
                step.inputs[inputs++] = *in;
                key += KeyOf(*in);
            }
        }
        key += ')';
        step.key = std::move(key);
        const bool macd = step.op == Op::kMacd || step.op == Op::kMacdSignal || step.op == Op::kMacdHist;
        if (macd && step.windows[0] >= step.windows[1]) {
            return std::unexpected(RuleError{RuleErrorReason::kInvalidWindow, node.position,
                                             fmt::format("{} needs its fast window below its slow one, got {} and {}",
                                                         node.text, step.windows[0], step.windows[1]),
                                             e.field, e.expression.text});
        }
        return Add(std::move(step));
    }

    const CheckedRules& rules_;
    const ParamValues& values_;
    Program out_;
    std::map<std::string, int> by_key_;
    std::map<std::string, int> lets_;  //!< let name → its step
};

}  // namespace

std::expected<Program, RuleError> Compile(const CheckedRules& rules, const ParamValues& values) {
    return Compiler(rules, values).Run();
}

}  // namespace spark::rules
