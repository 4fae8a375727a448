#include "marketdata/kline_import.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>

#include "common/time_format.h"
#include "marketdata/coverage.h"

namespace spark {
namespace {

struct OpenTimeLess {
    bool operator()(const KlineRow& row, int64_t t) const { return row.candle.open_time_ms < t; }
    bool operator()(int64_t t, const KlineRow& row) const { return t < row.candle.open_time_ms; }
};

//! The interval whose bars are `spacing_ms` apart, for the message; empty when none is.
std::string_view IntervalNamed(int64_t spacing_ms) {
    for (const Interval& interval : Interval::All()) {
        if (!interval.IsCalendarMonth() && interval.NominalMs() == spacing_ms) return interval.Name();
    }
    return {};
}

std::string DescribeSpacing(int64_t spacing_ms) {
    if (const std::string_view name = IntervalNamed(spacing_ms); !name.empty()) return std::string(name);
    if (spacing_ms % kMillisPerMinute == 0) return fmt::format("{} minutes", spacing_ms / kMillisPerMinute);
    return fmt::format("{} ms", spacing_ms);
}

}  // namespace

std::string FileNameMismatch(const std::string& path, const SeriesKey& series) {
    static const std::regex kBinanceName(
        R"(([A-Z0-9]+)-(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1mo|1M)(-\d{4}-\d{2}(-\d{2})?)?\.(csv|csv\.gz|zip|csv\.zip))");
    const std::string name = std::filesystem::path(path).filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, kBinanceName)) return {};
    const std::string symbol = match[1].str();
    const std::string interval = match[2].str() == "1mo" ? "1M" : match[2].str();
    if (symbol != series.symbol) {
        return fmt::format("the file is named for {} but --symbol is {}; rename the file if its name is wrong", symbol,
                           series.symbol);
    }
    if (interval != series.interval) {
        return fmt::format("the file is named for {} bars but --interval is {}; rename the file if its name is wrong",
                           interval, series.interval);
    }
    return {};
}

std::string SpacingMismatch(const std::vector<int64_t>& open_times, const Interval& interval) {
    if (open_times.size() < 2) return {};
    size_t one_interval_apart = 0;
    std::map<int64_t, size_t> spacing_counts;
    for (size_t i = 1; i < open_times.size(); ++i) {
        const int64_t previous = open_times[i - 1];
        if (interval.IsAligned(previous) && interval.Next(previous) == open_times[i]) ++one_interval_apart;
        ++spacing_counts[open_times[i] - previous];
    }
    const size_t spacings = open_times.size() - 1;
    // Exchange outages leave a handful of wider steps; a mislabelled file has almost none right.
    if (2 * one_interval_apart >= spacings) return {};
    const auto most_common = std::max_element(spacing_counts.begin(), spacing_counts.end(),
                                              [](const auto& a, const auto& b) { return a.second < b.second; });
    return fmt::format(
        "{} of {} consecutive rows are {} apart, not {}: the file looks like {} bars; pass the interval the file "
        "holds",
        most_common->second, spacings, DescribeSpacing(most_common->first), interval.Name(),
        DescribeSpacing(most_common->first));
}

Result<PreparedImport> PrepareKlineImport(const SeriesKey& series, const Interval& interval, const std::string& path,
                                          int64_t now_ms, const ImportOptions& options) {
    Result<std::string> text = ReadKlineFile(path);
    if (!text) return std::unexpected(text.error());
    KlineCsv csv = ParseKlineCsv(*text, interval, now_ms);
    text->clear();

    PreparedImport prepared{.file = path,
                            .lines_read = csv.lines_read,
                            .rows = std::move(csv.rows),
                            .rejected = std::move(csv.rejected),
                            .notes = std::move(csv.notes),
                            .covered = {},
                            .refusal = {}};
    std::vector<int64_t> open_times;
    open_times.reserve(prepared.rows.size() + prepared.rejected.size());
    for (const KlineRow& row : prepared.rows) open_times.push_back(row.candle.open_time_ms);
    for (const RejectedRow& r : prepared.rejected) {
        if (r.open_time_ms >= 0) open_times.push_back(r.open_time_ms);
    }
    std::sort(open_times.begin(), open_times.end());
    open_times.erase(std::unique(open_times.begin(), open_times.end()), open_times.end());

    if (std::string name = FileNameMismatch(path, series); !name.empty()) {
        prepared.refusal = std::move(name);
    } else if (std::string spacing = SpacingMismatch(open_times, interval); !spacing.empty()) {
        prepared.refusal = std::move(spacing);
    } else if (prepared.rows.empty()) {
        prepared.refusal = "no valid bars";
    } else if (!prepared.rejected.empty() && !options.allow_rejects) {
        prepared.refusal = fmt::format(
            "{} rows rejected; nothing imported from this file (fix the file, or pass --allow-rejects to import the "
            "{} valid rows and leave the rejected slots to be fetched later)",
            prepared.rejected.size(), prepared.rows.size());
    }
    if (!prepared.refusal.empty() || prepared.rows.empty()) return prepared;

    const TimeRange span{prepared.rows.front().candle.open_time_ms,
                         interval.Next(prepared.rows.back().candle.open_time_ms)};
    std::vector<TimeRange> holes;
    for (const RejectedRow& r : prepared.rejected) {
        // A rejected duplicate of an accepted bar leaves no hole.
        const bool kept =
            std::binary_search(prepared.rows.begin(), prepared.rows.end(), r.open_time_ms, OpenTimeLess{});
        if (r.open_time_ms >= 0 && interval.IsAligned(r.open_time_ms) && !kept) {
            holes.push_back({r.open_time_ms, interval.Next(r.open_time_ms)});
        }
    }
    prepared.covered = SubtractRanges(span, std::move(holes));
    return prepared;
}

Result<ImportReport> StoreKlineImport(BacktestCache& cache, const SeriesKey& series, PreparedImport prepared) {
    ImportReport report{.file = std::move(prepared.file),
                        .lines_read = prepared.lines_read,
                        .imported = 0,
                        .rejected = std::move(prepared.rejected),
                        .notes = std::move(prepared.notes),
                        .covered = std::move(prepared.covered),
                        .refusal = std::move(prepared.refusal)};
    if (!report.refusal.empty()) {
        report.covered.clear();
        return report;
    }
    if (Result<void> ok = cache.Store(series, prepared.rows, report.covered, "import"); !ok)
        return std::unexpected(ok.error());
    report.imported = static_cast<int64_t>(prepared.rows.size());
    return report;
}

Result<ImportReport> ImportKlineFile(BacktestCache& cache, const SeriesKey& series, const Interval& interval,
                                     const std::string& path, int64_t now_ms, const ImportOptions& options) {
    Result<PreparedImport> prepared = PrepareKlineImport(series, interval, path, now_ms, options);
    if (!prepared) return std::unexpected(prepared.error());
    return StoreKlineImport(cache, series, std::move(*prepared));
}

}  // namespace spark
