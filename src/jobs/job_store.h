#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "jobs/job_record.h"
#include "marketdata/duckdb_connection.h"

namespace spark::jobs {

//! Every asynchronous job, in one table (`jobs`) of the executor's DuckDB file, beside the candle
//! cache and the stored runs (whose tables it never touches). Unlike the runs, each write is
//! synchronous and committed before the method returns: a coordinator that restarts must find
//! every job it accepted (Unfinished), so nothing may wait in memory.
//!
//! Texts that may hold arbitrary bytes (the request, the error message) are BLOBs, so whatever the
//! caller passes is stored byte for byte; the result and the sweep rows are zlib-compressed BLOBs.
//! A DuckDB failure is kCacheUnavailable; an update of an id the table does not hold is
//! kJobNotFound; an id, type, mode or error code that is not UTF-8 (a caller's bug) is kInternal.
class JobStore {
  public:
    //! Creates the `jobs` table if missing (in the executor's DuckDB file, beside the candles and
    //! runs). Owns its own connection; every method is thread-safe (a mutex). The store must be
    //! destroyed before `database`.
    static Result<std::unique_ptr<JobStore>> Open(const DuckDbDatabase& database);
    JobStore(const JobStore&) = delete;
    JobStore& operator=(const JobStore&) = delete;

    //! Stores `job` as given, every field (a new job is queued, with no result); fails if the id
    //! is already stored.
    Result<void> Insert(const JobRecord& job);
    //! Status running, from `started_ms`, with `units_total` backtest runs to do.
    Result<void> MarkRunning(std::string_view id, int64_t started_ms, int64_t units_total, int64_t shards = 0);
    Result<void> SaveProgress(std::string_view id, int64_t units_done);
    //! Final state: done (with result and rows_csv), failed or cancelled (with error). result and
    //! rows_csv are stored zlib-compressed as BLOBs. `status` must be final (kInternal otherwise).
    Result<void> Finish(std::string_view id, JobStatus status, int64_t finished_ms, int64_t units_done,
                        std::string_view error_code, std::string_view error_message, std::string_view result,
                        std::string_view rows_csv);
    //! Back to queued for a resume after a restart (restarts + 1, units_done 0, started_ms 0).
    Result<void> Requeue(std::string_view id);
    //! with_result: decompress result and rows_csv (otherwise they are left empty and not read).
    Result<std::optional<JobRecord>> Get(std::string_view id, bool with_result);
    //! Which large texts Get reads (and decompresses) besides the record.
    enum class Texts { kNone, kResult, kRows, kBoth };
    Result<std::optional<JobRecord>> Get(std::string_view id, Texts texts);
    //! Newest first (created_ms, then id), at most `limit`, without result/rows; optional status
    //! filter.
    Result<std::vector<JobRecord>> List(size_t limit, std::optional<JobStatus> status = std::nullopt);
    //! queued or running, oldest first, with request (the coordinator's restart rule).
    Result<std::vector<JobRecord>> Unfinished();
    //! False when no such job is stored.
    Result<bool> Delete(std::string_view id);
    //! How many jobs each status holds (the metrics' spark_jobs), one aggregate query.
    Result<std::map<JobStatus, int64_t>> CountByStatus();

  private:
    explicit JobStore(DuckDbConnection connection) : connection_(std::move(connection)) {}

    std::mutex mutex_;  //!< one connection, used by one caller at a time
    DuckDbConnection connection_;
};

}  // namespace spark::jobs
