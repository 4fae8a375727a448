// Operator maintenance of the cache file: inventory, verification and deletion. These run from
// the command line against a file no service holds (DuckDB locks it to one process).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>

#include "common/time_format.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/coverage.h"
#include "marketdata/duckdb_rows.h"

namespace spark {
namespace {

constexpr const char* kBarStats =
    "SELECT exchange, symbol, bar_interval, count(*), min(open_time), max(open_time) FROM candles GROUP BY ALL";
constexpr const char* kAllCoverage =
    "SELECT exchange, symbol, bar_interval, start_time, end_time, source FROM coverage";
constexpr const char* kSeriesCoverage =
    "SELECT start_time, end_time FROM coverage WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3";
// Verify reads a series a page at a time (keyset on open_time): a long 1s series would not fit in
// memory at once.
constexpr int64_t kVerifyPageRows = 262'144;
const std::string kSeriesBars = fmt::format(
    "SELECT open_time, close_time, open, high, low, close, volume, quote_volume, trade_count, taker_buy_base, "
    "taker_buy_quote FROM candles WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND open_time > $4 "
    "ORDER BY open_time LIMIT {}",
    kVerifyPageRows);

// Deleting [$4, $5): the coverage rows crossing either end keep their outside parts (same source
// and load time), then every row overlapping the range goes. A kept part ends at $4 or starts at
// $5, so the final DELETE does not touch it.
constexpr const char* kDeleteBars =
    "DELETE FROM candles WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND open_time >= $4 AND "
    "open_time < $5";
constexpr const char* kKeepCoverageBefore =
    "INSERT INTO coverage SELECT exchange, symbol, bar_interval, start_time, $4, source, loaded_at FROM coverage "
    "WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND start_time < $4 AND end_time > $4";
constexpr const char* kKeepCoverageAfter =
    "INSERT INTO coverage SELECT exchange, symbol, bar_interval, $4, end_time, source, loaded_at FROM coverage "
    "WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND start_time < $4 AND end_time > $4";
constexpr const char* kOverlappingCoverage =
    "SELECT start_time, end_time FROM coverage WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND "
    "start_time < $5 AND end_time > $4";
constexpr const char* kDeleteCoverage =
    "DELETE FROM coverage WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND start_time < $5 AND "
    "end_time > $4";

//! Runs `sql` with the series bound to $1..$3 and `values` to $4 on; the result stays in `result`.
Result<void> RunFor(const DuckDbConnection& connection, const char* sql, const SeriesKey& series,
                    std::initializer_list<int64_t> values, QueryResult& result) {
    auto statement = PreparedStatement::Prepare(connection, sql);
    if (!statement) return std::unexpected(statement.error());
    BindSeries(statement->Handle(), series);
    idx_t index = 4;
    for (int64_t value : values) duckdb_bind_int64(statement->Handle(), index++, value);
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return CacheError("cache maintenance query failed", duckdb_result_error(result.Get()));
    }
    return {};
}

Result<void> Query(const DuckDbConnection& connection, const char* sql, QueryResult& result) {
    if (duckdb_query(connection.Handle(), sql, result.Get()) != DuckDBSuccess) {
        return CacheError("cache maintenance query failed", duckdb_result_error(result.Get()));
    }
    return {};
}

//! Counts one kind of problem and remembers its first example.
class ProblemTally {
  public:
    void Add(const std::string& kind, const std::string& example) {
        Entry& entry = entries_[kind];
        if (entry.count++ == 0) entry.first = example;
    }
    void AppendTo(std::vector<std::string>& out) const {
        for (const auto& [kind, entry] : entries_) {
            out.push_back(fmt::format("{} {} (first: {})", entry.count, kind, entry.first));
        }
    }

  private:
    struct Entry {
        int64_t count = 0;
        std::string first;
    };
    std::map<std::string, Entry> entries_;
};

}  // namespace

Result<std::vector<SeriesInventory>> BacktestCache::Inventory() {
    auto connection = DuckDbConnection::Connect(database_);
    if (!connection) return std::unexpected(connection.error());
    std::map<SeriesKey, SeriesInventory> by_series;
    {
        QueryResult stats;
        if (auto ok = Query(*connection, kBarStats, stats); !ok) return std::unexpected(Scrubbed(ok.error()));
        ForEachRow(*stats.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
            SeriesKey key{VarcharAt(chunk, 0, i), VarcharAt(chunk, 1, i), VarcharAt(chunk, 2, i)};
            SeriesInventory& entry = by_series[key];
            entry.series = key;
            entry.bars = Column<int64_t>(chunk, 3)[i];
            entry.first_open_ms = Column<int64_t>(chunk, 4)[i];
            entry.last_open_ms = Column<int64_t>(chunk, 5)[i];
        });
    }
    std::map<SeriesKey, std::set<std::string>> sources;
    {
        QueryResult coverage;
        if (auto ok = Query(*connection, kAllCoverage, coverage); !ok) return std::unexpected(Scrubbed(ok.error()));
        ForEachRow(*coverage.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
            SeriesKey key{VarcharAt(chunk, 0, i), VarcharAt(chunk, 1, i), VarcharAt(chunk, 2, i)};
            SeriesInventory& entry = by_series[key];
            entry.series = key;
            entry.coverage.push_back({Column<int64_t>(chunk, 3)[i], Column<int64_t>(chunk, 4)[i]});
            sources[key].insert(VarcharAt(chunk, 5, i));
        });
    }
    std::vector<SeriesInventory> out;
    out.reserve(by_series.size());
    for (auto& [key, entry] : by_series) {
        entry.coverage = MergeRanges(std::move(entry.coverage));
        const std::set<std::string>& names = sources[key];
        entry.sources.assign(names.begin(), names.end());
        out.push_back(std::move(entry));
    }
    return out;
}

Result<SeriesVerification> BacktestCache::Verify(const SeriesKey& series) {
    SeriesVerification out;
    out.series = series;
    const std::optional<Interval> interval = Interval::Parse(series.interval);
    if (!interval) {
        out.problems.push_back(fmt::format("'{}' is not a Binance interval name", series.interval));
        return out;
    }
    auto connection = DuckDbConnection::Connect(database_);
    if (!connection) return std::unexpected(connection.error());

    std::vector<TimeRange> coverage;
    {
        QueryResult result;
        if (auto ok = RunFor(*connection, kSeriesCoverage, series, {}, result); !ok)
            return std::unexpected(Scrubbed(ok.error()));
        ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
            coverage.push_back({Column<int64_t>(chunk, 0)[i], Column<int64_t>(chunk, 1)[i]});
        });
    }
    ProblemTally tally;
    // A coverage row need not be aligned: a request's range (an ISO start mid-bar, a date on a
    // weekly series) vouches for the open times inside it, which is what reads use.
    for (const TimeRange& range : coverage) {
        if (range.Empty()) {
            tally.Add("empty coverage rows",
                      fmt::format("{} .. {}", FormatIsoUtc(range.start_ms), FormatIsoUtc(range.end_ms)));
        }
    }
    coverage = MergeRanges(std::move(coverage));

    size_t range_index = 0;
    std::vector<int64_t> bars_in_range(coverage.size(), 0);
    int64_t after = std::numeric_limits<int64_t>::min();
    int64_t page_rows = 0;
    const auto check = [&](duckdb_data_chunk chunk, idx_t i) {
        const int64_t open_time = Column<int64_t>(chunk, 0)[i];
        const int64_t close_time = Column<int64_t>(chunk, 1)[i];
        const double open = Column<double>(chunk, 2)[i];
        const double high = Column<double>(chunk, 3)[i];
        const double low = Column<double>(chunk, 4)[i];
        const double close = Column<double>(chunk, 5)[i];
        const double volumes[] = {Column<double>(chunk, 6)[i], Column<double>(chunk, 7)[i],
                                  static_cast<double>(Column<int64_t>(chunk, 8)[i]), Column<double>(chunk, 9)[i],
                                  Column<double>(chunk, 10)[i]};
        const std::string at = FormatIsoUtc(open_time);
        ++out.bars;
        if (!interval->IsAligned(open_time)) {
            tally.Add(fmt::format("bars not aligned to {}", series.interval), at);
        } else if (close_time >= interval->Next(open_time)) {
            tally.Add("bars closing after their slot (a longer interval's bars?)", at);
        } else if (close_time != interval->Next(open_time) - 1) {
            ++out.short_bars;
        }
        const bool finite = std::isfinite(open) && std::isfinite(high) && std::isfinite(low) && std::isfinite(close);
        if (!finite || open <= 0 || high <= 0 || low <= 0 || close <= 0) {
            tally.Add("bars with a non-positive or non-finite price", at);
        } else if (high < std::max(open, close) || low > std::min(open, close)) {
            tally.Add("bars with inconsistent OHLC (high below open/close or low above them)", at);
        }
        if (std::any_of(std::begin(volumes), std::end(volumes), [](double v) { return !(v >= 0); })) {
            tally.Add("bars with a negative volume or trade count", at);
        }
        while (range_index < coverage.size() && coverage[range_index].end_ms <= open_time) ++range_index;
        if (range_index < coverage.size() && coverage[range_index].start_ms <= open_time) {
            ++bars_in_range[range_index];
        } else {
            // Such a bar is never read (reads trust coverage) but shows a write that skipped it.
            tally.Add("bars outside the recorded coverage", at);
        }
        after = open_time;
        ++page_rows;
    };
    do {
        page_rows = 0;
        QueryResult page;
        if (auto ok = RunFor(*connection, kSeriesBars.c_str(), series, {after}, page); !ok)
            return std::unexpected(Scrubbed(ok.error()));
        ForEachRow(*page.Get(), check);
    } while (page_rows == kVerifyPageRows);
    for (size_t r = 0; r < coverage.size(); ++r) {
        out.known_gaps +=
            std::max<int64_t>(interval->CountOpenTimes(coverage[r].start_ms, coverage[r].end_ms) - bars_in_range[r], 0);
    }
    tally.AppendTo(out.problems);
    return out;
}

Result<DeletedRange> BacktestCache::Delete(const SeriesKey& series, TimeRange range) {
    DeletedRange out;
    auto connection = DuckDbConnection::Connect(database_);
    if (!connection) return std::unexpected(connection.error());
    if (auto ok = connection->Execute("BEGIN TRANSACTION"); !ok) return std::unexpected(Scrubbed(ok.error()));
    const auto fail = [&](const Error& error) -> Result<DeletedRange> {
        (void)connection->Execute("ROLLBACK");
        return std::unexpected(Scrubbed(error));
    };
    {
        QueryResult removed;
        if (auto ok = RunFor(*connection, kOverlappingCoverage, series, {range.start_ms, range.end_ms}, removed); !ok)
            return fail(ok.error());
        std::vector<TimeRange> overlapping;
        ForEachRow(*removed.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
            overlapping.push_back({Column<int64_t>(chunk, 0)[i], Column<int64_t>(chunk, 1)[i]});
        });
        for (const TimeRange& part : MergeRanges(std::move(overlapping))) {
            const TimeRange cut{std::max(part.start_ms, range.start_ms), std::min(part.end_ms, range.end_ms)};
            if (!cut.Empty()) out.coverage_removed.push_back(cut);
        }
        out.coverage_removed = MergeRanges(std::move(out.coverage_removed));
    }
    QueryResult deleted;
    if (auto ok = RunFor(*connection, kDeleteBars, series, {range.start_ms, range.end_ms}, deleted); !ok)
        return fail(ok.error());
    out.bars = static_cast<int64_t>(duckdb_rows_changed(deleted.Get()));
    for (const auto& [sql, edge] :
         {std::pair{kKeepCoverageBefore, range.start_ms}, {kKeepCoverageAfter, range.end_ms}}) {
        QueryResult kept;
        if (auto ok = RunFor(*connection, sql, series, {edge}, kept); !ok) return fail(ok.error());
    }
    QueryResult cut;
    if (auto ok = RunFor(*connection, kDeleteCoverage, series, {range.start_ms, range.end_ms}, cut); !ok)
        return fail(ok.error());
    if (auto ok = connection->Execute("COMMIT"); !ok) return fail(ok.error());
    Forget(series);
    return out;
}

}  // namespace spark
