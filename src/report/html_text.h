#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spark::report {

//! Text helpers the tearsheet's sections and charts share: formatting into one growing page,
//! escaping the answer's text, and reading its values as cell content.

//! Formats onto the end of `out`: a page is built in one string, without a temporary per piece.
template <typename... Args>
void Append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

//! `text` safe in HTML content and quoted attributes: the answer carries user-written strategy rules.
std::string Escape(std::string_view text);

//! `parts` with `separator` between each two.
std::string Join(const std::vector<std::string>& parts, std::string_view separator);

//! The member reached by `keys`, one level each; nullptr when any level is missing.
const nlohmann::json* Path(const nlohmann::json& root, std::initializer_list<std::string_view> keys);

//! A finite number of the answer; none when `value` is absent, not a number or not finite.
std::optional<double> NumberOf(const nlohmann::json* value);

//! A value of the answer as plain text (ScalarText, not escaped); empty when absent.
std::string TextOf(const nlohmann::json* value);

//! A value of the answer as table cell content (escaped): numbers to 8 significant digits.
std::string Cell(const nlohmann::json* value);

//! An epoch-ms time as ISO-8601 UTC; "?" when absent or out of range.
std::string IsoOf(std::optional<int64_t> ms);

}  // namespace spark::report
