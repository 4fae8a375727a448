// Binance's monthly fundingRate dump text on arbitrary bytes: what it accepts must be sorted, and
// what it claims to cover must hold every accepted row and leave the holes empty.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/request_parsers_fuzz.h"
#include "marketdata/funding_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const spark::FundingCsv csv = spark::ParseFundingCsv(text, spark::fuzz::kNowMs);
    // Rows sorted strictly by time (unique).
    for (size_t i = 1; i < csv.rows.size(); ++i) {
        if (csv.rows[i].time_ms <= csv.rows[i - 1].time_ms) __builtin_trap();
    }
    // Coverage exactly when there are rows: a non-empty range holding every row's time.
    if (csv.covered.has_value() != !csv.rows.empty()) __builtin_trap();
    if (csv.covered) {
        if (csv.covered->start_ms >= csv.covered->end_ms) __builtin_trap();
        for (const spark::FundingRate& row : csv.rows) {
            if (!csv.covered->Contains(row.time_ms)) __builtin_trap();
        }
    }
    // No accepted settlement inside a hole: the first row at or after its start lies at or after its end.
    for (const spark::TimeRange& hole : csv.holes) {
        const auto first = std::lower_bound(csv.rows.begin(), csv.rows.end(), hole.start_ms,
                                            [](const spark::FundingRate& row, int64_t t) { return row.time_ms < t; });
        if (first != csv.rows.end() && hole.Contains(first->time_ms)) __builtin_trap();
    }
    return 0;
}
