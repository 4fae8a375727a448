#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace spark::api {

//! What one job did, for the audit trail (docs/operations.md "Audit log").
//! A request body up to this size is written into its audit line, so the run can be repeated from
//! the log alone; a larger one leaves its size (the stored run keeps it whole).
inline constexpr size_t kAuditRequestLimit = 16 << 10;

struct AuditEntry {
    std::string run_id;
    std::string route;           //!< run, optimize, walkforward, portfolio
    std::string request_digest;  //!< FNV-1a 64 of the request body, hex
    std::string request;         //!< the body: kept on the line up to kAuditRequestLimit bytes
    std::string symbol;          //!< comma-separated for portfolios; empty when the request did not parse
    std::string timeframe;
    std::string strategy;  //!< a built-in's name or "rules" (distinct names, comma-separated, for portfolios)
    std::string start;
    std::string end;
    std::string bar_source;  //!< cache, binance, mixed, resampled, or empty when no bars were loaded
    std::string mode;        //!< real or deterministic
    int status = 0;
    std::string error_code;  //!< empty on success
    std::string error_reason;
    std::string error_field;
    std::string error_message;  //!< the answer's message: for a request that did not parse, all there is
    double latency_ms = 0;
};

//! Append-only JSON-lines audit file: one line per job, flushed as it is written (a crash loses
//! no answered job), rotated by size (`path` → `path.1` → ... → `path.<keep>`). The most recent
//! lines are also kept in memory, loaded from the file at start, for GET /backtest/runs.
class AuditLog {
  public:
    static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, int64_t max_bytes, int keep_files);
    ~AuditLog();

    void Append(const AuditEntry& entry);
    //! A line that is not a job (a route transition at start): written and rotated like the
    //! others, never listed by Recent (GET /backtest/runs lists jobs).
    void AppendAction(const std::string& json_line);
    //! The `limit` most recent lines (JSON objects), newest first.
    std::vector<std::string> Recent(size_t limit);

  private:
    AuditLog(std::string path, int64_t max_bytes, int keep_files)
        : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep_files) {}
    bool Reopen();
    void Write(const std::string& line);
    void Rotate();

    std::mutex mutex_;
    std::string path_;
    int64_t max_bytes_;
    int keep_;
    std::FILE* file_ = nullptr;
    int64_t size_ = 0;
    std::deque<std::string> recent_;
};

inline constexpr size_t kAuditRecentLines = 1000;

//! Whether an audit line is an action (a route transition), not a job.
bool IsActionLine(const std::string& line);

//! FNV-1a 64-bit digest of `text`, as 16 hex digits.
std::string Fnv1aHex(std::string_view text);

//! The current time as an ISO-8601 UTC string with milliseconds.
std::string NowIso();

}  // namespace spark::api
