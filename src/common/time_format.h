#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace spark {

//! A point in time parsed from user input; `date_only` remembers a bare `YYYY-MM-DD`, which as
//! a range end means the whole day (SEMANTICS.md "Time and ranges").
struct ParsedTime {
    int64_t epoch_ms = 0;
    bool date_only = false;
};

//! Largest accepted instant: 9999-12-31T23:59:59.999Z. Anything outside [0, this] is rejected
//! before any arithmetic, so no input can overflow a computation.
inline constexpr int64_t kMaxEpochMs = 253402300799999;

//! Parses `YYYY-MM-DD`, ISO-8601 date-times (`2024-01-01T00:00:00Z`, fractional seconds and
//! `+HH:MM` offsets allowed; no zone means UTC) or integer epoch milliseconds given as text.
//! On failure returns a short reason suitable for an error message.
std::expected<ParsedTime, std::string> ParseTime(std::string_view text);

//! Days since 1970-01-01 of a proleptic Gregorian civil date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

struct CivilDate {
    int64_t year;
    unsigned month;
    unsigned day;
};
CivilDate CivilFromDays(int64_t days);

//! `2024-01-01T00:00:00Z` (milliseconds shown only when non-zero).
std::string FormatIsoUtc(int64_t epoch_ms);

//! Floor division for possibly negative epoch values.
constexpr int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

//! The wall clock now, in epoch milliseconds (UTC).
int64_t NowEpochMs();

}  // namespace spark
