#include "rules/compiler.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <map>
#include <tuple>

namespace spark::rules {
namespace {

constexpr std::pair<std::string_view, Op> kOperators[] = {
    {"+", Op::kAdd},    {"-", Op::kSubtract},   {"*", Op::kMultiply}, {"/", Op::kDivide},
    {"<", Op::kLess},   {"<=", Op::kLessEqual}, {">", Op::kGreater},  {">=", Op::kGreaterEqual},
    {"==", Op::kEqual}, {"!=", Op::kNotEqual},  {"and", Op::kAnd},    {"or", Op::kOr},
};

Op OperatorOp(std::string_view text) {
    for (const auto& [name, op] : kOperators) {
        if (name == text) return op;
    }
    return Op::kAdd;  // unreachable: the parser only makes the operators above
}

//! Bars of history an operation needs on top of its input's own (docs/strategy-language.md).
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

size_t SaturatingAdd(size_t a, size_t b) { return a >= kNever - b ? kNever : a + b; }

//! A 128-bit structural hash, two 64-bit lanes mixed with splitmix64's finaliser.
struct Hash128 {
    uint64_t a = 0x243F6A8885A308D3ULL;
    uint64_t b = 0x13198A2E03707344ULL;

    static uint64_t Mix(uint64_t x) {
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
        return x ^ (x >> 31);
    }
    void Fold(uint64_t x) {
        a = Mix(a ^ x);
        b = Mix(b + x * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL);
    }
};

class Compiler {
  public:
    Compiler(const CheckedRules& rules, const ParamValues& values) : rules_(rules), values_(values) {}

    Program Run() {
        for (size_t slot = 0; slot < kRuleSlots; ++slot) {
            if (!rules_.rules[slot]) continue;
            const CheckedExpression& e = *rules_.rules[slot];
            out_.outputs[slot] = Emit(e, e.expression.root);
        }
        // The last reader of each step, so the evaluator can reuse its buffer after that.
        for (size_t i = 0; i < out_.steps.size(); ++i) {
            for (const int in : out_.steps[i].inputs) {
                if (in >= 0) out_.steps[static_cast<size_t>(in)].last_use = i;
            }
        }
        size_t lookback = kNever;
        for (const RuleSlot slot : {kEntry, kEntryShort}) {
            const int step = out_.outputs[slot];
            if (step < 0) continue;
            out_.steps[static_cast<size_t>(step)].last_use = out_.steps.size();
            lookback = std::min(lookback, out_.steps[static_cast<size_t>(step)].first_true);
        }
        for (const RuleSlot slot : {kExit, kExitShort, kStopLoss, kTakeProfit, kStopLossShort, kTakeProfitShort}) {
            if (out_.outputs[slot] >= 0)
                out_.steps[static_cast<size_t>(out_.outputs[slot])].last_use = out_.steps.size();
        }
        // An entry that can never be true needs no history: it simply never fires.
        out_.lookback = lookback == kNever ? 0 : lookback;
        return std::move(out_);
    }

  private:
    double Bound(const Node& node) const {
        if (node.kind == NodeKind::kNumber) return node.number;
        const auto it = values_.find(node.text);
        if (it != values_.end()) return it->second;
        return rules_.FindParam(node.text)->default_value;
    }

    const Step& At(int index) const { return out_.steps[static_cast<size_t>(index)]; }

    //! When each input can first hold a value, be true and be false (docs/strategy-language.md
    //! "Lookback"); `and`, `or`, `not` and `iff` follow the three-valued logic of the kernels.
    void Timing(Step& step) const {
        if (step.scalar) {
            const bool constant = step.op == Op::kConstant;
            step.first_defined = 0;
            step.first_true = !constant || step.value == 1 ? 0 : kNever;
            step.first_false = !constant || step.value == 0 ? 0 : kNever;
            return;
        }
        size_t defined = 0;
        for (const int in : step.inputs) {
            if (in >= 0) defined = std::max(defined, At(in).first_defined);
        }
        defined = SaturatingAdd(defined, ExtraLookback(step));
        size_t t = defined;
        size_t f = defined;
        const auto input = [&](size_t k) -> const Step& { return At(step.inputs[k]); };
        switch (step.op) {
            case Op::kAnd:
                t = std::max(input(0).first_true, input(1).first_true);
                f = std::min(input(0).first_false, input(1).first_false);
                defined = std::min(t, f);
                break;
            case Op::kOr:
                t = std::min(input(0).first_true, input(1).first_true);
                f = std::max(input(0).first_false, input(1).first_false);
                defined = std::min(t, f);
                break;
            case Op::kNot:
                t = input(0).first_false;
                f = input(0).first_true;
                break;
            case Op::kShift:
                t = SaturatingAdd(input(0).first_true, step.windows[0]);
                f = SaturatingAdd(input(0).first_false, step.windows[0]);
                break;
            case Op::kIff: {
                const Step& c = input(0);
                const Step& a = input(1);
                const Step& b = input(2);
                defined = std::min(std::max(c.first_true, a.first_defined), std::max(c.first_false, b.first_defined));
                t = std::min(std::max(c.first_true, a.first_true), std::max(c.first_false, b.first_true));
                f = std::min(std::max(c.first_true, a.first_false), std::max(c.first_false, b.first_false));
                break;
            }
            case Op::kBarsSince:
                defined = t = f = input(0).first_true;
                break;
            default:
                break;
        }
        step.first_defined = defined;
        step.first_true = t;
        step.first_false = f;
    }

    //! Adds a step unless an identical one exists (same operation, bound windows and inputs),
    //! and returns its index.
    int Add(Step step) {
        const auto identity =
            std::make_tuple(step.op, step.inputs, step.windows, std::bit_cast<uint64_t>(step.value), step.price);
        if (const auto it = by_identity_.find(identity); it != by_identity_.end()) return it->second;
        bool all_scalar = true;
        Hash128 hash;
        hash.Fold(static_cast<uint64_t>(step.op));
        hash.Fold(static_cast<uint64_t>(step.price));
        hash.Fold(std::bit_cast<uint64_t>(step.value));
        for (const size_t w : step.windows) hash.Fold(w);
        for (const int in : step.inputs) {
            if (in < 0) continue;
            all_scalar = all_scalar && At(in).scalar;
            hash.Fold(hashes_[static_cast<size_t>(in)].a);
            hash.Fold(hashes_[static_cast<size_t>(in)].b);
        }
        // Windowed operations over a constant still have a warm-up; only elementwise ones fold.
        const OpFamily family = FamilyOf(step.op);
        step.scalar = all_scalar && (family == OpFamily::kConstant || family == OpFamily::kElementwise);
        step.key = fmt::format("{:016x}{:016x}", hash.a, hash.b);
        Timing(step);
        out_.steps.push_back(std::move(step));
        hashes_.push_back(hash);
        const int index = static_cast<int>(out_.steps.size() - 1);
        by_identity_.emplace(identity, index);
        return index;
    }

    int Emit(const CheckedExpression& e, int index) {
        const Node& node = e.expression.nodes[index];
        switch (node.kind) {
            case NodeKind::kNumber:
            case NodeKind::kParameter:
            case NodeKind::kString:  // refused by the checker
                return Add({.op = Op::kConstant, .value = Bound(node)});
            case NodeKind::kName: {
                if (node.text == "true" || node.text == "false") {
                    return Add({.op = Op::kConstant, .value = node.text == "true" ? 1.0 : 0.0});
                }
                if (const auto price = PriceOf(node.text)) return Add({.op = Op::kPrice, .price = *price});
                // A let: compiled once, whatever number of places use it.
                if (const auto it = lets_.find(node.text); it != lets_.end()) return it->second;
                const CheckedExpression& let = rules_.lets[rules_.let_index.at(node.text)];
                const int step = Emit(let, let.expression.root);
                lets_.emplace(node.text, step);
                return step;
            }
            case NodeKind::kUnary: {
                const int operand = Emit(e, node.children[0]);
                return Add({.op = node.text == "not" ? Op::kNot : Op::kNegate, .inputs = {operand, -1, -1}});
            }
            case NodeKind::kBinary: {
                const int left = Emit(e, node.children[0]);
                const int right = Emit(e, node.children[1]);
                return Add({.op = OperatorOp(node.text), .inputs = {left, right, -1}});
            }
            case NodeKind::kIndex: {
                const int operand = Emit(e, node.children[0]);
                const size_t n = static_cast<size_t>(Bound(e.expression.nodes[node.children[1]]));
                if (n == 0) return operand;
                return Add({.op = Op::kShift, .inputs = {operand, -1, -1}, .windows = {n, 0, 0}});
            }
            case NodeKind::kCall:
                break;
        }
        const FunctionSpec* f = FindFunction(node.text);
        if (f->op == Op::kHtf) return EmitHigher(e, node);
        Step step{.op = f->op};
        size_t inputs = 0;
        size_t windows = 0;
        for (size_t i = 0; i < f->args.size(); ++i) {
            const Node& argument = e.expression.nodes[node.children[i]];
            if (f->args[i] == ArgKind::kWindow) {
                step.windows[windows++] = static_cast<size_t>(Bound(argument));
            } else if (f->args[i] == ArgKind::kConstant) {
                step.value = Bound(argument);
            } else {
                step.inputs[inputs++] = Emit(e, node.children[i]);
            }
        }
        return Add(std::move(step));
    }

    //! htf(timeframe, x): x compiled as a program of its own, run on the higher timeframe's bars.
    int EmitHigher(const CheckedExpression& e, const Node& node) {
        Compiler inner(rules_, values_);
        const int root = inner.Emit(e, node.children[1]);
        inner.out_.outputs[0] = root;
        for (size_t i = 0; i < inner.out_.steps.size(); ++i) {
            for (const int in : inner.out_.steps[i].inputs) {
                if (in >= 0) inner.out_.steps[static_cast<size_t>(in)].last_use = i;
            }
        }
        inner.out_.steps[static_cast<size_t>(root)].last_use = inner.out_.steps.size();
        out_.higher.push_back(
            {e.expression.nodes[node.children[0]].text, std::make_shared<const Program>(std::move(inner.out_))});
        Step step{.op = Op::kHtf};
        step.windows[0] = out_.higher.size() - 1;
        return Add(std::move(step));
    }

    using Identity = std::tuple<Op, std::array<int, 3>, std::array<size_t, 3>, uint64_t, Price>;

    const CheckedRules& rules_;
    const ParamValues& values_;
    Program out_;
    std::vector<Hash128> hashes_;  //!< by step
    std::map<Identity, int> by_identity_;
    std::map<std::string, int> lets_;  //!< let name → its step
};

}  // namespace

Program Compile(const CheckedRules& rules, const ParamValues& values) { return Compiler(rules, values).Run(); }

}  // namespace spark::rules
