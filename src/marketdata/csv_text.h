#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>

namespace spark {

//! Times above this are microseconds, as in Binance's dumps from 2025 on (milliseconds stay below
//! it until the year 5138).
inline constexpr int64_t kMicrosecondThreshold = 100'000'000'000'000;

//! The whole of `text` as a finite number (no spaces, no trailing characters); false otherwise.
inline bool ParseNumber(std::string_view text, double& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size() && std::isfinite(out);
}

//! The whole of `text` as an integer; false otherwise.
inline bool ParseInteger(std::string_view text, int64_t& out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

//! Calls `row(line_number, line)` for each non-empty line of `text` (1-based numbers counting
//! empty lines too, a trailing '\r' removed), as Binance's CSV dumps are read.
template <typename Row>
void ForEachCsvLine(std::string_view text, Row&& row) {
    int64_t line_number = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) row(line_number, line);
    }
}

}  // namespace spark
