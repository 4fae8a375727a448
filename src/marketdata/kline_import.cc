#include "marketdata/kline_import.h"

#include <algorithm>

#include "marketdata/coverage.h"

namespace spark {
namespace {

struct OpenTimeLess {
    bool operator()(const KlineRow& row, int64_t t) const { return row.candle.open_time_ms < t; }
    bool operator()(int64_t t, const KlineRow& row) const { return t < row.candle.open_time_ms; }
};

}  // namespace

Result<ImportReport> ImportKlineFile(BacktestCache& cache, const SeriesKey& series, const Interval& interval,
                                     const std::string& path, int64_t now_ms) {
    Result<std::string> text = ReadKlineFile(path);
    if (!text) return std::unexpected(text.error());
    KlineCsv csv = ParseKlineCsv(*text, interval, now_ms);

    ImportReport report{.file = path,
                        .lines_read = csv.lines_read,
                        .imported = 0,
                        .rejected = std::move(csv.rejected),
                        .notes = std::move(csv.notes),
                        .covered = {}};
    if (csv.rows.empty()) return report;

    const TimeRange span{csv.rows.front().candle.open_time_ms, interval.Next(csv.rows.back().candle.open_time_ms)};
    std::vector<TimeRange> holes;
    for (const RejectedRow& r : report.rejected) {
        // A rejected duplicate of an accepted bar leaves no hole.
        const bool kept = std::binary_search(csv.rows.begin(), csv.rows.end(), r.open_time_ms, OpenTimeLess{});
        if (r.open_time_ms >= 0 && interval.IsAligned(r.open_time_ms) && !kept) {
            holes.push_back({r.open_time_ms, interval.Next(r.open_time_ms)});
        }
    }
    report.covered = SubtractRanges(span, std::move(holes));
    if (Result<void> ok = cache.Store(series, csv.rows, report.covered, "import"); !ok)
        return std::unexpected(ok.error());
    report.imported = static_cast<int64_t>(csv.rows.size());
    return report;
}

}  // namespace spark
