#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/error.h"
#include "marketdata/duckdb_connection.h"

namespace spark::runs {

//! What a list of stored runs shows of each: who it was, and its headline metrics (from the
//! answer's `metrics`: a run's or portfolio's own, an optimize's best, a walk-forward's stitched
//! out-of-sample).
struct RunSummary {
    std::string run_id;
    int64_t created_ms = 0;
    std::string route;  //!< run, optimize, walkforward, portfolio
    std::string mode;   //!< real or deterministic
    std::string symbol;
    std::string timeframe;
    std::string strategy;
    std::string start;
    std::string end;
    std::optional<double> total_return;
    std::optional<double> sharpe;
    std::optional<double> max_drawdown;
    std::optional<int64_t> num_trades;
    int64_t answer_bytes = 0;  //!< uncompressed
};

//! One stored job: its request and its whole answer, exactly as sent, and what the route kept
//! beside it (the optimize route's every combination).
struct RunRecord {
    RunSummary summary;
    std::string request;
    std::string answer;
    std::vector<std::pair<std::string, std::string>> attachments;  //!< name -> text
};

struct RunFilter {
    size_t limit = 50;
    std::string route;  //!< empty: any
    std::string symbol;
    std::string strategy;
};

//! Retention (SPARK_RUNS_KEEP, SPARK_RUNS_KEEP_DAYS): the newest `keep` runs no older than
//! `keep_days`; keep 0 stores nothing.
//! Answers waiting to be written may hold at most this much memory.
inline constexpr size_t kMaxQueuedBytes = 64u << 20;
//! Records the writer inserts in one transaction at most.
inline constexpr size_t kBatchRecords = 256;

struct RunStoreOptions {
    int64_t keep = 1000;
    int64_t keep_days = 90;
};

//! Every job's answer, compressed, in one table (`runs`) of the executor's DuckDB file, beside the
//! candle cache (whose tables and coverage it never touches). Saving is off the request path: a
//! record is queued and a writer thread compresses and inserts it, then applies retention; until
//! then Get and List see it in the queue, so a run can be read back the moment it was answered.
//! The queue is bounded in bytes (kMaxQueuedBytes): beyond it a record is dropped and logged.
class RunStore {
  public:
    static Result<std::unique_ptr<RunStore>> Open(const DuckDbDatabase& database, RunStoreOptions options);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    bool Enabled() const { return options_.keep > 0; }
    const RunStoreOptions& Options() const { return options_; }

    //! Queues `record` (nothing when disabled); its summary carries the headline metrics.
    void Save(RunRecord record);
    Result<std::optional<RunRecord>> Get(const std::string& run_id);
    //! Newest first.
    Result<std::vector<RunSummary>> List(const RunFilter& filter);
    //! False when no such run is stored.
    Result<bool> Delete(const std::string& run_id);
    //! Waits until every queued record is written (tests, shutdown).
    void Flush();

  private:
    RunStore(DuckDbConnection connection, RunStoreOptions options);
    void WriteLoop();
    //! Inserts `batch` in one transaction, then applies retention.
    Result<void> WriteBatch(const std::vector<const RunRecord*>& batch);

    RunStoreOptions options_;
    std::mutex connection_mutex_;  //!< one connection, used by the writer and readers in turn
    DuckDbConnection connection_;

    std::mutex queue_mutex_;
    std::condition_variable queue_changed_;
    std::deque<RunRecord> queue_;
    size_t queued_bytes_ = 0;
    int64_t dropped_ = 0;  //!< runs not stored since the last time that was logged
    int64_t last_drop_log_ms_ = 0;
    bool stopping_ = false;
    std::thread writer_;
};

}  // namespace spark::runs
