#include "marketdata/kline_csv.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include "common/time_format.h"
#include "marketdata/csv_text.h"
#include "marketdata/zip_archive.h"

namespace spark {
namespace {

constexpr size_t kFieldCount = 12;

//! Splits on commas into `fields`; returns the number of fields (may exceed the array).
size_t SplitFields(std::string_view line, std::array<std::string_view, kFieldCount>& fields) {
    size_t count = 0;
    size_t start = 0;
    for (;;) {
        const size_t comma = line.find(',', start);
        const std::string_view field = line.substr(start, comma == std::string_view::npos ? line.npos : comma - start);
        if (count < kFieldCount) fields[count] = field;
        ++count;
        if (comma == std::string_view::npos) return count;
        start = comma + 1;
    }
}

//! Parses and checks one line; returns the reason on failure.
std::string ParseRow(std::string_view line, const Interval& interval, int64_t now_ms, KlineRow& row) {
    std::array<std::string_view, kFieldCount> f;
    const size_t count = SplitFields(line, f);
    if (count != kFieldCount) return fmt::format("expected {} fields, found {}", kFieldCount, count);
    int64_t open_time = 0;
    int64_t close_time = 0;
    if (!ParseInteger(f[0], open_time)) return "open time is not an integer";
    if (!ParseInteger(f[6], close_time)) return "close time is not an integer";
    if (open_time >= kMicrosecondThreshold) {
        open_time /= 1000;
        close_time /= 1000;
    }
    row.candle.open_time_ms = open_time;
    Candle& c = row.candle;
    if (!ParseNumber(f[1], c.open) || !ParseNumber(f[2], c.high) || !ParseNumber(f[3], c.low) ||
        !ParseNumber(f[4], c.close) || !ParseNumber(f[5], c.volume)) {
        return "a price or the volume is not a number";
    }
    if (!ParseNumber(f[7], row.quote_volume) || !ParseInteger(f[8], row.trade_count) ||
        !ParseNumber(f[9], row.taker_buy_base) || !ParseNumber(f[10], row.taker_buy_quote)) {
        return "quote volume, trade count or taker volumes are malformed";
    }
    row.close_time_ms = close_time;
    if (!interval.IsAligned(open_time)) {
        return fmt::format("open time {} is not aligned to the {} interval", FormatIsoUtc(open_time), interval.Name());
    }
    if (close_time >= interval.Next(open_time)) {
        // A bar may close early (a trading halt) but never after its slot: it is a longer bar.
        return fmt::format("bar {} closes at {}, after the end of its {} slot: the row is a longer bar",
                           FormatIsoUtc(open_time), FormatIsoUtc(close_time), interval.Name());
    }
    if (c.open <= 0 || c.high <= 0 || c.low <= 0 || c.close <= 0) return "prices must be positive";
    if (c.high < std::max(c.open, c.close) || c.low > std::min(c.open, c.close) || c.high < c.low) {
        return "inconsistent OHLC (high must be >= open, close, low; low <= open, close)";
    }
    if (c.volume < 0 || row.quote_volume < 0 || row.trade_count < 0 || row.taker_buy_base < 0 ||
        row.taker_buy_quote < 0) {
        return "negative volume or trade count";
    }
    if (interval.Next(open_time) > now_ms) return "the bar has not closed yet";
    return {};
}

}  // namespace

KlineCsv ParseKlineCsv(std::string_view text, const Interval& interval, int64_t now_ms) {
    KlineCsv out;
    ForEachCsvLine(text, [&](int64_t line_number, std::string_view line) {
        ++out.lines_read;
        // Binance's newer dumps start with a header row (open_time,open,...).
        if (line_number == 1 && line.starts_with("open_time")) {
            out.notes.push_back("line 1: header row skipped");
            return;
        }
        KlineRow row;
        if (std::string reason = ParseRow(line, interval, now_ms, row); !reason.empty()) {
            out.rejected.push_back({line_number, row.candle.open_time_ms > 0 ? row.candle.open_time_ms : -1, reason});
            return;
        }
        if (row.close_time_ms != interval.Next(row.candle.open_time_ms) - 1) {
            out.notes.push_back(fmt::format("line {}: bar {} closes at {} instead of the interval end (kept as is)",
                                            line_number, FormatIsoUtc(row.candle.open_time_ms),
                                            FormatIsoUtc(row.close_time_ms)));
        }
        out.rows.push_back(row);
    });
    // Stable sort keeps the first of duplicate open times; the rest are rejected.
    std::stable_sort(out.rows.begin(), out.rows.end(), [](const KlineRow& a, const KlineRow& b) {
        return a.candle.open_time_ms < b.candle.open_time_ms;
    });
    std::vector<KlineRow> unique;
    unique.reserve(out.rows.size());
    for (const KlineRow& row : out.rows) {
        if (!unique.empty() && unique.back().candle.open_time_ms == row.candle.open_time_ms) {
            out.rejected.push_back({0, row.candle.open_time_ms,
                                    fmt::format("duplicate open time {}", FormatIsoUtc(row.candle.open_time_ms))});
            continue;
        }
        unique.push_back(row);
    }
    out.rows = std::move(unique);
    return out;
}

Result<std::string> ReadKlineFile(const std::string& path) {
    // gzread passes uncompressed files through unchanged, so one path serves .csv and .csv.gz.
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) return MakeError(ErrorCode::kInvalidRequest, fmt::format("cannot open '{}'", path));
    std::string text;
    std::array<char, 1 << 16> buffer;
    for (;;) {
        const int n = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()));
        if (n < 0) {
            int code = 0;
            std::string message = fmt::format("cannot read '{}': {}", path, gzerror(file, &code));
            gzclose(file);
            return MakeError(ErrorCode::kInvalidRequest, std::move(message));
        }
        if (n == 0) break;
        if (text.size() + static_cast<size_t>(n) > kMaxKlineTextBytes) {
            gzclose(file);
            return MakeError(ErrorCode::kInvalidRequest,
                             fmt::format("'{}' holds more than {} bytes of text once decompressed; split it by month",
                                         path, kMaxKlineTextBytes));
        }
        text.append(buffer.data(), static_cast<size_t>(n));
    }
    gzclose(file);
    if (LooksLikeZip(text)) {
        auto csv = ExtractCsvFromZip(text);
        if (!csv) return MakeError(ErrorCode::kInvalidRequest, fmt::format("'{}': {}", path, csv.error().message));
        return csv;
    }
    return text;
}

}  // namespace spark
