#include "marketdata/funding_import.h"

#include "marketdata/funding_page.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include "marketdata/coverage.h"
#include "marketdata/funding_csv.h"

namespace spark {
namespace {

bool HoldsTime(const std::vector<FundingRate>& sorted, int64_t time_ms) {
    const auto it = std::lower_bound(sorted.begin(), sorted.end(), time_ms,
                                     [](const FundingRate& rate, int64_t t) { return rate.time_ms < t; });
    return it != sorted.end() && it->time_ms == time_ms;
}

}  // namespace

std::string FundingFileNameMismatch(const std::string& path, const std::string& symbol) {
    static const std::regex kBinanceName(R"(([A-Z0-9]+)-fundingRate(-\d{4}-\d{2})?\.(csv|csv\.gz|zip|csv\.zip))");
    const std::string name = std::filesystem::path(path).filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, kBinanceName)) return {};
    if (match[1].str() == symbol) return {};
    return fmt::format("the file is named for {} but --symbol is {}; rename the file if its name is wrong",
                       match[1].str(), symbol);
}

Result<PreparedFundingImport> PrepareFundingImport(const std::string& symbol, const std::string& path, int64_t now_ms,
                                                   const ImportOptions& options) {
    Result<std::string> text = ReadKlineFile(path);  // any of Binance's dump containers, not only klines
    if (!text) return std::unexpected(text.error());
    FundingCsv csv = ParseFundingCsv(*text, now_ms);
    text->clear();

    PreparedFundingImport prepared{.file = path,
                                   .lines_read = csv.lines_read,
                                   .rows = std::move(csv.rows),
                                   .rejected = std::move(csv.rejected),
                                   .covered = {},
                                   .refusal = {}};
    if (std::string name = FundingFileNameMismatch(path, symbol); !name.empty()) {
        prepared.refusal = std::move(name);
    } else if (prepared.rows.empty()) {
        prepared.refusal = "no valid funding rates";
    } else if (!prepared.rejected.empty() && !options.allow_rejects) {
        prepared.refusal = fmt::format(
            "{} rows rejected; nothing imported from this file (fix the file, or pass --allow-rejects to import the "
            "{} valid rows and leave the time around the rejected ones to be loaded later)",
            prepared.rejected.size(), prepared.rows.size());
    }
    if (!prepared.refusal.empty() || !csv.covered) return prepared;

    std::vector<TimeRange> holes = std::move(csv.holes);
    for (const RejectedRow& r : prepared.rejected) {
        // A rejected row at a time an accepted row holds (a duplicate, or the row after a gap,
        // whose gap is a hole already) leaves nothing unknown; any other leaves its instant so.
        if (r.open_time_ms >= 0 && !HoldsTime(prepared.rows, r.open_time_ms)) {
            holes.push_back({r.open_time_ms, r.open_time_ms + 1});
        }
    }
    // Never past what can be known now: a file ending at today's settlement must not vouch for
    // the hours until the next one.
    const int64_t horizon = FundingHorizon(now_ms);
    holes.push_back({horizon, std::max(horizon, csv.covered->end_ms)});
    prepared.covered = SubtractRanges(*csv.covered, std::move(holes));
    return prepared;
}

Result<ImportReport> StoreFundingImport(BacktestCache& cache, const std::string& exchange, const std::string& symbol,
                                        PreparedFundingImport prepared) {
    ImportReport report{.file = std::move(prepared.file),
                        .lines_read = prepared.lines_read,
                        .imported = 0,
                        .rejected = std::move(prepared.rejected),
                        .notes = {},
                        .covered = std::move(prepared.covered),
                        .refusal = std::move(prepared.refusal)};
    if (!report.refusal.empty()) {
        report.covered.clear();
        return report;
    }
    if (Result<void> ok = cache.StoreFunding(exchange, symbol, prepared.rows, report.covered, "import"); !ok) {
        return std::unexpected(ok.error());
    }
    report.imported = static_cast<int64_t>(prepared.rows.size());
    return report;
}

Result<ImportReport> ImportFundingFile(BacktestCache& cache, const std::string& exchange, const std::string& symbol,
                                       const std::string& path, int64_t now_ms, const ImportOptions& options) {
    Result<PreparedFundingImport> prepared = PrepareFundingImport(symbol, path, now_ms, options);
    if (!prepared) return std::unexpected(prepared.error());
    return StoreFundingImport(cache, exchange, symbol, std::move(*prepared));
}

}  // namespace spark
