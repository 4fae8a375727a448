#include "strategy/parameter_schema.h"

#include <fmt/format.h>
#include <cmath>

namespace spark {

std::string_view ParamTypeName(ParamType type) { return type == ParamType::kInteger ? "integer" : "number"; }

Result<ParamValues> ResolveParams(const std::vector<ParamSpec>& schema, const ParamValues& given) {
    for (const auto& [name, value] : given) {
        bool known = false;
        for (const ParamSpec& spec : schema) known = known || spec.name == name;
        if (!known) {
            std::string names;
            for (const ParamSpec& spec : schema) names += (names.empty() ? "" : ", ") + spec.name;
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("unknown parameter '{}' (this strategy takes: {})", name,
                                         names.empty() ? "no parameters" : names),
                             "strategy.params." + name, "UNKNOWN_PARAMETER");
        }
    }
    ParamValues resolved;
    for (const ParamSpec& spec : schema) {
        const auto it = given.find(spec.name);
        const double value = it == given.end() ? spec.default_value : it->second;
        const std::string field = "strategy.params." + spec.name;
        if (!std::isfinite(value)) {
            return MakeError(ErrorCode::kInvalidRequest, fmt::format("{} must be a finite number", field), field,
                             "INVALID_PARAMETER");
        }
        if (spec.type == ParamType::kInteger && value != std::trunc(value)) {
            return MakeError(ErrorCode::kInvalidRequest, fmt::format("{} must be an integer, got {}", field, value),
                             field, "INVALID_PARAMETER");
        }
        if (value < spec.min || value > spec.max) {
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("{} must be between {} and {}, got {}", field, spec.min, spec.max, value),
                             field, "INVALID_PARAMETER");
        }
        resolved[spec.name] = value;
    }
    return resolved;
}

}  // namespace spark
