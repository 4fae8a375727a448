#include "rules/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/bounded_text.h"
#include "common/closest_name.h"
#include "common/interval.h"
#include "rules/parser.h"

namespace spark::rules {
namespace {

bool IsIdentifier(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

bool IsWholeNumber(double value, double min, double max) {
    return std::isfinite(value) && value == std::trunc(value) && value >= min && value <= max;
}

class Checker {
  public:
    explicit Checker(const RuleSource& source) : source_(source) {}

    std::expected<CheckedRules, RuleError> Run() {
        if (auto ok = CheckDeclarations(); !ok) return std::unexpected(ok.error());
        // Every let is checked (and typed) on first use, or here if no rule uses it.
        for (const auto& [name, text] : source_.lets) {
            if (auto type = LetType(name, 0, nullptr); !type) return std::unexpected(type.error());
        }
        const std::array<const std::optional<std::string>*, kRuleSlots> texts = {nullptr,
                                                                                 &source_.exit,
                                                                                 &source_.entry_short,
                                                                                 &source_.exit_short,
                                                                                 &source_.stop_loss,
                                                                                 &source_.take_profit,
                                                                                 &source_.stop_loss_short,
                                                                                 &source_.take_profit_short};
        for (size_t slot = 0; slot < kRuleSlots; ++slot) {
            const std::string* text =
                slot == kEntry ? &source_.entry : (texts[slot]->has_value() ? &**texts[slot] : nullptr);
            if (text == nullptr) continue;
            auto checked = CheckExpression(kRuleFields[slot], std::string("strategy.") + kRuleFields[slot], *text);
            if (!checked) return std::unexpected(checked.error());
            const bool level = IsLevelSlot(slot);
            if (level && checked->types[checked->expression.root] != ValueType::kNumber) {
                return Fail(*checked, checked->expression.root, RuleErrorReason::kTypeMismatch,
                            fmt::format("{} must be a price level (e.g. close - 2 * atr(14)), got a condition",
                                        kRuleFields[slot]));
            }
            if (!level && checked->types[checked->expression.root] != ValueType::kCondition) {
                return Fail(*checked, checked->expression.root, RuleErrorReason::kTypeMismatch,
                            fmt::format("{} must be a condition (e.g. close > sma(close, 20)), got a number",
                                        kRuleFields[slot]));
            }
            out_.rules[slot] = std::move(*checked);
        }
        // Every parameter's default must suit the way it is used.
        for (ParamDeclaration& p : out_.params) {
            if (auto ok = CheckDefault(p, p.default_value, "strategy.params." + p.name); !ok) {
                return std::unexpected(ok.error());
            }
        }
        out_.functions.assign(functions_.begin(), functions_.end());
        return std::move(out_);
    }

  private:
    using Typed = std::expected<ValueType, RuleError>;

    std::expected<void, RuleError> CheckDeclarations() {
        if (source_.params.size() > kMaxParams) {
            return std::unexpected(RuleError{RuleErrorReason::kExpressionTooLarge, 0,
                                             fmt::format("at most {} parameters", kMaxParams), "strategy.params"});
        }
        if (source_.lets.size() > kMaxLets) {
            return std::unexpected(RuleError{RuleErrorReason::kExpressionTooLarge, 0,
                                             fmt::format("at most {} let names", kMaxLets), "strategy.let"});
        }
        for (const auto& [name, value] : source_.params) {
            // Valid names are short identifiers; an invalid one is echoed cut (it may be anything).
            const std::string field = "strategy.params." + TruncateForEcho(name);
            if (!IsIdentifier(name)) {
                return std::unexpected(RuleError{
                    RuleErrorReason::kSyntaxError, 0,
                    "a parameter name is 1 to 64 characters: a letter or _, then letters, digits or _", field});
            }
            if (!std::isfinite(value)) {
                return std::unexpected(RuleError{RuleErrorReason::kTypeMismatch, 0, "must be a finite number", field});
            }
            // An optimize grid searches engine options under these names beside the parameters.
            if (name == "stopLossPct" || name == "takeProfitPct" || name == "trailingStopPct" ||
                name == "maxBarsInTrade") {
                return std::unexpected(RuleError{
                    RuleErrorReason::kNameTaken, 0,
                    fmt::format("`{}` names an engine option a grid can search; choose another name", name), field});
            }
            out_.params.push_back({name, value});
        }
        for (const auto& [name, text] : source_.lets) {
            const std::string field = "strategy.let." + TruncateForEcho(name);
            if (!IsIdentifier(name)) {
                return std::unexpected(
                    RuleError{RuleErrorReason::kSyntaxError, 0,
                              "a let name is 1 to 64 characters: a letter or _, then letters, digits or _", field});
            }
            if (IsReservedWord(name)) {
                return std::unexpected(RuleError{RuleErrorReason::kNameTaken, 0,
                                                 fmt::format("`{}` is a built-in name; choose another", name), field});
            }
        }
        return {};
    }

    std::expected<void, RuleError> CheckDefault(const ParamDeclaration& p, double value,
                                                const std::string& field) const {
        if (p.window && !IsWholeNumber(value, 1, kMaxWindow)) {
            return std::unexpected(
                RuleError{RuleErrorReason::kInvalidWindow, 0,
                          fmt::format("${} is used as a window: it must be a whole number from 1 to {}, got {}", p.name,
                                      kMaxWindow, value),
                          field});
        }
        if (!(std::fabs(value) <= kMaxParamValue)) {
            return std::unexpected(
                RuleError{RuleErrorReason::kTypeMismatch, 0,
                          fmt::format("${} must be within ±{:g}, got {}", p.name, kMaxParamValue, value), field});
        }
        if (p.offset && !IsWholeNumber(value, 0, kMaxWindow)) {
            return std::unexpected(
                RuleError{RuleErrorReason::kInvalidWindow, 0,
                          fmt::format("${} is used as a bar offset: it must be a whole number from 0 to {}, got {}",
                                      p.name, kMaxWindow, value),
                          field});
        }
        return {};
    }

    std::unexpected<RuleError> Fail(const CheckedExpression& e, int node, RuleErrorReason reason,
                                    std::string message) const {
        return std::unexpected(
            RuleError{reason, e.expression.nodes[node].position, std::move(message), e.field, e.expression.text});
    }

    std::expected<CheckedExpression, RuleError> CheckExpression(std::string name, std::string field,
                                                                const std::string& text) {
        auto parsed = Parse(text);
        if (!parsed) {
            RuleError error = parsed.error();
            error.field = field;
            error.expression = text;
            return std::unexpected(std::move(error));
        }
        CheckedExpression checked{std::move(name), std::move(field), std::move(*parsed), {}, {}};
        checked.types.assign(checked.expression.nodes.size(), ValueType::kNumber);
        if (auto type = Visit(checked, checked.expression.root); !type) return std::unexpected(type.error());
        checked.normalised = Normalise(checked.expression, checked.expression.root);
        checked.expanded_nodes = checked.expression.nodes.size();
        for (const Node& node : checked.expression.nodes) {
            if (node.kind != NodeKind::kName) continue;
            if (const auto it = out_.let_index.find(node.text); it != out_.let_index.end()) {
                checked.expanded_nodes += out_.lets[it->second].expanded_nodes;
            }
        }
        if (checked.expanded_nodes > kMaxExpandedNodes) {
            return std::unexpected(RuleError{
                RuleErrorReason::kExpressionTooLarge, 0,
                fmt::format("stands for more than {} nodes once its let names are written out", kMaxExpandedNodes),
                checked.field, checked.expression.text});
        }
        return checked;
    }

    //! The type of a let, checking it first if needed. `path` is the chain of lets being checked
    //! (to name a cycle); `from`/`node` say where the reference was made, for the error.
    Typed LetType(const std::string& name, int node, const CheckedExpression* from) {
        if (const auto it = out_.let_index.find(name); it != out_.let_index.end()) {
            const CheckedExpression& let = out_.lets[it->second];
            return let.types[let.expression.root];
        }
        if (const auto cycle = std::find(path_.begin(), path_.end(), name); cycle != path_.end()) {
            std::string chain;
            for (auto it = cycle; it != path_.end(); ++it) chain += *it + " → ";
            chain += name;
            const std::string message = fmt::format("`{}` refers back to itself: {}", name, chain);
            if (from != nullptr) return Fail(*from, node, RuleErrorReason::kCyclicLet, message);
            return std::unexpected(RuleError{RuleErrorReason::kCyclicLet, 0, message, "strategy.let." + name});
        }
        const auto source =
            std::find_if(source_.lets.begin(), source_.lets.end(), [&](const auto& let) { return let.first == name; });
        path_.push_back(name);
        auto checked = CheckExpression(name, "strategy.let." + name, source->second);
        path_.pop_back();
        if (!checked) return std::unexpected(checked.error());
        const ValueType type = checked->types[checked->expression.root];
        out_.let_index[name] = out_.lets.size();
        out_.lets.push_back(std::move(*checked));
        return type;
    }

    bool IsLet(const std::string& name) const {
        return std::any_of(source_.lets.begin(), source_.lets.end(),
                           [&](const auto& let) { return let.first == name; });
    }

    std::vector<std::string> KnownNames() const {
        std::vector<std::string> names(PriceSeries().begin(), PriceSeries().end());
        for (const auto& [name, text] : source_.lets) names.push_back(name);
        names.push_back("true");
        names.push_back("false");
        return names;
    }

    Typed Expect(CheckedExpression& e, int node, ValueType wanted) {
        auto type = Visit(e, node);
        if (!type) return type;
        if (*type != wanted) {
            return Fail(e, node, RuleErrorReason::kTypeMismatch,
                        fmt::format("expected {}, got {}", ValueTypeName(wanted), ValueTypeName(*type)));
        }
        return type;
    }

    Typed Visit(CheckedExpression& e, int index) {
        auto type = VisitNode(e, index);
        if (type) e.types[index] = *type;
        return type;
    }

    Typed VisitNode(CheckedExpression& e, int index) {
        const Node& node = e.expression.nodes[index];
        switch (node.kind) {
            case NodeKind::kNumber:
                return ValueType::kNumber;
            case NodeKind::kString:
                return Fail(e, index, RuleErrorReason::kTypeMismatch,
                            "a string is only accepted where a function takes a timeframe");
            case NodeKind::kParameter:
                return UseParameter(e, index, Use::kValue);
            case NodeKind::kName: {
                if (IsPriceSeries(node.text)) return ValueType::kNumber;
                if (node.text == "true" || node.text == "false") return ValueType::kCondition;
                if (IsLet(node.text)) return LetType(node.text, index, &e);
                if (const FunctionSpec* f = FindFunction(node.text); f != nullptr) {
                    return Fail(e, index, RuleErrorReason::kUnknownName,
                                fmt::format("`{}` is a function: call it, e.g. `{}({})`", node.text, node.text,
                                            f->args.empty() ? "" : "..."));
                }
                const std::string suggestion = ClosestName(node.text, KnownNames());
                return Fail(e, index, RuleErrorReason::kUnknownName,
                            fmt::format("unknown name `{}`{}", node.text,
                                        suggestion.empty() ? "; names are price series (open high low close volume "
                                                             "hl2 hlc3 ohlc4), let names and true/false"
                                                           : fmt::format("; did you mean `{}`?", suggestion)));
            }
            case NodeKind::kUnary:
                if (node.text == "not") return Expect(e, node.children[0], ValueType::kCondition);
                return Expect(e, node.children[0], ValueType::kNumber);
            case NodeKind::kBinary: {
                const std::string& op = node.text;
                const bool logical = op == "and" || op == "or";
                const ValueType operand = logical ? ValueType::kCondition : ValueType::kNumber;
                if (auto left = Expect(e, node.children[0], operand); !left) return left;
                if (auto right = Expect(e, node.children[1], operand); !right) return right;
                const bool arithmetic = op == "+" || op == "-" || op == "*" || op == "/";
                return arithmetic ? ValueType::kNumber : ValueType::kCondition;
            }
            case NodeKind::kIndex: {
                auto type = Visit(e, node.children[0]);
                if (!type) return type;
                const int offset = node.children[1];
                if (e.expression.nodes[offset].kind == NodeKind::kParameter) {
                    if (auto ok = UseParameter(e, offset, Use::kOffset); !ok) return std::unexpected(ok.error());
                } else if (!IsWholeNumber(e.expression.nodes[offset].number, 0, kMaxWindow)) {
                    return Fail(e, offset, RuleErrorReason::kInvalidWindow,
                                fmt::format("a bar offset is a whole number from 0 to {}", kMaxWindow));
                }
                return type;
            }
            case NodeKind::kCall:
                return VisitCall(e, index);
        }
        return ValueType::kNumber;
    }

    enum class Use { kValue, kWindow, kOffset };

    Typed UseParameter(CheckedExpression& e, int index, Use use) {
        const std::string& name = e.expression.nodes[index].text;
        auto it = std::find_if(out_.params.begin(), out_.params.end(), [&](const auto& p) { return p.name == name; });
        if (it == out_.params.end()) {
            std::vector<std::string> declared;
            for (const auto& p : out_.params) declared.push_back(p.name);
            const std::string suggestion = ClosestName(name, declared);
            return Fail(e, index, RuleErrorReason::kUnknownName,
                        fmt::format("unknown parameter `${}`{}", name,
                                    suggestion.empty() ? "; declare it in strategy.params"
                                                       : fmt::format("; did you mean `${}`?", suggestion)));
        }
        if (use == Use::kWindow) it->window = true;
        if (use == Use::kOffset) it->offset = true;
        return ValueType::kNumber;
    }

    Typed VisitCall(CheckedExpression& e, int index) {
        const Node& node = e.expression.nodes[index];
        const FunctionSpec* f = FindFunction(node.text);
        if (f == nullptr) {
            std::vector<std::string> names;
            for (const FunctionSpec& spec : Functions()) names.emplace_back(spec.name);
            const std::string suggestion = ClosestName(node.text, names);
            std::string hint = suggestion.empty() ? "; the functions are listed in docs/strategy-language.md"
                                                  : fmt::format("; did you mean `{}`?", suggestion);
            if (IsPriceSeries(node.text) || IsLet(node.text)) {
                hint = fmt::format("; `{}` is a series: use `{}[n]` for its value n bars ago", node.text, node.text);
            }
            return Fail(e, index, RuleErrorReason::kUnknownFunction,
                        fmt::format("unknown function `{}`{}", node.text, hint));
        }
        functions_.insert(std::string(f->name));
        if (node.children.size() != f->args.size()) {
            return Fail(e, index, RuleErrorReason::kWrongArity,
                        fmt::format("{} takes {} argument{}, got {}", f->name, f->args.size(),
                                    f->args.size() == 1 ? "" : "s", node.children.size()));
        }
        std::optional<ValueType> same;
        for (size_t i = 0; i < f->args.size(); ++i) {
            const int arg = node.children[i];
            const Node& argument = e.expression.nodes[arg];
            switch (f->args[i]) {
                case ArgKind::kNumber:
                    if (auto ok = Expect(e, arg, ValueType::kNumber); !ok) return ok;
                    break;
                case ArgKind::kCondition:
                    if (auto ok = Expect(e, arg, ValueType::kCondition); !ok) return ok;
                    break;
                case ArgKind::kSame: {
                    auto type = same ? Expect(e, arg, *same) : Visit(e, arg);
                    if (!type) return type;
                    same = *type;
                    break;
                }
                case ArgKind::kWindow:
                    if (argument.kind == NodeKind::kParameter) {
                        if (auto ok = UseParameter(e, arg, Use::kWindow); !ok) return ok;
                    } else if (argument.kind != NodeKind::kNumber) {
                        return Fail(e, arg, RuleErrorReason::kInvalidWindow,
                                    fmt::format("the window of {} is a whole number or a $parameter, not an "
                                                "expression",
                                                f->name));
                    } else if (!IsWholeNumber(argument.number, 1, kMaxWindow)) {
                        return Fail(e, arg, RuleErrorReason::kInvalidWindow,
                                    fmt::format("the window of {} is a whole number from 1 to {}, got {}", f->name,
                                                kMaxWindow, argument.number));
                    }
                    e.types[arg] = ValueType::kNumber;
                    break;
                case ArgKind::kTimeframe: {
                    const std::optional<Interval> timeframe =
                        argument.kind == NodeKind::kString ? Interval::Parse(argument.text) : std::nullopt;
                    if (!timeframe) {
                        return Fail(
                            e, arg, RuleErrorReason::kTypeMismatch,
                            fmt::format(
                                "the timeframe of {} is a Binance interval in quotes, e.g. \"4h\" or "
                                "\"1d\"{}",
                                f->name,
                                argument.kind == NodeKind::kString ? fmt::format(", not \"{}\"", argument.text) : ""));
                    }
                    if (!htf_context_.empty() && !htf_context_.back().Divides(*timeframe)) {
                        return Fail(
                            e, arg, RuleErrorReason::kTypeMismatch,
                            fmt::format("inside htf(\"{}\", ...) a nested htf needs a coarser timeframe made "
                                        "of whole {} bars, not \"{}\"",
                                        htf_context_.back().Name(), htf_context_.back().Name(), timeframe->Name()));
                    }
                    e.types[arg] = ValueType::kNumber;
                    out_.timeframes.insert(std::string(timeframe->Name()));
                    htf_context_.push_back(*timeframe);  // the expression that follows runs on its bars
                    break;
                }
                case ArgKind::kConstant:
                    if (argument.kind == NodeKind::kParameter) {
                        if (auto ok = UseParameter(e, arg, Use::kValue); !ok) return ok;
                    } else if (argument.kind != NodeKind::kNumber) {
                        return Fail(
                            e, arg, RuleErrorReason::kTypeMismatch,
                            fmt::format("this argument of {} is a number or a $parameter, not an expression", f->name));
                    }
                    e.types[arg] = ValueType::kNumber;
                    break;
            }
        }
        if (f->op == Op::kMacd || f->op == Op::kMacdSignal || f->op == Op::kMacdHist) {
            const auto ref = [&](int arg) {
                const Node& n = e.expression.nodes[arg];
                return n.kind == NodeKind::kParameter ? WindowRef{n.text, 0} : WindowRef{"", n.number};
            };
            out_.ordered_windows.push_back({ref(node.children[1]), ref(node.children[2]), std::string(f->name), e.field,
                                            e.expression.text, node.position});
        }
        if (f->op == Op::kHtf) htf_context_.pop_back();
        return same && (f->name == "iff" || f->name == "htf") ? *same : f->result;
    }

    const RuleSource& source_;
    CheckedRules out_;
    std::vector<Interval> htf_context_;  //!< the timeframes of the htf calls being checked, outermost first
    std::vector<std::string> path_;
    std::set<std::string> functions_;
};

}  // namespace

const ParamDeclaration* CheckedRules::FindParam(std::string_view name) const {
    for (const ParamDeclaration& p : params) {
        if (p.name == name) return &p;
    }
    return nullptr;
}

std::expected<CheckedRules, RuleError> Check(const RuleSource& source) { return Checker(source).Run(); }

std::expected<void, RuleError> CheckBinding(const CheckedRules& rules, const ParamValues& values) {
    const auto bound = [&](const WindowRef& w) {
        if (w.param.empty()) return w.literal;
        const auto it = values.find(w.param);
        return it != values.end() ? it->second : rules.FindParam(w.param)->default_value;
    };
    for (const OrderedWindows& o : rules.ordered_windows) {
        const double fast = bound(o.fast);
        const double slow = bound(o.slow);
        if (fast >= slow) {
            return std::unexpected(RuleError{
                RuleErrorReason::kInvalidWindow, o.position,
                fmt::format("{} needs its fast window below its slow one, got {} and {}", o.function, fast, slow),
                o.field, o.expression});
        }
    }
    return {};
}

}  // namespace spark::rules
