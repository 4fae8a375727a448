// Funding rates in the cache file, beside the candles: written with their coverage in one
// transaction, read with the parts of a range never loaded, so a covered range without a
// settlement is known to have none (the same contract as bars, backtest_cache.h).
#include <duckdb.h>
#include <fmt/format.h>

#include <limits>

#include "common/failpoint.h"
#include "common/time_format.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/coverage.h"
#include "marketdata/duckdb_rows.h"

namespace spark {
namespace {

constexpr const char* kReadFundingCoverage =
    "SELECT start_time, end_time FROM funding_coverage WHERE exchange = $1 AND symbol = $2";
constexpr const char* kReadFundingRates =
    "SELECT funding_time, funding_rate, mark_price FROM funding_rates "
    "WHERE exchange = $1 AND symbol = $2 AND funding_time >= $3 AND funding_time < $4 ORDER BY funding_time";
// Connection-local staging table: the Appender rejects duplicate keys, so rows go here first and
// reach `funding_rates` through one INSERT ... ON CONFLICT DO UPDATE (ARCHITECTURE.md "DuckDB facts").
constexpr const char* kStagingFunding =
    "CREATE TEMP TABLE IF NOT EXISTS staging_funding AS SELECT * FROM funding_rates LIMIT 0; "
    "DELETE FROM staging_funding;";
constexpr const char* kInsertFundingCoverage =
    "INSERT INTO funding_coverage (exchange, symbol, start_time, end_time, source) VALUES ($1, $2, $3, $4, $5)";

//! Binds exchange and symbol to parameters $1 and $2.
void BindSymbol(duckdb_prepared_statement stmt, const std::string& exchange, const std::string& symbol) {
    duckdb_bind_varchar_length(stmt, 1, exchange.data(), exchange.size());
    duckdb_bind_varchar_length(stmt, 2, symbol.data(), symbol.size());
}

Result<std::vector<TimeRange>> ReadCoverage(DuckDbConnection& connection, const std::string& exchange,
                                            const std::string& symbol) {
    auto statement = PreparedStatement::Prepare(connection, kReadFundingCoverage);
    if (!statement) return std::unexpected(statement.error());
    BindSymbol(statement->Handle(), exchange, symbol);
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot read funding coverage", duckdb_result_error(result.Get())).error());
    }
    std::vector<TimeRange> ranges;
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        ranges.push_back({Column<int64_t>(chunk, 0)[i], Column<int64_t>(chunk, 1)[i]});
    });
    return MergeRanges(std::move(ranges));
}

Result<std::vector<FundingRate>> ReadRates(DuckDbConnection& connection, const std::string& exchange,
                                           const std::string& symbol, TimeRange range) {
    auto statement = PreparedStatement::Prepare(connection, kReadFundingRates);
    if (!statement) return std::unexpected(statement.error());
    BindSymbol(statement->Handle(), exchange, symbol);
    duckdb_bind_int64(statement->Handle(), 3, range.start_ms);
    duckdb_bind_int64(statement->Handle(), 4, range.end_ms);
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot read funding rates", duckdb_result_error(result.Get())).error());
    }
    std::vector<FundingRate> rates;
    rates.reserve(duckdb_row_count(result.Get()));
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        // A NULL mark price (none given by the source) comes back as NaN, as FundingRate wants it.
        uint64_t* valid = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, 2));
        const bool has_mark = valid == nullptr || duckdb_validity_row_is_valid(valid, i);
        rates.push_back(FundingRate{
            .time_ms = Column<int64_t>(chunk, 0)[i],
            .rate = Column<double>(chunk, 1)[i],
            .mark_price = has_mark ? Column<double>(chunk, 2)[i] : std::numeric_limits<double>::quiet_NaN()});
    });
    return rates;
}

Result<void> StageRows(DuckDbConnection& connection, const std::string& exchange, const std::string& symbol,
                       std::span<const FundingRate> rows) {
    if (auto ok = connection.Execute(kStagingFunding); !ok) return ok;
    duckdb_appender appender = nullptr;
    if (duckdb_appender_create_ext(connection.Handle(), "temp", "main", "staging_funding", &appender) !=
        DuckDBSuccess) {
        Result<void> error = CacheError("cannot create appender", duckdb_appender_error(appender));
        duckdb_appender_destroy(&appender);
        return error;
    }
    bool appended = true;
    for (const FundingRate& row : rows) {
        appended =
            appended && duckdb_append_varchar_length(appender, exchange.data(), exchange.size()) == DuckDBSuccess &&
            duckdb_append_varchar_length(appender, symbol.data(), symbol.size()) == DuckDBSuccess &&
            duckdb_append_int64(appender, row.time_ms) == DuckDBSuccess &&
            duckdb_append_double(appender, row.rate) == DuckDBSuccess &&
            (row.HasMarkPrice() ? duckdb_append_double(appender, row.mark_price) : duckdb_append_null(appender)) ==
                DuckDBSuccess &&
            duckdb_appender_end_row(appender) == DuckDBSuccess;
        if (!appended) break;
    }
    appended = appended && duckdb_appender_close(appender) == DuckDBSuccess;
    if (!appended) {
        Result<void> error = CacheError("cannot stage funding rates", duckdb_appender_error(appender));
        duckdb_appender_destroy(&appender);
        return error;
    }
    duckdb_appender_destroy(&appender);
    return {};
}

//! The rows and the coverage that vouches for them, in one transaction.
Result<void> StoreWithin(DuckDbConnection& connection, const std::string& exchange, const std::string& symbol,
                         std::span<const FundingRate> rows, std::span<const TimeRange> covered,
                         std::string_view source) {
    if (auto ok = StageRows(connection, exchange, symbol, rows); !ok) return ok;
    auto insert_coverage = PreparedStatement::Prepare(connection, kInsertFundingCoverage);
    if (!insert_coverage) return std::unexpected(insert_coverage.error());

    if (auto ok = connection.Execute("BEGIN TRANSACTION"); !ok) return ok;
    auto fail = [&](Result<void> error) {
        (void)connection.Execute("ROLLBACK");
        return error;
    };
    // A row without a mark price (a dump file's) keeps the mark price an API row stored before.
    if (auto ok = connection.Execute(
            "INSERT INTO funding_rates SELECT * FROM staging_funding ORDER BY funding_time "
            "ON CONFLICT (exchange, symbol, funding_time) DO UPDATE SET funding_rate = excluded.funding_rate, "
            "mark_price = coalesce(excluded.mark_price, funding_rates.mark_price)");
        !ok) {
        return fail(ok);
    }
    Failpoint("funding-store-mid-transaction");  // the rates are in, their coverage not yet
    duckdb_prepared_statement stmt = insert_coverage->Handle();
    for (const TimeRange& range : covered) {
        BindSymbol(stmt, exchange, symbol);
        duckdb_bind_int64(stmt, 3, range.start_ms);
        duckdb_bind_int64(stmt, 4, range.end_ms);
        duckdb_bind_varchar_length(stmt, 5, source.data(), source.size());
        QueryResult result;
        if (duckdb_execute_prepared(stmt, result.Get()) != DuckDBSuccess) {
            return fail(CacheError("cannot record funding coverage", duckdb_result_error(result.Get())));
        }
    }
    if (auto ok = connection.Execute("COMMIT"); !ok) return fail(ok);
    // The data is committed; emptying the staging table is housekeeping (it is emptied before
    // every use anyway), so its failure must not report the write as failed.
    (void)connection.Execute("DELETE FROM staging_funding");
    return {};
}

}  // namespace

Result<CachedFunding> BacktestCache::ReadFunding(const std::string& exchange, const std::string& symbol,
                                                 TimeRange range) {
    CachedFunding out;
    if (range.Empty()) return out;
    Result<void> read = WithConnection([&](DuckDbConnection& connection) -> Result<void> {
        // Coverage first: it is then a lower bound for the rates read after it, even if a write
        // lands in between (rates are only ever stored with their coverage).
        Result<std::vector<TimeRange>> coverage = ReadCoverage(connection, exchange, symbol);
        if (!coverage) return std::unexpected(coverage.error());
        out.uncovered = UncoveredRanges(*coverage, range);
        Result<std::vector<FundingRate>> rates = ReadRates(connection, exchange, symbol, range);
        if (!rates) return std::unexpected(rates.error());
        out.rates = std::move(*rates);
        return {};
    });
    if (!read) return std::unexpected(Scrubbed(read.error()));
    return out;
}

Result<std::vector<TimeRange>> BacktestCache::FundingCoverage(const std::string& exchange, const std::string& symbol) {
    std::vector<TimeRange> ranges;
    Result<void> read = WithConnection([&](DuckDbConnection& connection) -> Result<void> {
        Result<std::vector<TimeRange>> coverage = ReadCoverage(connection, exchange, symbol);
        if (!coverage) return std::unexpected(coverage.error());
        ranges = std::move(*coverage);
        return {};
    });
    if (!read) return std::unexpected(Scrubbed(read.error()));
    return ranges;
}

Result<void> BacktestCache::StoreFunding(const std::string& exchange, const std::string& symbol,
                                         std::span<const FundingRate> rows, std::span<const TimeRange> covered,
                                         std::string_view source) {
    // Both sources (Binance pages, dump files) hand over sorted unique rows; two rows for one time
    // in a single INSERT OR REPLACE would fail the write deep inside DuckDB instead of here.
    for (size_t i = 1; i < rows.size(); ++i) {
        if (rows[i].time_ms <= rows[i - 1].time_ms) {
            return MakeError(ErrorCode::kInternal,
                             fmt::format("funding rates to store are not in strictly increasing time order at {}",
                                         FormatIsoUtc(rows[i].time_ms)));
        }
    }
    Result<void> stored = WithConnection(
        [&](DuckDbConnection& connection) { return StoreWithin(connection, exchange, symbol, rows, covered, source); });
    if (!stored) return std::unexpected(Scrubbed(stored.error()));
    return stored;
}

}  // namespace spark
