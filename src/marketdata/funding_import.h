#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/kline_csv.h"
#include "marketdata/kline_import.h"
#include "model/funding_rate.h"
#include "model/time_range.h"

namespace spark {

//! A parsed and checked funding dump, ready to store (or refused, with the reason).
struct PreparedFundingImport {
    std::string file;
    int64_t lines_read = 0;
    std::vector<FundingRate> rows;
    std::vector<RejectedRow> rejected;
    std::vector<TimeRange> covered;  //!< what funding_coverage will record from this file
    //! Non-empty when the file must not be imported: nothing of it is written. Set for a file
    //! whose name says another symbol, with rejected rows (unless allowed), or with no valid row.
    std::string refusal;
};

//! When the file is named as Binance names its funding dumps (`BTCUSDT-fundingRate-2024-01.zip`,
//! `BTCUSDT-fundingRate-2024-01.csv.gz`, `BTCUSDT-fundingRate.csv`), the reason its symbol
//! disagrees with `symbol`; empty when they agree or the name follows no known pattern.
std::string FundingFileNameMismatch(const std::string& path, const std::string& symbol);

//! Reads, parses and checks one funding dump (CSV, gzip or zip) without writing anything.
//! Coverage spans the file's first settlement to the last one's interval end, minus the gaps
//! between settlements and the instants of rejected rows, so a hole in the file is a miss to
//! load later, never a stretch without funding. Fails only when the file cannot be read.
Result<PreparedFundingImport> PrepareFundingImport(const std::string& symbol, const std::string& path, int64_t now_ms,
                                                   const ImportOptions& options = {});

//! Writes a prepared, unrefused file's rates and coverage in one transaction (source "import").
//! `ImportReport::imported` counts settlements.
Result<ImportReport> StoreFundingImport(BacktestCache& cache, const std::string& exchange, const std::string& symbol,
                                        PreparedFundingImport prepared);

//! Prepare and store in one step; a refused file is reported (refusal set, nothing written).
Result<ImportReport> ImportFundingFile(BacktestCache& cache, const std::string& exchange, const std::string& symbol,
                                       const std::string& path, int64_t now_ms, const ImportOptions& options = {});

}  // namespace spark
