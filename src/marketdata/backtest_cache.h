#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "marketdata/bar_memory_cache.h"
#include "marketdata/duckdb_connection.h"
#include "marketdata/kline_row.h"
#include "marketdata/series_key.h"
#include "model/candle.h"
#include "model/funding_rate.h"
#include "model/time_range.h"

namespace spark {

struct CacheOptions {
    std::string path = "var/spark.duckdb";
    int duckdb_threads = 1;                   //!< per query; see ARCHITECTURE.md
    size_t connections = 4;                   //!< one per worker thread plus spares
    size_t memory_budget_bytes = 256u << 20;  //!< hot layer size
};

//! What the cache holds for a range: its bars in time order, whether the coverage table says the
//! whole range was loaded (so absent bars are real exchange gaps, not misses), and whether every
//! bar came from the in-memory layer.
struct CachedBars {
    std::vector<Candle> bars;
    std::vector<TimeRange> uncovered;  //!< parts of the range never loaded from a source
    bool fully_covered = false;
    bool from_memory = false;
};

//! What the cache holds of one perpetual's funding for a range.
struct CachedFunding {
    std::vector<FundingRate> rates;    //!< settlements with time in the range, in time order
    std::vector<TimeRange> uncovered;  //!< parts of the range never loaded from a source
};

//! One series as the cache holds it, for operators (`spark-executor cache list`).
struct SeriesInventory {
    SeriesKey series;
    int64_t bars = 0;
    int64_t first_open_ms = -1;  //!< -1 when the series has coverage but no bar
    int64_t last_open_ms = -1;
    std::vector<TimeRange> coverage;   //!< merged
    std::vector<std::string> sources;  //!< where the coverage came from (import, binance, ...)
};

//! What `cache verify` found in one series. Problems mean the file holds something no load or
//! import of this version writes; gaps and halt bars are real exchange data and only counted.
struct SeriesVerification {
    SeriesKey series;
    int64_t bars = 0;
    int64_t known_gaps = 0;  //!< covered slots without a bar (exchange outages)
    int64_t short_bars = 0;  //!< bars closing before their slot ends (trading halts)
    std::vector<std::string> problems;
};

//! What `cache delete` removed.
struct DeletedRange {
    int64_t bars = 0;
    std::vector<TimeRange> coverage_removed;  //!< merged
};

//! The candle cache: a DuckDB file with `candles` keyed by (exchange, symbol, bar_interval,
//! open_time) and a `coverage` table of the time ranges loaded from a source, behind a bounded
//! in-memory layer. One database handle per process, one connection per concurrent user.
class BacktestCache {
  public:
    static Result<std::unique_ptr<BacktestCache>> Open(const CacheOptions& options);
    ~BacktestCache();

    //! Bars with open time in `range`, in time order.
    Result<CachedBars> Read(const SeriesKey& series, const Interval& interval, TimeRange range);
    //! The merged ranges ever loaded for the series.
    Result<std::vector<TimeRange>> Coverage(const SeriesKey& series);
    //! The intervals of `symbol` on `exchange` with any coverage, in one query: what resampling
    //! may build from, without asking for every interval of a symbol the cache may not hold.
    Result<std::vector<std::string>> IntervalsWithCoverage(const std::string& exchange, const std::string& symbol);
    //! Writes `rows` and records `covered` in one transaction: all of it lands or none of it.
    Result<void> Store(const SeriesKey& series, std::span<const KlineRow> rows, std::span<const TimeRange> covered,
                       std::string_view source);
    //! Readiness: fails once a read has failed on the file with an I/O or corruption error
    //! (sticky: a damaged file does not heal), else reads every coverage row on a connection reserved for probes, so
    //! readiness checks never queue behind backtests for a pooled one.
    Result<void> Ping();

    // Maintenance (cache_maintenance.cc): for the CLI, against a file no service holds.

    //! Every series with bars or coverage, sorted by exchange, symbol and interval.
    Result<std::vector<SeriesInventory>> Inventory();
    //! Checks every bar of the series (alignment, close time within its slot, OHLC sanity,
    //! non-negative volumes), every bar lies inside coverage, no coverage row is empty.
    Result<SeriesVerification> Verify(const SeriesKey& series);
    //! Deletes the series' bars with open time in `range` and cuts `range` out of its coverage,
    //! in one transaction: afterwards the range is a miss, never a claimed gap.
    Result<DeletedRange> Delete(const SeriesKey& series, TimeRange range);

    // Funding rates (funding_store.cc): USD-M perpetual funding settlements in `funding_rates`,
    // keyed by (exchange, symbol, funding_time), and the ranges loaded in `funding_coverage`. As
    // with bars, a covered range without a settlement in it is known to have none. Not in the
    // in-memory layer: a year of 8-hourly settlements is about a thousand rows.

    //! Settlements with time in `range`, in time order, and the parts of `range` never loaded.
    Result<CachedFunding> ReadFunding(const std::string& exchange, const std::string& symbol, TimeRange range);
    //! The merged ranges ever loaded for the symbol's funding.
    Result<std::vector<TimeRange>> FundingCoverage(const std::string& exchange, const std::string& symbol);
    //! Writes `rows` (INSERT OR REPLACE by time) and records each of `covered` in one transaction:
    //! all of it lands or none of it. Every covered range must be non-empty (the table refuses an
    //! empty one, and then nothing is written).
    Result<void> StoreFunding(const std::string& exchange, const std::string& symbol, std::span<const FundingRate> rows,
                              std::span<const TimeRange> covered, std::string_view source);

    size_t MemoryBytesUsed() { return memory_.BytesUsed(); }
    //! The process's one database handle, for the other tables of the file (stored runs).
    const DuckDbDatabase& Database() const { return database_; }
    const std::string& Path() const { return path_; }

  private:
    struct Session;
    class Lease;

    BacktestCache(std::string path, DuckDbDatabase database, size_t memory_budget_bytes);
    Result<CachedBars> ReadUnchecked(const SeriesKey& series, const Interval& interval, TimeRange range);
    //! `error` with the file's path reduced to its name.
    Error Scrubbed(Error error) const;
    Result<std::vector<TimeRange>> CoverageWith(Session& session, const SeriesKey& series);
    std::optional<std::vector<TimeRange>> CachedCoverage(const SeriesKey& series);
    Result<std::vector<Candle>> ReadFromDuckDb(Session& session, const SeriesKey& series, TimeRange range);
    Result<void> StoreWith(Session& session, std::span<const KlineRow> rows, const SeriesKey& series,
                           std::span<const TimeRange> covered, std::string_view source);

    //! Runs `work` on a pooled connection, for members defined outside backtest_cache.cc (where
    //! the pool's Lease is).
    Result<void> WithConnection(const std::function<Result<void>(DuckDbConnection&)>& work);

    //! Drops the hot copies of a series after a write or delete.
    void Forget(const SeriesKey& series);

    std::string path_;
    DuckDbDatabase database_;
    BarMemoryCache memory_;

    std::mutex pool_mutex_;
    std::condition_variable pool_ready_;
    std::vector<std::unique_ptr<Session>> idle_sessions_;

    std::mutex probe_mutex_;
    std::optional<DuckDbConnection> probe_;
    std::mutex health_mutex_;
    std::string read_failure_;  //!< the first failed read's message; empty while reads succeed

    std::mutex coverage_mutex_;
    std::map<SeriesKey, std::vector<TimeRange>> coverage_;  //!< merged, loaded on first use
};

}  // namespace spark
