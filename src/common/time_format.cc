#include "common/time_format.h"

#include <chrono>

#include <fmt/format.h>

#include <charconv>
#include <cstdio>

#include "common/interval.h"

namespace spark {
namespace {

//! Reads exactly `width` digits at `pos`, advancing it.
bool ReadDigits(std::string_view text, size_t& pos, size_t width, int64_t& out) {
    if (pos + width > text.size()) return false;
    int64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    pos += width;
    out = value;
    return true;
}

bool Expect(std::string_view text, size_t& pos, char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
}

unsigned DaysInMonth(int64_t year, unsigned month) {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

//! What to send instead, for every unreadable time.
constexpr const char* kAccepted =
    "send YYYY-MM-DD (2024-01-31), an ISO-8601 UTC time (2024-01-31T12:00:00Z) or epoch milliseconds "
    "(1706702400000)";

//! Names the common wrong formats: slashed dates (whose day/month order is ambiguous) and
//! day-first dashed dates.
std::string Unreadable(std::string_view text) {
    const bool slashed = text.find('/') != std::string_view::npos;
    const bool day_first = text.size() >= 10 && text[2] == '-' && text[5] == '-';
    if (slashed || day_first) {
        return fmt::format("is a {} date, which this service does not read (is it day or month first?): {}",
                           slashed ? "slashed" : "day- or month-first", kAccepted);
    }
    return fmt::format("is not a date: {}", kAccepted);
}

std::expected<ParsedTime, std::string> ParseEpochMillis(std::string_view text) {
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::unexpected(Unreadable(text));
    if (value < 0 || value > kMaxEpochMs) return std::unexpected("is outside 1970-01-01 .. 9999-12-31");
    return ParsedTime{value, false};
}

//! `Z`, `+HH:MM`, `-HH:MM`, `+HHMM` or nothing (UTC); returns the offset east of UTC in ms.
bool ReadZone(std::string_view text, size_t& pos, int64_t& offset_ms) {
    offset_ms = 0;
    if (pos == text.size()) return true;
    if (text[pos] == 'Z' || text[pos] == 'z') return ++pos == text.size();
    if (text[pos] != '+' && text[pos] != '-') return false;
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t hours = 0;
    int64_t minutes = 0;
    if (!ReadDigits(text, pos, 2, hours)) return false;
    if (pos < text.size() && text[pos] == ':') ++pos;
    if (!ReadDigits(text, pos, 2, minutes)) return false;
    if (hours > 23 || minutes > 59) return false;
    offset_ms = sign * (hours * kMillisPerHour + minutes * kMillisPerMinute);
    return pos == text.size();
}

}  // namespace

int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
    // Howard Hinnant's days_from_civil.
    year -= month <= 2;
    const int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto yoe = static_cast<unsigned>(year - era * 400);
    const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

CivilDate CivilFromDays(int64_t days) {
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2), month, day};
}

std::expected<ParsedTime, std::string> ParseTime(std::string_view text) {
    if (text.empty()) return std::unexpected("is empty");
    if (text.find('-', 1) == std::string_view::npos) return ParseEpochMillis(text);

    size_t pos = 0;
    int64_t year = 0, month = 0, day = 0;
    if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, month) ||
        !Expect(text, pos, '-') || !ReadDigits(text, pos, 2, day)) {
        return std::unexpected(Unreadable(text));
    }
    if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) {
        return std::unexpected("is not a calendar date");
    }
    const int64_t day_ms =
        DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMillisPerDay;
    if (pos == text.size()) return ParsedTime{day_ms, true};

    int64_t hour = 0, minute = 0, second = 0, millis = 0;
    if (!Expect(text, pos, 'T') || !ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ':') ||
        !ReadDigits(text, pos, 2, minute)) {
        return std::unexpected("has a malformed time of day (expected THH:MM[:SS[.fff]])");
    }
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
        if (!ReadDigits(text, pos, 2, second)) return std::unexpected("has malformed seconds");
        if (pos < text.size() && text[pos] == '.') {
            ++pos;
            // Up to nanoseconds are accepted; digits beyond milliseconds are truncated.
            size_t digits = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
                if (digits < 3) millis = millis * 10 + (text[pos] - '0');
                ++digits;
                ++pos;
            }
            if (digits == 0 || digits > 9) return std::unexpected("has malformed fractional seconds");
            for (size_t i = digits; i < 3; ++i) millis *= 10;
        }
    }
    if (hour > 23 || minute > 59 || second > 59) return std::unexpected("has an impossible time of day");
    int64_t offset_ms = 0;
    if (!ReadZone(text, pos, offset_ms)) return std::unexpected("has a malformed time zone (expected Z or +HH:MM)");
    const int64_t local_ms =
        day_ms + hour * kMillisPerHour + minute * kMillisPerMinute + second * kMillisPerSecond + millis;
    return ParsedTime{local_ms - offset_ms, false};
}

std::string FormatIsoUtc(int64_t epoch_ms) {
    const int64_t days = FloorDiv(epoch_ms, kMillisPerDay);
    const int64_t in_day = epoch_ms - days * kMillisPerDay;
    const CivilDate date = CivilFromDays(days);
    char buffer[40];
    const int h = static_cast<int>(in_day / kMillisPerHour);
    const int m = static_cast<int>(in_day / kMillisPerMinute % 60);
    const int s = static_cast<int>(in_day / kMillisPerSecond % 60);
    const int ms = static_cast<int>(in_day % kMillisPerSecond);
    if (ms != 0) {
        std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(date.year),
                      date.month, date.day, h, m, s, ms);
    } else {
        std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(date.year),
                      date.month, date.day, h, m, s);
    }
    return buffer;
}

int64_t NowEpochMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace spark
