#include "marketdata/funding_csv.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "common/interval.h"
#include "common/time_format.h"
#include "marketdata/csv_text.h"
#include "marketdata/funding_page.h"

namespace spark {
namespace {

constexpr size_t kFieldCount = 3;
constexpr int64_t kLongestIntervalHours = 24;

struct DumpRow {
    FundingRate rate;
    int64_t interval_hours = 0;
    int64_t line = 0;
};

//! Parses and checks one line; returns the reason on failure. `row.rate.time_ms` is set as soon
//! as the time is read (-1 before), so a rejection can name it.
std::string ParseRow(std::string_view line, int64_t now_ms, DumpRow& row) {
    std::array<std::string_view, kFieldCount> fields;
    size_t count = 0;
    for (size_t start = 0;;) {
        const size_t comma = line.find(',', start);
        if (count < kFieldCount) fields[count] = line.substr(start, comma == line.npos ? line.npos : comma - start);
        ++count;
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    if (count != kFieldCount) return fmt::format("expected {} fields, found {}", kFieldCount, count);
    int64_t time = 0;
    if (!ParseInteger(fields[0], time)) return "calc_time is not an integer";
    if (time < 0) return "calc_time is negative";
    if (time >= kMicrosecondThreshold) time /= 1000;
    if (time > kMaxEpochMs) return "calc_time is out of range";
    row.rate.time_ms = time;
    if (!ParseInteger(fields[1], row.interval_hours) || row.interval_hours < 1 ||
        row.interval_hours > kLongestIntervalHours) {
        return fmt::format("funding_interval_hours must be a whole number of hours from 1 to {}",
                           kLongestIntervalHours);
    }
    if (!ParseNumber(fields[2], row.rate.rate)) return "last_funding_rate is not a finite number";
    if (std::abs(row.rate.rate) > kMaxFundingRateMagnitude) {
        return fmt::format("last_funding_rate {} is larger in magnitude than {}", row.rate.rate,
                           kMaxFundingRateMagnitude);
    }
    if (time > now_ms) return fmt::format("the settlement at {} is in the future", FormatIsoUtc(time));
    return {};
}

}  // namespace

FundingCsv ParseFundingCsv(std::string_view text, int64_t now_ms) {
    FundingCsv out;
    std::vector<DumpRow> rows;
    ForEachCsvLine(text, [&](int64_t line_number, std::string_view line) {
        ++out.lines_read;
        // Binance's dumps start with a header row (calc_time,funding_interval_hours,...).
        if (line_number == 1 && line.starts_with("calc_time")) return;
        DumpRow row{.rate = {.time_ms = -1}, .interval_hours = 0, .line = line_number};
        if (std::string reason = ParseRow(line, now_ms, row); !reason.empty()) {
            out.rejected.push_back({line_number, row.rate.time_ms, std::move(reason)});
            return;
        }
        rows.push_back(row);
    });
    // Stable sort keeps the first of duplicate times; the rest are rejected.
    std::stable_sort(rows.begin(), rows.end(),
                     [](const DumpRow& a, const DumpRow& b) { return a.rate.time_ms < b.rate.time_ms; });
    std::vector<DumpRow> unique;
    unique.reserve(rows.size());
    for (const DumpRow& row : rows) {
        if (!unique.empty() && unique.back().rate.time_ms == row.rate.time_ms) {
            out.rejected.push_back({row.line, row.rate.time_ms,
                                    fmt::format("duplicate settlement time {}", FormatIsoUtc(row.rate.time_ms))});
            continue;
        }
        unique.push_back(row);
    }
    for (size_t i = 0; i < unique.size(); ++i) {
        out.rows.push_back(unique[i].rate);
        if (i == 0) continue;
        // Intervals change (8h to 4h and back): the longer of the two rows' is the widest a
        // step may be. Anything wider means settlements are missing, and the gap must not be
        // covered, or it would pass for a stretch without funding.
        const DumpRow& before = unique[i - 1];
        const DumpRow& after = unique[i];
        const int64_t interval_hours = std::max(before.interval_hours, after.interval_hours);
        const int64_t step = after.rate.time_ms - before.rate.time_ms;
        if (step > interval_hours * kMillisPerHour + kFundingSpacingToleranceMs) {
            out.rejected.push_back(
                {after.line, after.rate.time_ms,
                 fmt::format("gap: no settlement between {} and {} ({:g}h apart, more than the {}h funding "
                             "interval); the file has a hole there, which stays uncovered",
                             FormatIsoUtc(before.rate.time_ms), FormatIsoUtc(after.rate.time_ms),
                             static_cast<double>(step) / static_cast<double>(kMillisPerHour), interval_hours)});
            out.holes.push_back({before.rate.time_ms + 1, after.rate.time_ms});
        }
    }
    if (!unique.empty()) {
        // Whole hours: Binance stamps settlements a few milliseconds late, and two monthly files
        // must meet exactly (settlements are at least an hour apart, so nothing is skipped).
        const int64_t first = FloorDiv(unique.front().rate.time_ms, kMillisPerHour) * kMillisPerHour;
        const int64_t last = FloorDiv(unique.back().rate.time_ms, kMillisPerHour) * kMillisPerHour;
        out.covered = TimeRange{first, last + unique.back().interval_hours * kMillisPerHour};
    }
    return out;
}

}  // namespace spark
