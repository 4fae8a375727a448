#include "api/jobs/job_metrics.h"

#include <fmt/format.h>

#include <chrono>

#include "common/time_format.h"

namespace spark::api {
namespace {

constexpr auto kRefreshEvery = std::chrono::milliseconds(500);
//! Workers whose heartbeat is older than this are no longer counted as seen.
constexpr int64_t kWorkerSeenWithinMs = 30'000;

std::string LabelValue(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string Render(jobs::JobManager& jobs, jobs::ShardRunner& runner) {
    const jobs::JobCounts counts = jobs.Counts();
    std::string out;
    Family(out, "spark_jobs", "gauge", "Asynchronous jobs by status");
    for (jobs::JobStatus status : {jobs::JobStatus::kQueued, jobs::JobStatus::kRunning, jobs::JobStatus::kDone,
                                   jobs::JobStatus::kFailed, jobs::JobStatus::kCancelled}) {
        const auto it = counts.by_status.find(status);
        out += fmt::format("spark_jobs{{status=\"{}\"}} {}\n", jobs::JobStatusName(status),
                           it == counts.by_status.end() ? 0 : it->second);
    }
    Family(out, "spark_job_runs_total", "counter", "Backtest runs reported by job shards since the start");
    out += fmt::format("spark_job_runs_total {}\n", counts.runs_done);
    const jobs::QueueStats queue = runner.Stats();
    if (!queue.distributed) return out;
    Family(out, "spark_job_queue_up", "gauge", "Whether the last look at the Redis job queue succeeded");
    out += fmt::format("spark_job_queue_up {}\n", queue.reachable ? 1 : 0);
    // Unreachable, the queue's figures are unknown: left out rather than exported as 0, which
    // Prometheus would read as counter resets (and rate() as a burst when Redis returns).
    if (!queue.reachable) return out;
    Family(out, "spark_job_shards", "gauge", "Shards in the Redis stream: waiting for a worker, or claimed by one");
    out += fmt::format("spark_job_shards{{state=\"pending\"}} {}\n", queue.pending);
    out += fmt::format("spark_job_shards{{state=\"claimed\"}} {}\n", queue.claimed);
    Family(out, "spark_job_shards_reclaimed_total", "counter",
           "Shards taken over from a worker that went silent (XAUTOCLAIM)");
    out += fmt::format("spark_job_shards_reclaimed_total {}\n", queue.reclaimed);
    Family(out, "spark_job_shards_dead_total", "counter", "Shards moved to the dead-letter stream");
    out += fmt::format("spark_job_shards_dead_total {}\n", queue.dead);
    const int64_t now = NowEpochMs();
    int64_t seen = 0;
    for (const jobs::QueueStats::Worker& worker : queue.workers)
        seen += now - worker.last_seen_ms <= kWorkerSeenWithinMs;
    Family(out, "spark_job_workers_seen", "gauge", "Workers whose heartbeat arrived in the last 30 seconds");
    out += fmt::format("spark_job_workers_seen {}\n", seen);
    Family(out, "spark_job_worker_runs_total", "counter", "Backtest runs each worker reported");
    for (const jobs::QueueStats::Worker& worker : queue.workers) {
        out += fmt::format("spark_job_worker_runs_total{{worker=\"{}\"}} {}\n", LabelValue(worker.name), worker.runs);
    }
    return out;
}

}  // namespace

JobMetrics::JobMetrics(ServiceMetrics& metrics, jobs::JobManager& jobs, jobs::ShardRunner& runner)
    : jobs_(jobs), runner_(runner), text_(Render(jobs, runner)) {
    metrics.SetExtraSampler([this] {
        std::lock_guard lock(mutex_);
        return text_;
    });
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, kRefreshEvery, [this] { return stopping_; })) {
            lock.unlock();
            Refresh();
            lock.lock();
        }
    });
}

JobMetrics::~JobMetrics() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void JobMetrics::Refresh() {
    std::string text = Render(jobs_, runner_);
    std::lock_guard lock(mutex_);
    text_ = std::move(text);
}

}  // namespace spark::api
