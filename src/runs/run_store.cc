#include "runs/run_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/interval.h"
#include "common/time_format.h"
#include "marketdata/compressed_text.h"
#include "marketdata/duckdb_rows.h"

namespace spark::runs {
namespace {

using nlohmann::json;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    created_ms BIGINT NOT NULL,
    route VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    timeframe VARCHAR NOT NULL,
    strategy VARCHAR NOT NULL,
    range_start VARCHAR NOT NULL,
    range_end VARCHAR NOT NULL,
    total_return DOUBLE,
    sharpe DOUBLE,
    max_drawdown DOUBLE,
    num_trades BIGINT,
    request_bytes BIGINT NOT NULL,
    request BLOB NOT NULL,
    answer_bytes BIGINT NOT NULL,
    answer BLOB NOT NULL,
    attachments_bytes BIGINT NOT NULL,
    attachments BLOB NOT NULL);
)sql";

constexpr const char* kSummaryColumns =
    "run_id, created_ms, route, mode, symbol, timeframe, strategy, range_start, range_end, total_return, sharpe, "
    "max_drawdown, num_trades, answer_bytes";

std::optional<double> DoubleAt(duckdb_data_chunk chunk, idx_t column, idx_t row) {
    uint64_t* validity = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, column));
    if (validity != nullptr && !duckdb_validity_row_is_valid(validity, row)) return std::nullopt;
    return Column<double>(chunk, column)[row];
}

std::optional<int64_t> IntegerAt(duckdb_data_chunk chunk, idx_t column, idx_t row) {
    uint64_t* validity = duckdb_vector_get_validity(duckdb_data_chunk_get_vector(chunk, column));
    if (validity != nullptr && !duckdb_validity_row_is_valid(validity, row)) return std::nullopt;
    return Column<int64_t>(chunk, column)[row];
}

RunSummary SummaryAt(duckdb_data_chunk chunk, idx_t i) {
    return {.run_id = VarcharAt(chunk, 0, i),
            .created_ms = Column<int64_t>(chunk, 1)[i],
            .route = VarcharAt(chunk, 2, i),
            .mode = VarcharAt(chunk, 3, i),
            .symbol = VarcharAt(chunk, 4, i),
            .timeframe = VarcharAt(chunk, 5, i),
            .strategy = VarcharAt(chunk, 6, i),
            .start = VarcharAt(chunk, 7, i),
            .end = VarcharAt(chunk, 8, i),
            .total_return = DoubleAt(chunk, 9, i),
            .sharpe = DoubleAt(chunk, 10, i),
            .max_drawdown = DoubleAt(chunk, 11, i),
            .num_trades = IntegerAt(chunk, 12, i),
            .answer_bytes = Column<int64_t>(chunk, 13)[i]};
}

bool Matches(const RunSummary& s, const RunFilter& f) {
    return (f.route.empty() || s.route == f.route) && (f.symbol.empty() || s.symbol == f.symbol) &&
           (f.strategy.empty() || s.strategy == f.strategy);
}

void BindText(duckdb_prepared_statement statement, idx_t index, const std::string& text) {
    duckdb_bind_varchar_length(statement, index, text.data(), text.size());
}

void BindOptional(duckdb_prepared_statement statement, idx_t index, const std::optional<double>& value) {
    if (value) {
        duckdb_bind_double(statement, index, *value);
    } else {
        duckdb_bind_null(statement, index);
    }
}

}  // namespace

Result<std::unique_ptr<RunStore>> RunStore::Open(const DuckDbDatabase& database, RunStoreOptions options) {
    auto connection = DuckDbConnection::Connect(database);
    if (!connection) return std::unexpected(connection.error());
    if (auto ok = connection->Execute(kSchema); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<RunStore>(new RunStore(std::move(*connection), options));
}

RunStore::RunStore(DuckDbConnection connection, RunStoreOptions options)
    : options_(options), connection_(std::move(connection)) {
    if (Enabled()) writer_ = std::thread([this] { WriteLoop(); });
}

RunStore::~RunStore() {
    {
        std::lock_guard lock(queue_mutex_);
        stopping_ = true;
    }
    queue_changed_.notify_all();
    if (writer_.joinable()) writer_.join();
}

void RunStore::Save(RunRecord record) {
    if (!Enabled()) return;
    record.summary.answer_bytes = static_cast<int64_t>(record.answer.size());
    const size_t bytes = record.answer.size() + record.request.size();
    {
        std::lock_guard lock(queue_mutex_);
        if (queued_bytes_ + bytes > kMaxQueuedBytes) {
            // The writer cannot keep up: the answer went out, but this run is not kept. Said at
            // most every 10 seconds, with how many were dropped meanwhile.
            ++dropped_;
            const int64_t now = NowEpochMs();
            if (now - last_drop_log_ms_ >= 10'000) {
                std::cerr
                    << fmt::format(
                           R"({{"time":"{}","event":"runs_not_stored","count":{},"lastRunId":"{}","reason":"{} bytes already wait to be written"}})",
                           FormatIsoUtc(now), dropped_, record.summary.run_id, queued_bytes_)
                    << '\n';
                last_drop_log_ms_ = now;
                dropped_ = 0;
            }
            return;
        }
        queued_bytes_ += bytes;
        queue_.push_back(std::move(record));
    }
    queue_changed_.notify_all();
}

void RunStore::WriteLoop() {
    for (;;) {
        std::vector<const RunRecord*> batch;
        {
            std::unique_lock lock(queue_mutex_);
            queue_changed_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping, and everything is written
            // Only this thread removes records, and a deque keeps its elements in place as it
            // grows: these stay put (and visible to readers) until they are in the table.
            for (size_t i = 0; i < queue_.size() && i < kBatchRecords; ++i) batch.push_back(&queue_[i]);
        }
        Result<void> written;
        try {
            written = WriteBatch(batch);
        } catch (const std::exception& e) {
            written = MakeError(ErrorCode::kInternal, e.what());
        }
        if (!written) {
            // Lost records are an operator's matter, not the clients': their answers went out.
            std::cerr << fmt::format(
                             R"({{"time":"{}","event":"run_store_failed","runs":{},"firstRunId":"{}","message":"{}"}})",
                             FormatIsoUtc(NowEpochMs()), batch.size(), batch.front()->summary.run_id,
                             written.error().message)
                      << '\n';
        }
        {
            std::lock_guard lock(queue_mutex_);
            for (size_t i = 0; i < batch.size(); ++i) {
                queued_bytes_ -= queue_.front().answer.size() + queue_.front().request.size();
                queue_.pop_front();
            }
        }
        queue_changed_.notify_all();
    }
}

void RunStore::Flush() {
    std::unique_lock lock(queue_mutex_);
    queue_changed_.wait(lock, [this] { return queue_.empty() || !writer_.joinable(); });
}

namespace {

//! A record as the table holds it: request, answer and attachments compressed.
struct Packed {
    const RunRecord* record = nullptr;
    std::string request;
    std::string answer;
    std::string attachments;
    int64_t attachments_bytes = 0;
};

Result<Packed> Pack(const RunRecord& record) {
    json attachments = json::object();
    for (const auto& [name, text] : record.attachments) attachments[name] = text;
    // Invalid UTF-8 (a rules text echoed) is replaced rather than thrown on.
    const std::string attachments_text = attachments.dump(-1, ' ', false, json::error_handler_t::replace);
    Result<std::string> request = CompressText(record.request, "run");
    Result<std::string> answer = CompressText(record.answer, "run");
    Result<std::string> extra = CompressText(attachments_text, "run");
    if (!request || !answer || !extra) return MakeError(ErrorCode::kInternal, "a run could not be compressed");
    return Packed{&record, std::move(*request), std::move(*answer), std::move(*extra),
                  static_cast<int64_t>(attachments_text.size())};
}

void Bind(duckdb_prepared_statement s, const Packed& p) {
    const RunSummary& m = p.record->summary;
    BindText(s, 1, m.run_id);
    duckdb_bind_int64(s, 2, m.created_ms);
    BindText(s, 3, m.route);
    BindText(s, 4, m.mode);
    BindText(s, 5, m.symbol);
    BindText(s, 6, m.timeframe);
    BindText(s, 7, m.strategy);
    BindText(s, 8, m.start);
    BindText(s, 9, m.end);
    BindOptional(s, 10, m.total_return);
    BindOptional(s, 11, m.sharpe);
    BindOptional(s, 12, m.max_drawdown);
    if (m.num_trades) {
        duckdb_bind_int64(s, 13, *m.num_trades);
    } else {
        duckdb_bind_null(s, 13);
    }
    duckdb_bind_int64(s, 14, static_cast<int64_t>(p.record->request.size()));
    duckdb_bind_blob(s, 15, p.request.data(), p.request.size());
    duckdb_bind_int64(s, 16, static_cast<int64_t>(p.record->answer.size()));
    duckdb_bind_blob(s, 17, p.answer.data(), p.answer.size());
    duckdb_bind_int64(s, 18, p.attachments_bytes);
    duckdb_bind_blob(s, 19, p.attachments.data(), p.attachments.size());
}

}  // namespace

Result<void> RunStore::WriteBatch(const std::vector<const RunRecord*>& batch) {
    // Compressed outside the connection's lock: readers wait only for the inserts.
    std::vector<Packed> packed;
    for (const RunRecord* record : batch) {
        Result<Packed> p = Pack(*record);
        if (!p) return std::unexpected(p.error());
        packed.push_back(std::move(*p));
    }
    std::lock_guard lock(connection_mutex_);
    auto statement = PreparedStatement::Prepare(
        connection_,
        "INSERT OR REPLACE INTO runs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
        "$17, $18, $19)");
    if (!statement) return std::unexpected(statement.error());
    // One transaction per batch: under load the writer keeps up with many runs a second.
    if (auto ok = connection_.Execute("BEGIN TRANSACTION"); !ok) return ok;
    for (const Packed& p : packed) {
        Bind(statement->Handle(), p);
        QueryResult result;
        if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
            Result<void> error = CacheError("cannot store the run", duckdb_result_error(result.Get()));
            (void)connection_.Execute("ROLLBACK");
            return error;
        }
    }
    if (auto ok = connection_.Execute("COMMIT"); !ok) {
        (void)connection_.Execute("ROLLBACK");
        return ok;
    }
    // Retention: the newest `keep` no older than `keep_days`.
    const int64_t oldest = NowEpochMs() - options_.keep_days * kMillisPerDay;
    return connection_.Execute(fmt::format(
        "DELETE FROM runs WHERE created_ms < {} OR run_id IN (SELECT run_id FROM runs ORDER BY created_ms DESC, "
        "run_id DESC OFFSET {})",
        oldest, options_.keep));
}

Result<std::optional<RunRecord>> RunStore::Get(const std::string& run_id) {
    {
        std::lock_guard lock(queue_mutex_);
        for (const RunRecord& queued : queue_) {
            if (queued.summary.run_id == run_id) return std::optional(queued);
        }
    }
    std::lock_guard lock(connection_mutex_);
    auto statement = PreparedStatement::Prepare(
        connection_, fmt::format("SELECT {}, request_bytes, request, answer, attachments_bytes, attachments FROM runs "
                                 "WHERE run_id = $1",
                                 kSummaryColumns)
                         .c_str());
    if (!statement) return std::unexpected(statement.error());
    BindText(statement->Handle(), 1, run_id);
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot read the run", duckdb_result_error(result.Get())).error());
    }
    std::optional<RunRecord> found;
    std::optional<Error> failure;
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        RunRecord record;
        record.summary = SummaryAt(chunk, i);
        auto request = DecompressText(VarcharAt(chunk, 15, i), Column<int64_t>(chunk, 14)[i], "run");
        auto answer = DecompressText(VarcharAt(chunk, 16, i), record.summary.answer_bytes, "run");
        auto extra = DecompressText(VarcharAt(chunk, 18, i), Column<int64_t>(chunk, 17)[i], "run");
        if (!request || !answer || !extra) {
            failure = Error{ErrorCode::kCacheUnavailable, "a stored run could not be decompressed", "", ""};
            return;
        }
        record.request = std::move(*request);
        record.answer = std::move(*answer);
        const json attachments = json::parse(*extra, nullptr, false);
        if (attachments.is_object()) {
            for (const auto& [name, text] : attachments.items()) {
                if (text.is_string()) record.attachments.emplace_back(name, text.get<std::string>());
            }
        }
        found = std::move(record);
    });
    if (failure) return std::unexpected(*failure);
    return found;
}

Result<std::vector<RunSummary>> RunStore::List(const RunFilter& filter) {
    // What is queued is newer than anything written: listed first, so a run shows in the list the
    // moment its answer went out.
    std::vector<RunSummary> out;
    {
        std::lock_guard lock(queue_mutex_);
        for (auto it = queue_.rbegin(); it != queue_.rend() && out.size() < filter.limit; ++it) {
            if (Matches(it->summary, filter)) out.push_back(it->summary);
        }
    }
    std::lock_guard lock(connection_mutex_);
    auto statement = PreparedStatement::Prepare(
        connection_, fmt::format("SELECT {} FROM runs WHERE ($1 = '' OR route = $1) AND ($2 = '' OR symbol = $2) AND "
                                 "($3 = '' OR strategy = $3) ORDER BY created_ms DESC, run_id DESC LIMIT $4",
                                 kSummaryColumns)
                         .c_str());
    if (!statement) return std::unexpected(statement.error());
    BindText(statement->Handle(), 1, filter.route);
    BindText(statement->Handle(), 2, filter.symbol);
    BindText(statement->Handle(), 3, filter.strategy);
    duckdb_bind_int64(statement->Handle(), 4, static_cast<int64_t>(filter.limit));
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot list runs", duckdb_result_error(result.Get())).error());
    }
    ForEachRow(*result.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        RunSummary summary = SummaryAt(chunk, i);
        // A record written while this ran may be both queued (seen above) and in the table.
        const bool seen =
            std::any_of(out.begin(), out.end(), [&](const RunSummary& s) { return s.run_id == summary.run_id; });
        if (!seen && out.size() < filter.limit) out.push_back(std::move(summary));
    });
    return out;
}

Result<bool> RunStore::Delete(const std::string& run_id) {
    // Not while it is queued or being written: wait until the table holds it.
    {
        std::unique_lock lock(queue_mutex_);
        queue_changed_.wait(lock, [&] {
            return std::none_of(queue_.begin(), queue_.end(),
                                [&](const RunRecord& r) { return r.summary.run_id == run_id; });
        });
    }
    std::lock_guard lock(connection_mutex_);
    auto statement = PreparedStatement::Prepare(connection_, "DELETE FROM runs WHERE run_id = $1");
    if (!statement) return std::unexpected(statement.error());
    BindText(statement->Handle(), 1, run_id);
    QueryResult result;
    if (duckdb_execute_prepared(statement->Handle(), result.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError("cannot delete the run", duckdb_result_error(result.Get())).error());
    }
    return duckdb_rows_changed(result.Get()) > 0;
}

}  // namespace spark::runs
