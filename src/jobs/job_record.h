#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace spark::jobs {

//! Where an asynchronous job stands. Queued and running are the unfinished states a coordinator
//! resumes after a restart; the other three are final.
enum class JobStatus { kQueued, kRunning, kDone, kFailed, kCancelled };

//! Stable wire (and stored) name: "queued", "running", "done", "failed", "cancelled".
constexpr std::string_view JobStatusName(JobStatus status) {
    switch (status) {
        case JobStatus::kQueued:
            return "queued";
        case JobStatus::kRunning:
            return "running";
        case JobStatus::kDone:
            return "done";
        case JobStatus::kFailed:
            return "failed";
        case JobStatus::kCancelled:
            return "cancelled";
    }
    return "queued";  // unreachable: every enumerator is handled above
}

//! The inverse of JobStatusName; nullopt for anything else (case-sensitive).
constexpr std::optional<JobStatus> ParseJobStatus(std::string_view name) {
    for (JobStatus status :
         {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kDone, JobStatus::kFailed, JobStatus::kCancelled}) {
        if (JobStatusName(status) == name) return status;
    }
    return std::nullopt;
}

//! Done, failed or cancelled: the job will not run again.
inline bool IsFinal(JobStatus s) {
    return s == JobStatus::kDone || s == JobStatus::kFailed || s == JobStatus::kCancelled;
}

//! One asynchronous job as the `jobs` table keeps it.
struct JobRecord {
    std::string id;    //!< "job_..."
    std::string type;  //!< optimize | walkforward | portfolio | sweep
    std::string mode;  //!< "local" or "redis"
    JobStatus status = JobStatus::kQueued;
    std::string request;  //!< the inner request's JSON text, as sent
    int64_t created_ms = 0;
    int64_t started_ms = 0;   //!< 0 while queued
    int64_t finished_ms = 0;  //!< 0 until final
    int64_t units_total = 0;  //!< backtest runs
    int64_t units_done = 0;
    std::string error_code;  //!< when failed or cancelled
    std::string error_message;
    std::string result;    //!< the finished job's JSON answer (empty unless asked for and done)
    std::string rows_csv;  //!< sweeps: every evaluated row as CSV (may be tens of MB), empty otherwise
    int64_t restarts = 0;  //!< times the job was resumed after a coordinator restart
    int64_t shards = 0;    // a grid job's shards once planned (0: a whole job, or not yet planned)
};

}  // namespace spark::jobs
