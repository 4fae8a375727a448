#include "api/strategy/strategies_route.h"

#include "api/http/error_response.h"
#include "api/json/json_fields.h"
#include "api/json/json_writer.h"
#include "api/strategy/strategy_choice.h"
#include "rules/rule_definition.h"

namespace spark::api {
namespace {

void WriteSchema(JsonWriter& json, const StrategyDefinition& d) {
    json.Key("params").BeginArray();
    for (const ParamSpec& p : d.params) {
        json.BeginObject().Field("name", p.name).Field("type", ParamTypeName(p.type));
        json.Field("default", p.default_value).Field("min", p.min).Field("max", p.max);
        json.Field("description", p.description).EndObject();
    }
    json.EndArray();
    json.Key("constraint");
    if (d.constraint.empty()) {
        json.Null();
    } else {
        json.String(d.constraint);
    }
}

//! Lookback of the strategy with its default parameters.
size_t DefaultLookback(const StrategyDefinition& d) {
    auto defaults = Resolve(d, {});
    if (!defaults) return 0;
    const auto strategy = d.create(*defaults);
    return strategy == nullptr ? 0 : strategy->LookbackBars();
}

}  // namespace

std::string StrategiesBody() {
    JsonWriter json;
    json.BeginObject().Key("strategies").BeginArray();
    for (const StrategyDefinition& d : StrategyRegistry::BuiltIn().All()) {
        json.BeginObject().Field("name", d.name).Field("description", d.description);
        WriteSchema(json, d);
        json.Field("lookbackBars", DefaultLookback(d));
        // The same strategy written in the language: a starting point for one's own.
        if (const rules::RuleSource* twin = rules::TwinOf(d.name); twin != nullptr) {
            if (auto made = rules::MakeRulesStrategy(*twin)) {
                json.Key("rules").BeginObject();
                WriteRulesBody(json, *made->checked, {});
                json.EndObject();
            }
        }
        json.EndObject();
    }
    json.EndArray().EndObject();
    return json.Take();
}

HttpResponse ValidateStrategy(const HttpRequest& request) {
    auto body = ParseJsonDocument(request.body);
    if (!body) return ErrorResponse(body.error());
    if (!body->is_object()) {
        return ErrorResponse({ErrorCode::kInvalidRequest,
                              "the body must be a strategy object, or {\"strategy\": {...}}", "body", "WRONG_TYPE"});
    }
    // The strategy object itself, or wrapped as in the run routes.
    nlohmann::json wrapped;
    const nlohmann::json* holder = &*body;
    if (!(body->size() == 1 && body->contains("strategy"))) {
        wrapped = nlohmann::json::object({{"strategy", std::move(*body)}});
        holder = &wrapped;
    }
    Result<StrategyChoice> choice = ReadStrategy(*holder);
    if (!choice) return ErrorResponse(choice.error());
    Result<ParamValues> params = ResolveStrategyParams(*choice);
    if (!params) return ErrorResponse(params.error());
    const auto strategy = choice->definition->create(*params);

    JsonWriter json;
    json.BeginObject().Field("valid", true).Field("kind", choice->IsRules() ? "rules" : "builtin");
    json.Field("name", choice->name);
    WriteSchema(json, *choice->definition);
    json.Field("lookbackBars", strategy == nullptr ? 0 : strategy->LookbackBars());
    WriteStrategyEcho(json, *choice, *params);
    json.Key("functions").BeginArray();
    if (choice->IsRules()) {
        for (const std::string& f : choice->rules->functions) json.String(f);
    }
    json.EndArray();
    json.EndObject();
    return {200, json.Take()};
}

}  // namespace spark::api
