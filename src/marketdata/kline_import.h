#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/kline_csv.h"
#include "marketdata/series_key.h"

namespace spark {

struct ImportOptions {
    //! Import the valid rows of a file that has rejected ones (their slots stay misses). Off by
    //! default: a file with bad rows is usually the wrong file, not a slightly damaged one.
    bool allow_rejects = false;
};

//! A parsed and checked file, ready to store (or refused, with the reason).
struct PreparedImport {
    std::string file;
    int64_t lines_read = 0;
    std::vector<KlineRow> rows;
    std::vector<RejectedRow> rejected;
    std::vector<std::string> notes;
    std::vector<TimeRange> covered;  //!< what the coverage table will record from this file
    //! Non-empty when the file must not be imported: nothing of it is written. Set for a file
    //! whose name says another symbol or interval, whose rows are spaced unlike the interval, with
    //! rejected rows (unless allowed), or with no valid row.
    std::string refusal;
};

struct ImportReport {
    std::string file;
    int64_t lines_read = 0;
    int64_t imported = 0;
    std::vector<RejectedRow> rejected;
    std::vector<std::string> notes;
    std::vector<TimeRange> covered;  //!< what the coverage table now records from this file
    std::string refusal;             //!< non-empty: nothing was written, and why
};

//! Reads, parses and checks one Binance kline file (CSV, gzip or zip) for `series` without
//! writing anything. Coverage spans the file's first to last bar, minus the slots of rejected
//! rows, so a rejected bar is a miss to fetch again later, while a bar absent from the file is a
//! known gap. Fails only when the file cannot be read.
Result<PreparedImport> PrepareKlineImport(const SeriesKey& series, const Interval& interval, const std::string& path,
                                          int64_t now_ms, const ImportOptions& options = {});

//! Writes a prepared, unrefused file's bars and coverage in one transaction.
Result<ImportReport> StoreKlineImport(BacktestCache& cache, const SeriesKey& series, PreparedImport prepared);

//! Prepare and store in one step; a refused file is reported (refusal set, nothing written).
Result<ImportReport> ImportKlineFile(BacktestCache& cache, const SeriesKey& series, const Interval& interval,
                                     const std::string& path, int64_t now_ms, const ImportOptions& options = {});

//! When the file is named as Binance names its dumps (`BTCUSDT-1h-2024-01.zip`,
//! `BTCUSDT-1h-2024-01-15.csv`, `BTCUSDT-1h.csv.gz`), the reason its symbol or interval
//! disagrees with `series`; empty when they agree or the name follows no known pattern.
std::string FileNameMismatch(const std::string& path, const SeriesKey& series);

//! When most consecutive open times (sorted, unique) are not one `interval` apart, a reason
//! naming the spacing found (a 1h file imported as 4h, or as 1d); empty otherwise. Real gaps (a
//! few missing bars) pass.
std::string SpacingMismatch(const std::vector<int64_t>& open_times, const Interval& interval);

}  // namespace spark
