#include "api/json/json_fields.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/bounded_text.h"
#include "common/closest_name.h"

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

Result<json> ParseJsonDocument(std::string_view body_text) {
    if (const std::optional<size_t> at = FindJsonDepthExcess(body_text)) {
        return Invalid("body",
                       fmt::format("the body nests arrays and objects deeper than {} levels (at byte {}); send a "
                                   "flatter document",
                                   kMaxJsonDepth, *at),
                       "TOO_DEEP");
    }
    // nlohmann stops at a NUL byte as if the text ended there; JSON text never holds one raw.
    if (const size_t nul = body_text.find('\0'); nul != std::string_view::npos) {
        return Invalid("body", fmt::format("the body holds a NUL byte at byte {}; send JSON text", nul),
                       "MALFORMED_JSON");
    }
    try {
        return json::parse(body_text);
    } catch (const json::out_of_range& e) {
        // nlohmann refuses a number beyond double's range (1e400) as out_of_range, not parse_error.
        return Invalid("body", fmt::format("a number in the body is out of range: {}", TruncateForEcho(e.what(), 160)),
                       "NUMBER_OUT_OF_RANGE");
    } catch (const json::exception& e) {
        return Invalid("body", fmt::format("the body is not valid JSON: {}", TruncateForEcho(e.what(), 160)),
                       "MALFORMED_JSON");
    }
}

Result<void> CheckKnownFields(const json& body, std::span<const std::string_view> known_fields) {
    for (const auto& [key, value] : body.items()) {
        if (std::find(known_fields.begin(), known_fields.end(), key) == known_fields.end()) {
            const std::string shown = TruncateForEcho(key);
            const std::string closest = ClosestName(key, known_fields);
            return Invalid(shown,
                           closest.empty() ? fmt::format("unknown field '{}'", shown)
                                           : fmt::format("unknown field '{}' (did you mean '{}'?)", shown, closest),
                           "UNKNOWN_FIELD");
        }
    }
    return {};
}

Result<json> ParseJsonObject(std::string_view body_text, std::span<const std::string_view> known_fields) {
    auto body = ParseJsonDocument(body_text);
    if (!body) return body;
    if (!body->is_object()) {
        return Invalid("body", fmt::format("the body must be a JSON object, got {}", TypeName(*body)), "WRONG_TYPE");
    }
    if (auto ok = CheckKnownFields(*body, known_fields); !ok) return std::unexpected(ok.error());
    return body;
}

}  // namespace spark::api
