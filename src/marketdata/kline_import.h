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

struct ImportReport {
    std::string file;
    int64_t lines_read = 0;
    int64_t imported = 0;
    std::vector<RejectedRow> rejected;
    std::vector<std::string> notes;
    std::vector<TimeRange> covered;  //!< what the coverage table now records from this file
};

//! Imports one Binance kline CSV (optionally gzipped) into the cache in one transaction.
//! Coverage spans the file's first to last bar, minus the slots of rejected rows, so a
//! rejected bar is a miss to fetch again later, while a bar absent from the file is a known gap.
Result<ImportReport> ImportKlineFile(BacktestCache& cache, const SeriesKey& series, const Interval& interval,
                                     const std::string& path, int64_t now_ms);

}  // namespace spark
