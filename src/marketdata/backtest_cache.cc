#include "marketdata/backtest_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "common/failpoint.h"
#include "common/time_format.h"
#include "marketdata/coverage.h"
#include "marketdata/duckdb_rows.h"

namespace spark {
namespace {

//! Bars per hot-layer chunk: 1024 hourly bars is ~48 KB, about six weeks.
constexpr int64_t kChunkBars = 1024;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS candles (
    exchange VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    bar_interval VARCHAR NOT NULL,
    open_time BIGINT NOT NULL,
    open DOUBLE NOT NULL,
    high DOUBLE NOT NULL,
    low DOUBLE NOT NULL,
    close DOUBLE NOT NULL,
    volume DOUBLE NOT NULL,
    close_time BIGINT NOT NULL,
    quote_volume DOUBLE NOT NULL,
    trade_count BIGINT NOT NULL,
    taker_buy_base DOUBLE NOT NULL,
    taker_buy_quote DOUBLE NOT NULL,
    PRIMARY KEY (exchange, symbol, bar_interval, open_time));
CREATE TABLE IF NOT EXISTS coverage (
    exchange VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    bar_interval VARCHAR NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
CREATE TABLE IF NOT EXISTS funding_rates (
    exchange VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    funding_time BIGINT NOT NULL,
    funding_rate DOUBLE NOT NULL,
    mark_price DOUBLE,  -- NULL where the source gives none (dump files, old API rows)
    PRIMARY KEY (exchange, symbol, funding_time));
CREATE TABLE IF NOT EXISTS funding_coverage (
    exchange VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    source VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    CHECK (start_time < end_time));
)sql";

// Connection-local staging table: the Appender rejects duplicate keys, so rows go here first and
// reach `candles` through one INSERT OR REPLACE (ARCHITECTURE.md "DuckDB facts").
constexpr const char* kStaging =
    "CREATE TEMP TABLE IF NOT EXISTS staging_candles AS SELECT * FROM candles LIMIT 0; DELETE FROM staging_candles;";

constexpr const char* kReadBars =
    "SELECT open_time, open, high, low, close, volume FROM candles "
    "WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3 AND open_time >= $4 AND open_time < $5 "
    "ORDER BY open_time";
constexpr const char* kReadCoverage =
    "SELECT start_time, end_time FROM coverage WHERE exchange = $1 AND symbol = $2 AND bar_interval = $3";
constexpr const char* kInsertCoverage =
    "INSERT INTO coverage (exchange, symbol, bar_interval, start_time, end_time, source) VALUES ($1, $2, $3, $4, $5, "
    "$6)";

//! Appends the bars of a sorted chunk whose open time lies in `range`.
void AppendBarsIn(const std::vector<Candle>& chunk, TimeRange range, std::vector<Candle>& out) {
    const auto before = [](const Candle& c, int64_t t) { return c.open_time_ms < t; };
    const auto begin = std::lower_bound(chunk.begin(), chunk.end(), range.start_ms, before);
    const auto end = std::lower_bound(begin, chunk.end(), range.end_ms, before);
    out.insert(out.end(), begin, end);
}

}  // namespace

struct BacktestCache::Session {
    DuckDbConnection connection;
    PreparedStatement read_bars;
    PreparedStatement read_coverage;
    PreparedStatement insert_coverage;

    static Result<std::unique_ptr<Session>> Create(const DuckDbDatabase& database) {
        auto connection = DuckDbConnection::Connect(database);
        if (!connection) return std::unexpected(connection.error());
        auto read_bars = PreparedStatement::Prepare(*connection, kReadBars);
        if (!read_bars) return std::unexpected(read_bars.error());
        auto read_coverage = PreparedStatement::Prepare(*connection, kReadCoverage);
        if (!read_coverage) return std::unexpected(read_coverage.error());
        auto insert_coverage = PreparedStatement::Prepare(*connection, kInsertCoverage);
        if (!insert_coverage) return std::unexpected(insert_coverage.error());
        return std::make_unique<Session>(Session{std::move(*connection), std::move(*read_bars),
                                                 std::move(*read_coverage), std::move(*insert_coverage)});
    }
};

//! Exclusive use of one pooled session for the lifetime of the lease.
class BacktestCache::Lease {
  public:
    explicit Lease(BacktestCache& cache) : cache_(cache) {
        std::unique_lock lock(cache_.pool_mutex_);
        cache_.pool_ready_.wait(lock, [this] { return !cache_.idle_sessions_.empty(); });
        session_ = std::move(cache_.idle_sessions_.back());
        cache_.idle_sessions_.pop_back();
    }
    ~Lease() {
        {
            std::lock_guard lock(cache_.pool_mutex_);
            cache_.idle_sessions_.push_back(std::move(session_));
        }
        cache_.pool_ready_.notify_one();
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Session& operator*() { return *session_; }

  private:
    BacktestCache& cache_;
    std::unique_ptr<Session> session_;
};

BacktestCache::BacktestCache(std::string path, DuckDbDatabase database, size_t memory_budget_bytes)
    : path_(std::move(path)), database_(std::move(database)), memory_(memory_budget_bytes) {}

BacktestCache::~BacktestCache() {
    // Connections close before the database handle (member order would do it the other way).
    idle_sessions_.clear();
    probe_.reset();
}

Result<std::unique_ptr<BacktestCache>> BacktestCache::Open(const CacheOptions& options) {
    auto database = DuckDbDatabase::Open(options.path, options.duckdb_threads);
    if (!database) return std::unexpected(database.error());
    {
        auto setup = DuckDbConnection::Connect(*database);
        if (!setup) return std::unexpected(setup.error());
        if (auto ok = setup->Execute(kSchema); !ok) return std::unexpected(ok.error());
    }
    std::unique_ptr<BacktestCache> cache(
        new BacktestCache(options.path, std::move(*database), options.memory_budget_bytes));
    auto probe = DuckDbConnection::Connect(cache->database_);
    if (!probe) return std::unexpected(probe.error());
    cache->probe_.emplace(std::move(*probe));
    for (size_t i = 0; i < std::max<size_t>(options.connections, 1); ++i) {
        auto session = Session::Create(cache->database_);
        if (!session) return std::unexpected(session.error());
        cache->idle_sessions_.push_back(std::move(*session));
    }
    return cache;
}

Error BacktestCache::Scrubbed(Error error) const {
    // DuckDB's messages name the file; clients are told its name, not where it lives.
    const std::string name = std::filesystem::path(path_).filename().string();
    for (size_t at = 0; !path_.empty() && (at = error.message.find(path_, at)) != std::string::npos;) {
        error.message.replace(at, path_.size(), name);
        at += name.size();
    }
    return error;
}

Result<CachedBars> BacktestCache::Read(const SeriesKey& series, const Interval& interval, TimeRange range) {
    Result<CachedBars> read = ReadUnchecked(series, interval, range);
    if (read) return read;
    const std::string& message = read.error().message;
    const bool damaged = message.find("IO Error") != std::string::npos || message.find("orrupt") != std::string::npos ||
                         message.find("Serialization Error") != std::string::npos;
    if (read.error().code == ErrorCode::kCacheUnavailable && damaged) {
        // A file that fails a read (truncated, corrupt, unreadable) does not heal by itself:
        // readiness reports it until the process is restarted on a sound file. Passing failures
        // (out of memory under load, an interrupt) do not count.
        std::lock_guard lock(health_mutex_);
        if (read_failure_.empty()) read_failure_ = Scrubbed(read.error()).message;
    }
    return std::unexpected(Scrubbed(read.error()));
}

Result<CachedBars> BacktestCache::ReadUnchecked(const SeriesKey& series, const Interval& interval, TimeRange range) {
    CachedBars out;
    out.from_memory = true;
    if (range.Empty()) return out;
    std::optional<Lease> lease;  // taken only when something must come from DuckDB
    // Coverage first: it is then a lower bound for the bars read after it, even if a write lands
    // in between. Bars are only ever stored with coverage, so only covered time needs scanning.
    std::vector<TimeRange> coverage;
    if (auto cached = CachedCoverage(series)) {
        coverage = std::move(*cached);
    } else {
        lease.emplace(*this);
        auto loaded = CoverageWith(**lease, series);
        if (!loaded) return std::unexpected(loaded.error());
        coverage = std::move(*loaded);
    }
    out.uncovered = UncoveredRanges(coverage, range);
    out.fully_covered = out.uncovered.empty();
    const int64_t chunk_span = kChunkBars * interval.NominalMs();
    for (const TimeRange& part : SubtractRanges(range, out.uncovered)) {
        for (int64_t index = FloorDiv(part.start_ms, chunk_span); index <= FloorDiv(part.end_ms - 1, chunk_span);
             ++index) {
            std::optional<BarMemoryCache::Chunk> chunk = memory_.Get(series, index);
            if (!chunk) {
                out.from_memory = false;
                if (!lease) lease.emplace(*this);
                const uint64_t generation = memory_.Generation(series);
                auto loaded = ReadFromDuckDb(**lease, series, {index * chunk_span, (index + 1) * chunk_span});
                if (!loaded) return std::unexpected(loaded.error());
                chunk = std::make_shared<const std::vector<Candle>>(std::move(*loaded));
                memory_.Put(series, index, generation, *chunk);
            }
            AppendBarsIn(**chunk, part, out.bars);
        }
    }
    return out;
}

std::optional<std::vector<TimeRange>> BacktestCache::CachedCoverage(const SeriesKey& series) {
    std::lock_guard lock(coverage_mutex_);
    const auto it = coverage_.find(series);
    if (it == coverage_.end()) return std::nullopt;
    return it->second;
}

Result<std::vector<TimeRange>> BacktestCache::Coverage(const SeriesKey& series) {
    Lease lease(*this);
    return CoverageWith(*lease, series);
}

Result<std::vector<std::string>> BacktestCache::IntervalsWithCoverage(const std::string& exchange,
                                                                      const std::string& symbol) {
    Lease lease(*this);
    auto statement = PreparedStatement::Prepare(
        (*lease).connection, "SELECT DISTINCT bar_interval FROM coverage WHERE exchange = $1 AND symbol = $2");
    if (!statement) return std::unexpected(Scrubbed(statement.error()));
    duckdb_bind_varchar_length(statement->Handle(), 1, exchange.data(), exchange.size());
    duckdb_bind_varchar_length(statement->Handle(), 2, symbol.data(), symbol.size());
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(Scrubbed(CacheError("cannot read coverage", duckdb_result_error(result.Get())).error()));
    }
    std::vector<std::string> intervals;
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) { intervals.push_back(VarcharAt(chunk, 0, i)); });
    return intervals;
}

Result<std::vector<TimeRange>> BacktestCache::CoverageWith(Session& session, const SeriesKey& series) {
    // Loaded and inserted under the lock, and erased under it after every commit, so a reader
    // can never re-insert coverage that predates a write.
    std::lock_guard lock(coverage_mutex_);
    if (const auto it = coverage_.find(series); it != coverage_.end()) return it->second;
    duckdb_prepared_statement stmt = session.read_coverage.Handle();
    BindSeries(stmt, series);
    QueryResult result;
    if (duckdb_execute_prepared(stmt, result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot read coverage", duckdb_result_error(result.Get())).error());
    }
    std::vector<TimeRange> ranges;
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        ranges.push_back({Column<int64_t>(chunk, 0)[i], Column<int64_t>(chunk, 1)[i]});
    });
    ranges = MergeRanges(std::move(ranges));
    // Only series that exist are remembered: requests for arbitrary unknown symbols must not grow
    // this map without bound.
    if (!ranges.empty()) coverage_[series] = ranges;
    return ranges;
}

Result<std::vector<Candle>> BacktestCache::ReadFromDuckDb(Session& session, const SeriesKey& series, TimeRange range) {
    duckdb_prepared_statement stmt = session.read_bars.Handle();
    BindSeries(stmt, series);
    duckdb_bind_int64(stmt, 4, range.start_ms);
    duckdb_bind_int64(stmt, 5, range.end_ms);
    QueryResult result;
    if (duckdb_execute_prepared(stmt, result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot read bars", duckdb_result_error(result.Get())).error());
    }
    std::vector<Candle> bars;
    bars.reserve(duckdb_row_count(result.Get()));
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        bars.push_back({Column<int64_t>(chunk, 0)[i], Column<double>(chunk, 1)[i], Column<double>(chunk, 2)[i],
                        Column<double>(chunk, 3)[i], Column<double>(chunk, 4)[i], Column<double>(chunk, 5)[i]});
    });
    return bars;
}

Result<void> BacktestCache::Store(const SeriesKey& series, std::span<const KlineRow> rows,
                                  std::span<const TimeRange> covered, std::string_view source) {
    Result<void> stored;
    {
        Lease lease(*this);
        stored = StoreWith(*lease, rows, series, covered, source);
        if (!stored) stored = std::unexpected(Scrubbed(stored.error()));
    }
    // Even a failed write may have raced a reader; dropping the hot copies is always safe.
    Forget(series);
    return stored;
}

Result<void> BacktestCache::WithConnection(const std::function<Result<void>(DuckDbConnection&)>& work) {
    Lease lease(*this);
    return work((*lease).connection);
}

void BacktestCache::Forget(const SeriesKey& series) {
    memory_.Invalidate(series);
    std::lock_guard lock(coverage_mutex_);
    coverage_.erase(series);
}

Result<void> BacktestCache::StoreWith(Session& session, std::span<const KlineRow> rows, const SeriesKey& series,
                                      std::span<const TimeRange> covered, std::string_view source) {
    DuckDbConnection& conn = session.connection;
    if (auto ok = conn.Execute(kStaging); !ok) return ok;

    duckdb_appender appender = nullptr;
    if (duckdb_appender_create_ext(conn.Handle(), "temp", "main", "staging_candles", &appender) != DuckDBSuccess) {
        Result<void> error = CacheError("cannot create appender", duckdb_appender_error(appender));
        duckdb_appender_destroy(&appender);
        return error;
    }
    bool appended = true;
    for (const KlineRow& row : rows) {
        const Candle& c = row.candle;
        appended =
            appended &&
            duckdb_append_varchar_length(appender, series.exchange.data(), series.exchange.size()) == DuckDBSuccess &&
            duckdb_append_varchar_length(appender, series.symbol.data(), series.symbol.size()) == DuckDBSuccess &&
            duckdb_append_varchar_length(appender, series.interval.data(), series.interval.size()) == DuckDBSuccess &&
            duckdb_append_int64(appender, c.open_time_ms) == DuckDBSuccess &&
            duckdb_append_double(appender, c.open) == DuckDBSuccess &&
            duckdb_append_double(appender, c.high) == DuckDBSuccess &&
            duckdb_append_double(appender, c.low) == DuckDBSuccess &&
            duckdb_append_double(appender, c.close) == DuckDBSuccess &&
            duckdb_append_double(appender, c.volume) == DuckDBSuccess &&
            duckdb_append_int64(appender, row.close_time_ms) == DuckDBSuccess &&
            duckdb_append_double(appender, row.quote_volume) == DuckDBSuccess &&
            duckdb_append_int64(appender, row.trade_count) == DuckDBSuccess &&
            duckdb_append_double(appender, row.taker_buy_base) == DuckDBSuccess &&
            duckdb_append_double(appender, row.taker_buy_quote) == DuckDBSuccess &&
            duckdb_appender_end_row(appender) == DuckDBSuccess;
        if (!appended) break;
    }
    appended = appended && duckdb_appender_close(appender) == DuckDBSuccess;
    if (!appended) {
        Result<void> error = CacheError("cannot stage bars", duckdb_appender_error(appender));
        duckdb_appender_destroy(&appender);
        return error;
    }
    duckdb_appender_destroy(&appender);

    if (auto ok = conn.Execute("BEGIN TRANSACTION"); !ok) return ok;
    auto fail = [&](Result<void> error) {
        (void)conn.Execute("ROLLBACK");
        return error;
    };
    if (auto ok = conn.Execute("INSERT OR REPLACE INTO candles SELECT * FROM staging_candles ORDER BY open_time");
        !ok) {
        return fail(ok);
    }
    Failpoint("cache-store-mid-transaction");  // the bars are in, their coverage not yet
    duckdb_prepared_statement stmt = session.insert_coverage.Handle();
    for (const TimeRange& range : covered) {
        BindSeries(stmt, series);
        duckdb_bind_int64(stmt, 4, range.start_ms);
        duckdb_bind_int64(stmt, 5, range.end_ms);
        duckdb_bind_varchar_length(stmt, 6, source.data(), source.size());
        QueryResult result;
        if (duckdb_execute_prepared(stmt, result.Get()) != DuckDBSuccess) {
            return fail(CacheError("cannot record coverage", duckdb_result_error(result.Get())));
        }
    }
    if (auto ok = conn.Execute("COMMIT"); !ok) return fail(ok);
    Failpoint("cache-store-after-commit");
    // The data is committed; emptying the staging table is housekeeping (it is emptied before
    // every use anyway), so its failure must not report the write as failed.
    (void)conn.Execute("DELETE FROM staging_candles");
    return {};
}

Result<void> BacktestCache::Ping() {
    {
        std::lock_guard lock(health_mutex_);
        if (!read_failure_.empty()) {
            return MakeError(ErrorCode::kCacheUnavailable,
                             fmt::format("the cache file failed a read and cannot be trusted until it is repaired or "
                                         "replaced: {}",
                                         read_failure_));
        }
    }
    std::lock_guard lock(probe_mutex_);
    // Hashing every coverage row reads its blocks: count(*) alone is answered from metadata and
    // passes on a truncated file.
    Result<void> probed =
        probe_->Execute("SELECT sum(hash(exchange, symbol, bar_interval, start_time, end_time)) FROM coverage");
    if (!probed) return std::unexpected(Scrubbed(probed.error()));
    return probed;
}

}  // namespace spark
