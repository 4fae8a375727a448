#include "api/strategy/strategy_choice.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/json/json_fields.h"
#include "common/bounded_text.h"
#include "rules/rule_definition.h"

namespace spark::api {
namespace {

using nlohmann::json;

//! A built-in from the registry, shared without owning (the registry lives for the process).
std::shared_ptr<const StrategyDefinition> BuiltInDefinition(const StrategyDefinition* definition) {
    return {std::shared_ptr<const StrategyDefinition>(), definition};
}

Result<StrategyChoice> BuiltIn(const std::string& name, ParamValues given) {
    const StrategyDefinition* definition = StrategyRegistry::BuiltIn().Find(name);
    if (definition == nullptr) {
        // Resolve words the unknown name with the list of strategies.
        return std::unexpected(StrategyRegistry::BuiltIn().Resolve(name, {}).error());
    }
    return StrategyChoice{name, BuiltInDefinition(definition), nullptr, std::move(given)};
}

Result<void> ReadNumbers(const json& object, const std::string& field, ParamValues* out,
                         std::vector<std::pair<std::string, double>>* ordered) {
    if (!object.is_object()) {
        return Invalid(field, fmt::format("{} must be an object of numbers, got {}", field, TypeName(object)),
                       "WRONG_TYPE");
    }
    for (const auto& [key, value] : object.items()) {
        if (!value.is_number()) {
            return Invalid(field + "." + TruncateForEcho(key),
                           fmt::format("{}.{} must be a number, got {}", field, TruncateForEcho(key), TypeName(value)),
                           "WRONG_TYPE");
        }
        if (out != nullptr) (*out)[key] = value.get<double>();
        if (ordered != nullptr) ordered->emplace_back(key, value.get<double>());
    }
    return {};
}

Result<void> ReadText(const json& strategy, const char* key, std::optional<std::string>& out) {
    const auto it = strategy.find(key);
    if (it == strategy.end() || it->is_null()) return {};
    const std::string field = std::string("strategy.") + key;
    if (!it->is_string()) {
        return Invalid(field, fmt::format("{} must be a string holding an expression, got {}", field, TypeName(*it)),
                       "WRONG_TYPE");
    }
    out = it->get<std::string>();
    return {};
}

Result<StrategyChoice> ReadRules(const json& strategy) {
    rules::RuleSource source;
    if (const auto it = strategy.find("params"); it != strategy.end() && !it->is_null()) {
        if (auto ok = ReadNumbers(*it, "strategy.params", nullptr, &source.params); !ok) {
            return std::unexpected(ok.error());
        }
    }
    if (const auto it = strategy.find("let"); it != strategy.end() && !it->is_null()) {
        if (!it->is_object()) {
            return Invalid("strategy.let",
                           fmt::format("strategy.let must be an object of named expressions, got {}", TypeName(*it)),
                           "WRONG_TYPE");
        }
        for (const auto& [name, text] : it->items()) {
            if (!text.is_string()) {
                return Invalid("strategy.let." + TruncateForEcho(name),
                               fmt::format("strategy.let.{} must be a string holding an expression, got {}",
                                           TruncateForEcho(name), TypeName(text)),
                               "WRONG_TYPE");
            }
            source.lets.emplace_back(name, text.get<std::string>());
        }
    }
    std::optional<std::string> entry;
    if (auto ok = ReadText(strategy, "entry", entry); !ok) return std::unexpected(ok.error());
    source.entry = entry.value_or("");
    if (auto ok = ReadText(strategy, "exit", source.exit); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "entryShort", source.entry_short); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "exitShort", source.exit_short); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "stopLoss", source.stop_loss); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "takeProfit", source.take_profit); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "stopLossShort", source.stop_loss_short); !ok) return std::unexpected(ok.error());
    if (auto ok = ReadText(strategy, "takeProfitShort", source.take_profit_short); !ok)
        return std::unexpected(ok.error());
    auto made = rules::MakeRulesStrategy(source);
    if (!made) return std::unexpected(rules::ToError(made.error()));
    return StrategyChoice{"rules", std::move(made->definition), std::move(made->checked), {}};
}

constexpr std::string_view kRuleKeys[] = {"params",    "let",      "entry",      "exit",          "entryShort",
                                          "exitShort", "stopLoss", "takeProfit", "stopLossShort", "takeProfitShort"};

}  // namespace

Result<StrategyChoice> ReadStrategy(const json& body, const std::string& default_name) {
    const auto it = body.find("strategy");
    if (it == body.end()) return BuiltIn(default_name, {});
    if (it->is_string()) return BuiltIn(it->get<std::string>(), {});
    if (!it->is_object()) {
        return Invalid("strategy",
                       fmt::format("strategy must be a name, an object {{name, params}}, or rules {{entry, ...}}, "
                                   "got {}",
                                   TypeName(*it)),
                       "WRONG_TYPE");
    }
    const bool has_name = it->contains("name");
    const bool has_entry = it->contains("entry");
    for (const auto& [key, value] : it->items()) {
        const bool rule_key = std::find(std::begin(kRuleKeys), std::end(kRuleKeys), key) != std::end(kRuleKeys);
        if (key == "name" || key == "params") continue;
        if (!rule_key) {
            return Invalid(
                "strategy." + TruncateForEcho(key),
                fmt::format(
                    "unknown field strategy.{} (a built-in takes name, params; rules take params, "
                    "let, entry, exit, entryShort, exitShort, stopLoss, takeProfit, stopLossShort, takeProfitShort)",
                    TruncateForEcho(key)),
                "UNKNOWN_FIELD");
        }
        if (has_name) {
            return Invalid("strategy." + key,
                           fmt::format("strategy.{} belongs to rules, but strategy.name names a built-in: send "
                                       "either name (and params) or entry (and the other rules)",
                                       key),
                           has_entry ? "CONFLICTING_FIELDS" : "UNKNOWN_FIELD");
        }
    }
    if (has_entry) return ReadRules(*it);
    if (!has_name) {
        return Invalid("strategy.name",
                       "strategy.name or strategy.entry is required: name for a built-in (see GET /strategies), "
                       "entry for rules (see docs/strategy-language.md)",
                       "MISSING_FIELD");
    }
    const auto name = it->find("name");
    if (!name->is_string()) {
        return Invalid("strategy.name", fmt::format("strategy.name must be a string, got {}", TypeName(*name)),
                       "WRONG_TYPE");
    }
    ParamValues given;
    if (const auto params = it->find("params"); params != it->end() && !params->is_null()) {
        if (auto ok = ReadNumbers(*params, "strategy.params", &given, nullptr); !ok) return std::unexpected(ok.error());
    }
    return BuiltIn(name->get<std::string>(), std::move(given));
}

Result<void> CheckHigherTimeframes(const StrategyChoice& choice, const Interval& run, const std::string& field) {
    if (!choice.IsRules()) return {};
    for (const std::string& name : choice.rules->timeframes) {
        const Interval higher = *Interval::Parse(name);
        if (run.Divides(higher)) continue;
        std::vector<std::string_view> coarser;
        for (const Interval& i : Interval::All()) {
            if (run.Divides(i)) coarser.push_back(i.Name());
        }
        return Invalid(
            field,
            fmt::format("htf(\"{}\", ...) needs a timeframe made of whole {} bars, coarser than the run's{}", name,
                        run.Name(),
                        coarser.empty() ? std::string(": none is") : fmt::format(" ({})", fmt::join(coarser, ", "))),
            "INVALID_PARAMETER");
    }
    return {};
}

Result<ParamValues> ResolveStrategyParams(const StrategyChoice& choice) {
    return Resolve(*choice.definition, choice.given);
}

void WriteRulesBody(JsonWriter& json, const rules::CheckedRules& rules, const ParamValues& params) {
    json.Key("params").BeginObject();
    for (const rules::ParamDeclaration& p : rules.params) {
        const auto bound = params.find(p.name);
        json.Field(p.name, bound == params.end() ? p.default_value : bound->second);
    }
    json.EndObject();
    json.Key("let").BeginObject();
    for (const rules::CheckedExpression& let : rules.lets) {
        json.Field(let.name, let.normalised);
    }
    json.EndObject();
    for (size_t slot = 0; slot < rules.rules.size(); ++slot) {
        if (rules.rules[slot]) json.Field(rules::kRuleFields[slot], rules.rules[slot]->normalised);
    }
}

void WriteStrategyEcho(JsonWriter& json, const StrategyChoice& choice, const ParamValues& params) {
    json.Key("strategy").BeginObject();
    if (choice.IsRules()) {
        WriteRulesBody(json, *choice.rules, params);
    } else {
        json.Field("name", choice.name).Key("params").BeginObject();
        for (const auto& [name, value] : params) json.Field(name, value);
        json.EndObject();
    }
    json.EndObject();
}

}  // namespace spark::api
