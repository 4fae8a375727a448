#include "jobs/job_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "marketdata/compressed_text.h"
#include "marketdata/duckdb_rows.h"

namespace spark::jobs {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
    id VARCHAR PRIMARY KEY,
    type VARCHAR NOT NULL,
    mode VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    request BLOB NOT NULL,
    created_ms BIGINT NOT NULL,
    started_ms BIGINT NOT NULL,
    finished_ms BIGINT NOT NULL,
    units_total BIGINT NOT NULL,
    units_done BIGINT NOT NULL,
    error_code VARCHAR NOT NULL,
    error_message BLOB NOT NULL,
    restarts BIGINT NOT NULL,
    result_bytes BIGINT NOT NULL,
    result BLOB NOT NULL,
    rows_bytes BIGINT NOT NULL,
    rows_csv BLOB NOT NULL,
    shards BIGINT NOT NULL);
)sql";

//! Everything but the result and the rows, in the order RecordAt reads them: a list or the
//! restart scan never reads (nor decompresses) the large columns.
constexpr const char* kColumns =
    "id, type, mode, status, request, created_ms, started_ms, finished_ms, units_total, units_done, error_code, "
    "error_message, restarts, shards";
//! kColumns, then these four.
constexpr const char* kResultColumns = "result_bytes, result, rows_bytes, rows_csv";
constexpr idx_t kResultBytesColumn = 14;

//! Binds parameters $1, $2, ... in call order, remembering whether any bind failed (DuckDB refuses,
//! for one, a VARCHAR that is not valid UTF-8), so a statement is never run half bound.
class Binder {
  public:
    explicit Binder(duckdb_prepared_statement statement) : statement_(statement) {}
    Binder& Text(std::string_view text) {
        return Check(duckdb_bind_varchar_length(statement_, next_++, text.data(), text.size()));
    }
    Binder& Blob(std::string_view bytes) {
        return Check(duckdb_bind_blob(statement_, next_++, bytes.data(), bytes.size()));
    }
    Binder& Int(int64_t value) { return Check(duckdb_bind_int64(statement_, next_++, value)); }
    Result<void> Done(std::string_view what) const {
        // A caller's bug rather than the database's: DuckDB refuses a VARCHAR that is not UTF-8.
        if (!ok_) {
            return MakeError(ErrorCode::kInternal, fmt::format("{}: a value could not be bound (not UTF-8?)", what));
        }
        return {};
    }

  private:
    Binder& Check(duckdb_state state) {
        ok_ = ok_ && state == DuckDBSuccess;
        return *this;
    }
    duckdb_prepared_statement statement_;
    idx_t next_ = 1;
    bool ok_ = true;
};

//! A BLOB (or VARCHAR) cell without copying it: valid while its chunk lives.
std::string_view BytesAt(duckdb_data_chunk chunk, idx_t column, idx_t i) {
    auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, column)));
    return {duckdb_string_t_data(&strings[i]), duckdb_string_t_length(strings[i])};
}

//! The kColumns of row `i`; nullopt when its status is not one JobStatusName writes.
std::optional<JobRecord> RecordAt(duckdb_data_chunk chunk, idx_t i) {
    const std::optional<JobStatus> status = ParseJobStatus(BytesAt(chunk, 3, i));
    if (!status) return std::nullopt;
    return JobRecord{.id = VarcharAt(chunk, 0, i),
                     .type = VarcharAt(chunk, 1, i),
                     .mode = VarcharAt(chunk, 2, i),
                     .status = *status,
                     .request = VarcharAt(chunk, 4, i),
                     .created_ms = Column<int64_t>(chunk, 5)[i],
                     .started_ms = Column<int64_t>(chunk, 6)[i],
                     .finished_ms = Column<int64_t>(chunk, 7)[i],
                     .units_total = Column<int64_t>(chunk, 8)[i],
                     .units_done = Column<int64_t>(chunk, 9)[i],
                     .error_code = VarcharAt(chunk, 10, i),
                     .error_message = VarcharAt(chunk, 11, i),
                     .result = {},  // read only by Get(with_result)
                     .rows_csv = {},
                     .restarts = Column<int64_t>(chunk, 12)[i],
                     .shards = Column<int64_t>(chunk, 13)[i]};
}

Error UnknownStatus(std::string_view id) {
    return Error{ErrorCode::kCacheUnavailable, fmt::format("stored job '{}' has an unknown status", id)};
}

//! Every statement the store runs; the texts are in StatementText.
enum class Statement {
    kInsert,
    kMarkRunning,
    kSaveProgress,
    kFinish,
    kRequeue,
    kGet,
    kGetWithResult,
    kList,
    kUnfinished,
    kDelete,
};
constexpr Statement kAllStatements[] = {Statement::kInsert,        Statement::kMarkRunning, Statement::kSaveProgress,
                                        Statement::kFinish,        Statement::kRequeue,     Statement::kGet,
                                        Statement::kGetWithResult, Statement::kList,        Statement::kUnfinished,
                                        Statement::kDelete};

std::string StatementText(Statement statement) {
    // Each SELECT lists kColumns first (RecordAt).
    switch (statement) {
        case Statement::kInsert:
            return "INSERT INTO jobs (id, type, mode, status, request, created_ms, started_ms, finished_ms, "
                   "units_total, units_done, error_code, error_message, restarts, result_bytes, result, rows_bytes, "
                   "rows_csv, shards) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
                   "$17, $18)";
        case Statement::kMarkRunning:
            return "UPDATE jobs SET status = 'running', started_ms = $2, units_total = $3, shards = $4 WHERE id = $1";
        case Statement::kSaveProgress:
            return "UPDATE jobs SET units_done = $2 WHERE id = $1";
        case Statement::kFinish:
            return "UPDATE jobs SET status = $2, finished_ms = $3, units_done = $4, error_code = $5, "
                   "error_message = $6, result_bytes = $7, result = $8, rows_bytes = $9, rows_csv = $10 WHERE id = $1";
        case Statement::kRequeue:
            return "UPDATE jobs SET status = 'queued', restarts = restarts + 1, units_done = 0, started_ms = 0 "
                   "WHERE id = $1";
        case Statement::kGet:
            return fmt::format("SELECT {} FROM jobs WHERE id = $1", kColumns);
        case Statement::kGetWithResult:
            return fmt::format("SELECT {}, {} FROM jobs WHERE id = $1", kColumns, kResultColumns);
        case Statement::kList:  // $1 is a status name, or '' for any
            return fmt::format(
                "SELECT {} FROM jobs WHERE ($1 = '' OR status = $1) ORDER BY created_ms DESC, id DESC LIMIT $2",
                kColumns);
        case Statement::kUnfinished:
            return fmt::format(
                "SELECT {} FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_ms ASC, id ASC", kColumns);
        case Statement::kDelete:
            return "DELETE FROM jobs WHERE id = $1";
    }
    return {};
}

//! Prepared on every call, as the stored runs do, rather than once in Open: DuckDB (1.4.4) plans a
//! statement with the table's statistics of the moment, and one prepared while `jobs` was empty
//! kept answering nothing for `status IN ('queued', 'running')` after rows were inserted.
Result<PreparedStatement> Prepare(const DuckDbConnection& connection, Statement statement) {
    return PreparedStatement::Prepare(connection, StatementText(statement).c_str());
}

//! Runs an UPDATE whose parameters are bound; kJobNotFound when it changed no row.
Result<void> ExecuteUpdate(const PreparedStatement& statement, std::string_view id, std::string_view what) {
    QueryResult query;
    if (duckdb_execute_prepared(statement.Handle(), query.Get()) != DuckDBSuccess) {
        return CacheError(fmt::format("cannot {} job '{}'", what, id), duckdb_result_error(query.Get()));
    }
    if (duckdb_rows_changed(query.Get()) == 0) {
        // Removed meanwhile (or never stored): the caller decides whether that matters.
        return MakeError(ErrorCode::kJobNotFound, fmt::format("no job '{}' to {}", id, what));
    }
    return {};
}

//! Runs a SELECT of kColumns whose parameters are bound.
Result<std::vector<JobRecord>> Select(const PreparedStatement& statement, std::string_view what) {
    QueryResult query;
    if (duckdb_execute_prepared(statement.Handle(), query.Get()) != DuckDBSuccess) {
        return std::unexpected(CacheError(fmt::format("cannot {}", what), duckdb_result_error(query.Get())).error());
    }
    std::vector<JobRecord> out;
    std::optional<Error> failure;
    ForEachRow(*query.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        if (failure) return;
        std::optional<JobRecord> record = RecordAt(chunk, i);
        if (!record) {
            failure = UnknownStatus(BytesAt(chunk, 0, i));
            return;
        }
        out.push_back(std::move(*record));
    });
    if (failure) return std::unexpected(*failure);
    return out;
}

}  // namespace

Result<std::unique_ptr<JobStore>> JobStore::Open(const DuckDbDatabase& database) {
    auto connection = DuckDbConnection::Connect(database);
    if (!connection) return std::unexpected(connection.error());
    if (auto ok = connection->Execute(kSchema); !ok) return std::unexpected(ok.error());
    // A table made before shard counts were kept gains the column (0: unknown).
    if (auto ok = connection->Execute("ALTER TABLE jobs ADD COLUMN IF NOT EXISTS shards BIGINT DEFAULT 0"); !ok) {
        return std::unexpected(ok.error());
    }
    // Each statement prepared once here, and dropped: one that does not prepare is a bug best
    // found when the service starts rather than at a job's first update.
    for (Statement statement : kAllStatements) {
        if (auto prepared = Prepare(*connection, statement); !prepared) return std::unexpected(prepared.error());
    }
    return std::unique_ptr<JobStore>(new JobStore(std::move(*connection)));
}

Result<void> JobStore::Insert(const JobRecord& job) {
    // Compressed outside the lock: other callers wait only for the insert.
    Result<std::string> result = CompressText(job.result, "job's result");
    if (!result) return std::unexpected(result.error());
    Result<std::string> rows = CompressText(job.rows_csv, "job's rows");
    if (!rows) return std::unexpected(rows.error());
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kInsert);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(job.id)
        .Text(job.type)
        .Text(job.mode)
        .Text(JobStatusName(job.status))
        .Blob(job.request)
        .Int(job.created_ms)
        .Int(job.started_ms)
        .Int(job.finished_ms)
        .Int(job.units_total)
        .Int(job.units_done)
        .Text(job.error_code)
        .Blob(job.error_message)
        .Int(job.restarts)
        .Int(static_cast<int64_t>(job.result.size()))
        .Blob(*result)
        .Int(static_cast<int64_t>(job.rows_csv.size()))
        .Blob(*rows)
        .Int(job.shards);
    if (auto ok = bind.Done("cannot store the job"); !ok) return ok;
    QueryResult query;
    if (duckdb_execute_prepared(statement->Handle(), query.Get()) != DuckDBSuccess) {
        return CacheError(fmt::format("cannot store job '{}'", job.id), duckdb_result_error(query.Get()));
    }
    return {};
}

Result<void> JobStore::MarkRunning(std::string_view id, int64_t started_ms, int64_t units_total, int64_t shards) {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kMarkRunning);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(id).Int(started_ms).Int(units_total).Int(shards);
    if (auto ok = bind.Done("cannot mark the job running"); !ok) return ok;
    return ExecuteUpdate(*statement, id, "mark running");
}

Result<void> JobStore::SaveProgress(std::string_view id, int64_t units_done) {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kSaveProgress);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(id).Int(units_done);
    if (auto ok = bind.Done("cannot save the job's progress"); !ok) return ok;
    return ExecuteUpdate(*statement, id, "save the progress of");
}

Result<void> JobStore::Finish(std::string_view id, JobStatus status, int64_t finished_ms, int64_t units_done,
                              std::string_view error_code, std::string_view error_message, std::string_view result,
                              std::string_view rows_csv) {
    if (!IsFinal(status)) {
        return MakeError(ErrorCode::kInternal, fmt::format("job '{}' cannot finish as {}", id, JobStatusName(status)));
    }
    // Compressed outside the lock: a sweep's rows take a moment, and other jobs' progress saves
    // should not wait for them.
    Result<std::string> packed_result = CompressText(result, "job's result");
    if (!packed_result) return std::unexpected(packed_result.error());
    Result<std::string> packed_rows = CompressText(rows_csv, "job's rows");
    if (!packed_rows) return std::unexpected(packed_rows.error());
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kFinish);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(id)
        .Text(JobStatusName(status))
        .Int(finished_ms)
        .Int(units_done)
        .Text(error_code)
        .Blob(error_message)
        .Int(static_cast<int64_t>(result.size()))
        .Blob(*packed_result)
        .Int(static_cast<int64_t>(rows_csv.size()))
        .Blob(*packed_rows);
    if (auto ok = bind.Done("cannot finish the job"); !ok) return ok;
    return ExecuteUpdate(*statement, id, "finish");
}

Result<void> JobStore::Requeue(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kRequeue);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(id);
    if (auto ok = bind.Done("cannot requeue the job"); !ok) return ok;
    return ExecuteUpdate(*statement, id, "requeue");
}

Result<std::optional<JobRecord>> JobStore::Get(std::string_view id, bool with_result) {
    return Get(id, with_result ? Texts::kBoth : Texts::kNone);
}

Result<std::optional<JobRecord>> JobStore::Get(std::string_view id, Texts texts) {
    const bool with_result = texts != Texts::kNone;
    const bool want_result = texts == Texts::kResult || texts == Texts::kBoth;
    const bool want_rows = texts == Texts::kRows || texts == Texts::kBoth;
    std::optional<JobRecord> found;
    // The compressed texts, copied out under the lock and decompressed after it.
    std::string packed_result;
    std::string packed_rows;
    int64_t result_bytes = 0;
    int64_t rows_bytes = 0;
    bool unknown_status = false;
    {
        std::lock_guard lock(mutex_);
        auto statement = Prepare(connection_, with_result ? Statement::kGetWithResult : Statement::kGet);
        if (!statement) return std::unexpected(statement.error());
        Binder bind(statement->Handle());
        bind.Text(id);
        if (auto ok = bind.Done("cannot read the job"); !ok) return std::unexpected(ok.error());
        QueryResult query;
        if (duckdb_execute_prepared(statement->Handle(), query.Get()) != DuckDBSuccess) {
            return std::unexpected(
                CacheError(fmt::format("cannot read job '{}'", id), duckdb_result_error(query.Get())).error());
        }
        ForEachRow(*query.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
            found = RecordAt(chunk, i);
            unknown_status = !found;
            if (!found || !with_result) return;
            // Only what was asked for is copied and decompressed: each can be tens of MB.
            if (want_result) {
                result_bytes = Column<int64_t>(chunk, kResultBytesColumn)[i];
                packed_result = BytesAt(chunk, kResultBytesColumn + 1, i);
            }
            if (want_rows) {
                rows_bytes = Column<int64_t>(chunk, kResultBytesColumn + 2)[i];
                packed_rows = BytesAt(chunk, kResultBytesColumn + 3, i);
            }
        });
    }
    if (unknown_status) return std::unexpected(UnknownStatus(id));
    if (found && with_result) {
        Result<std::string> result = DecompressText(packed_result, result_bytes, "job's result");
        if (!result) return std::unexpected(result.error());
        Result<std::string> rows = DecompressText(packed_rows, rows_bytes, "job's rows");
        if (!rows) return std::unexpected(rows.error());
        found->result = std::move(*result);
        found->rows_csv = std::move(*rows);
    }
    return found;
}

Result<std::vector<JobRecord>> JobStore::List(size_t limit, std::optional<JobStatus> status) {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kList);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(status ? JobStatusName(*status) : std::string_view())
        .Int(static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max())));
    if (auto ok = bind.Done("cannot list jobs"); !ok) return std::unexpected(ok.error());
    return Select(*statement, "list jobs");
}

Result<std::vector<JobRecord>> JobStore::Unfinished() {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kUnfinished);
    if (!statement) return std::unexpected(statement.error());
    return Select(*statement, "list unfinished jobs");
}

Result<bool> JobStore::Delete(std::string_view id) {
    std::lock_guard lock(mutex_);
    auto statement = Prepare(connection_, Statement::kDelete);
    if (!statement) return std::unexpected(statement.error());
    Binder bind(statement->Handle());
    bind.Text(id);
    if (auto ok = bind.Done("cannot delete the job"); !ok) return std::unexpected(ok.error());
    QueryResult query;
    if (duckdb_execute_prepared(statement->Handle(), query.Get()) != DuckDBSuccess) {
        return std::unexpected(
            CacheError(fmt::format("cannot delete job '{}'", id), duckdb_result_error(query.Get())).error());
    }
    return duckdb_rows_changed(query.Get()) > 0;
}

Result<std::map<JobStatus, int64_t>> JobStore::CountByStatus() {
    std::lock_guard lock(mutex_);
    QueryResult query;
    if (duckdb_query(connection_.Handle(), "SELECT status, count(*) FROM jobs GROUP BY status", query.Get()) !=
        DuckDBSuccess) {
        return std::unexpected(CacheError("cannot count the jobs", duckdb_result_error(query.Get())).error());
    }
    std::map<JobStatus, int64_t> counts;
    for (idx_t row = 0; row < duckdb_row_count(query.Get()); ++row) {
        char* name = duckdb_value_varchar(query.Get(), 0, row);
        const std::optional<JobStatus> status = ParseJobStatus(name == nullptr ? "" : name);
        duckdb_free(name);
        if (status) counts[*status] = duckdb_value_int64(query.Get(), 1, row);
    }
    return counts;
}

}  // namespace spark::jobs
