#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

namespace spark::api {

//! Typed readers of request fields. Each returns kInvalidRequest naming the field and a reason
//! code (WRONG_TYPE, MISSING_FIELD, OUT_OF_RANGE, ...) so every route reports errors alike.

std::unexpected<Error> Invalid(std::string field, std::string message, std::string reason);

inline std::string_view TypeName(const nlohmann::json& value) { return value.type_name(); }

//! Parses untrusted JSON: nesting deeper than kMaxJsonDepth is refused before parsing (TOO_DEEP),
//! a number beyond double's range is NUMBER_OUT_OF_RANGE, anything else invalid MALFORMED_JSON.
Result<nlohmann::json> ParseJsonDocument(std::string_view body);
//! Fails with UNKNOWN_FIELD on the first key of `body` not in `known_fields`.
Result<void> CheckKnownFields(const nlohmann::json& body, std::span<const std::string_view> known_fields);
//! Parses a body that must be a JSON object whose keys are all in `known_fields`.
Result<nlohmann::json> ParseJsonObject(std::string_view body, std::span<const std::string_view> known_fields);

Result<void> ReadBool(const nlohmann::json& body, const char* field, bool& out);
//! An optional number in [min, max] (or (min, max] when `min_exclusive`); absent keeps `out`.
Result<void> ReadNumber(const nlohmann::json& body, const char* field, double min, double max, bool min_exclusive,
                        double& out);
//! An optional fraction in (0, max]; null means absent.
Result<void> ReadOptionalFraction(const nlohmann::json& body, const char* field, double max,
                                  std::optional<double>& out);
//! A string; absent gives "" unless `required`.
Result<std::string> ReadString(const nlohmann::json& body, const char* field, bool required);

}  // namespace spark::api
