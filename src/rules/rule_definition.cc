#include "rules/rule_definition.h"

#include <fmt/format.h>

#include <map>

#include "rules/compiler.h"
#include "rules/rule_strategy.h"

namespace spark::rules {
namespace {

const std::map<std::string, RuleSource, std::less<>>& Twins() {
    static const std::map<std::string, RuleSource, std::less<>> twins = {
        {"sma_cross",
         {.params = {{"fast", 10}, {"slow", 30}},
          .entry = "crossover(sma(close, $fast), sma(close, $slow))",
          .entry_short = "crossunder(sma(close, $fast), sma(close, $slow))"}},
        {"ema_cross",
         {.params = {{"fast", 12}, {"slow", 26}},
          .entry = "crossover(ema(close, $fast), ema(close, $slow))",
          .entry_short = "crossunder(ema(close, $fast), ema(close, $slow))"}},
        {"macd_cross",
         {.params = {{"fast", 12}, {"slow", 26}, {"signal", 9}},
          .lets = {{"line", "macd(close, $fast, $slow)"}, {"signal_line", "macd_signal(close, $fast, $slow, $signal)"}},
          .entry = "crossover(line, signal_line)",
          .entry_short = "crossunder(line, signal_line)"}},
        {"rsi_reversion",
         {.params = {{"period", 14}, {"lower", 30}, {"upper", 70}},
          .entry = "rsi(close, $period) < $lower",
          .entry_short = "rsi(close, $period) > $upper"}},
        {"bollinger_reversion",
         {.params = {{"period", 20}, {"k", 2}},
          .entry = "close < bb_lower(close, $period, $k)",
          .exit = "close >= bb_middle(close, $period)",
          .entry_short = "close > bb_upper(close, $period, $k)",
          .exit_short = "close <= bb_middle(close, $period)"}},
        {"donchian_breakout",
         {.params = {{"entry", 20}, {"exit", 10}},
          .entry = "close > highest(high, $entry)[1]",
          .exit = "close < lowest(low, $exit)[1]",
          .entry_short = "close < lowest(low, $entry)[1]",
          .exit_short = "close > highest(high, $exit)[1]"}},
        {"buy_and_hold", {.entry = "true"}},
    };
    return twins;
}

}  // namespace

Error ToError(const RuleError& error) {
    Error out(ErrorCode::kInvalidRequest, FormatWithCaret(error), error.field,
              std::string(RuleErrorReasonName(error.reason)));
    out.numbers = {{"position", static_cast<double>(error.position)}};
    return out;
}

std::expected<RulesStrategy, RuleError> MakeRulesStrategy(const RuleSource& source) {
    auto checked = Check(source);
    if (!checked) return std::unexpected(checked.error());
    auto rules = std::make_shared<const CheckedRules>(std::move(*checked));
    // The declared defaults must make a runnable strategy on their own (a MACD with fast >= slow
    // is caught here, before any grid).
    if (auto ok = CheckBinding(*rules, {}); !ok) return std::unexpected(ok.error());

    auto definition = std::make_shared<StrategyDefinition>();
    definition->name = "rules";
    definition->description = "rules sent with the request";
    for (const ParamDeclaration& p : rules->params) {
        const bool whole = p.window || p.offset;
        definition->params.push_back({.name = p.name,
                                      .type = whole ? ParamType::kInteger : ParamType::kNumber,
                                      .default_value = p.default_value,
                                      .min = whole ? (p.window ? 1.0 : 0.0) : -kMaxParamValue,
                                      .max = whole ? kMaxWindow : kMaxParamValue,
                                      .description = p.window   ? "a window, in bars"
                                                     : p.offset ? "a bar offset"
                                                                : "a value"});
    }
    if (!rules->ordered_windows.empty()) definition->constraint = "each MACD's fast window below its slow one";
    // Checking a binding compares bound windows, without compiling: a grid checks every raw
    // combination before the cap refuses it.
    definition->check_constraint = [rules](const ParamValues& values) -> Result<void> {
        if (auto ok = CheckBinding(*rules, values); !ok) return std::unexpected(ToError(ok.error()));
        return {};
    };
    definition->create = [rules](const ParamValues& values) -> std::unique_ptr<Strategy> {
        return std::make_unique<RuleStrategy>(std::make_shared<const Program>(Compile(*rules, values)));
    };
    return RulesStrategy{std::move(rules), std::move(definition)};
}

const RuleSource* TwinOf(std::string_view builtin) {
    const auto it = Twins().find(builtin);
    return it == Twins().end() ? nullptr : &it->second;
}

}  // namespace spark::rules
