#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "marketdata/kline_row.h"

namespace spark {

//! A row the parser refused, by 1-based line number.
struct RejectedRow {
    int64_t line = 0;
    int64_t open_time_ms = -1;  //!< when the open time itself could be read, else -1
    std::string reason;
};

struct KlineCsv {
    std::vector<KlineRow> rows;  //!< accepted rows, sorted by open time, unique
    std::vector<RejectedRow> rejected;
    std::vector<std::string> notes;  //!< accepted but unusual (e.g. a short halt bar)
    int64_t lines_read = 0;
};

//! Parses Binance kline CSV text (12 columns, no header, or Binance's later header line;
//! microsecond timestamps, as in dumps from 2025 on, are converted to ms). Every row is checked:
//! field count, numbers, interval alignment, a close time within the bar's slot, OHLC consistency, non-negative volume,
//! duplicates, and that the bar has closed by `now_ms`. Failing rows are rejected, never repaired.
KlineCsv ParseKlineCsv(std::string_view text, const Interval& interval, int64_t now_ms);

//! Reads a kline file as CSV text: plain, gzip-compressed, or a zip archive holding one CSV
//! (Binance's monthly dump format).
Result<std::string> ReadKlineFile(const std::string& path);

}  // namespace spark
