#include "report/html_text.h"

#include <fmt/format.h>

#include <cmath>

#include "common/time_format.h"
#include "report/csv_export.h"

namespace spark::report {

using nlohmann::json;

std::string Escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) out += separator;
        out += parts[i];
    }
    return out;
}

const json* Path(const json& root, std::initializer_list<std::string_view> keys) {
    const json* at = &root;
    for (const std::string_view key : keys) {
        at = FindMember(*at, key);
        if (at == nullptr) return nullptr;
    }
    return at;
}

std::optional<double> NumberOf(const json* value) {
    if (value == nullptr || !value->is_number()) return std::nullopt;
    const double number = value->get<double>();
    return std::isfinite(number) ? std::optional<double>(number) : std::nullopt;
}

std::string TextOf(const json* value) { return value == nullptr ? std::string() : ScalarText(*value); }

std::string Cell(const json* value) {
    if (value == nullptr || value->is_null()) return "&mdash;";
    if (value->is_number_float()) {
        const std::optional<double> number = NumberOf(value);
        return number ? fmt::format("{:.8g}", *number) : "&mdash;";
    }
    return Escape(ScalarText(*value));
}

std::string IsoOf(std::optional<int64_t> ms) {
    return ms && *ms >= 0 && *ms <= kMaxEpochMs ? FormatIsoUtc(*ms) : std::string("?");
}

}  // namespace spark::report
