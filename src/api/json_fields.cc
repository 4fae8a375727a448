#include "api/json_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace spark::api {

using nlohmann::json;

std::unexpected<Error> Invalid(std::string field, std::string message, std::string reason) {
    return MakeError(ErrorCode::kInvalidRequest, std::move(message), std::move(field), std::move(reason));
}

Result<void> ReadBool(const json& body, const char* field, bool& out) {
    const auto it = body.find(field);
    if (it == body.end()) return {};
    if (!it->is_boolean()) {
        return Invalid(field, fmt::format("{} must be a boolean, got {}", field, TypeName(*it)), "WRONG_TYPE");
    }
    out = it->get<bool>();
    return {};
}

Result<void> ReadNumber(const json& body, const char* field, double min, double max, bool min_exclusive, double& out) {
    const auto it = body.find(field);
    if (it == body.end()) return {};
    if (!it->is_number()) {
        return Invalid(field, fmt::format("{} must be a number, got {}", field, TypeName(*it)), "WRONG_TYPE");
    }
    const double value = it->get<double>();
    const bool below = min_exclusive ? value <= min : value < min;
    if (!std::isfinite(value) || below || value > max) {
        return Invalid(
            field, fmt::format("{} must be in {}{}, {}], got {}", field, min_exclusive ? "(" : "[", min, max, value),
            "OUT_OF_RANGE");
    }
    out = value;
    return {};
}

Result<void> ReadOptionalFraction(const json& body, const char* field, double max, std::optional<double>& out) {
    const auto it = body.find(field);
    if (it == body.end() || it->is_null()) return {};
    double value = 0;
    if (auto ok = ReadNumber(body, field, 0, max, true, value); !ok) return ok;
    out = value;
    return {};
}

Result<std::string> ReadString(const json& body, const char* field, bool required) {
    const auto it = body.find(field);
    if (it == body.end()) {
        if (required) return Invalid(field, fmt::format("{} is required", field), "MISSING_FIELD");
        return std::string();
    }
    if (!it->is_string()) {
        return Invalid(field, fmt::format("{} must be a string, got {}", field, TypeName(*it)), "WRONG_TYPE");
    }
    return it->get<std::string>();
}

Result<json> ParseJsonObject(std::string_view body_text, std::span<const std::string_view> known_fields) {
    json body;
    try {
        body = json::parse(body_text);
    } catch (const json::parse_error& e) {
        return Invalid("body", fmt::format("the body is not valid JSON: {}", e.what()), "MALFORMED_JSON");
    }
    if (!body.is_object()) {
        return Invalid("body", fmt::format("the body must be a JSON object, got {}", TypeName(body)), "WRONG_TYPE");
    }
    for (const auto& [key, value] : body.items()) {
        if (std::find(known_fields.begin(), known_fields.end(), key) == known_fields.end()) {
            return Invalid(key, fmt::format("unknown field '{}'", key), "UNKNOWN_FIELD");
        }
    }
    return body;
}

}  // namespace spark::api
