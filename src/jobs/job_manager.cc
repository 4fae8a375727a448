#include "jobs/job_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <limits>
#include <random>

#include "common/time_format.h"

namespace spark::jobs {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kNotifyEvery = std::chrono::milliseconds(250);
constexpr auto kSaveProgressEvery = std::chrono::seconds(1);

std::string NewJobId() {
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 random{std::random_device{}()};
    return fmt::format("job_{:x}{:06x}{:04x}", NowEpochMs(), random() & 0xffffff, counter.fetch_add(1) & 0xffff);
}

double MillisBetween(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
}

}  // namespace

uint64_t JobPlan::Units() const {
    if (!IsGrid()) return 1;
    return combinations * series.size();
}

bool IsJobType(std::string_view type) {
    return type == "optimize" || type == "walkforward" || type == "portfolio" || type == "sweep";
}

struct JobManager::LiveJob {
    JobRecord record;
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    bool cancel_requested = false;
    std::shared_ptr<const JobPlan> plan;
    std::vector<ShardTrials> per_series;
    Clock::time_point started{};
    Clock::time_point last_notified{};
    Clock::time_point last_saved{};
    std::optional<double> best_value;
    std::string best_json;
    std::map<uint64_t, Listener> listeners;
};

JobManager::JobManager(JobStore& store, const JobPlanner& planner, ShardRunner& runner, ThreadPool& compute,
                       size_t lane, JobLimits limits)
    : store_(store), planner_(planner), runner_(runner), compute_(compute), lane_(lane), limits_(limits) {}

Result<JobRecord> JobManager::Submit(std::string_view type, std::string request) {
    Result<uint64_t> units = planner_.Check(type, request);
    if (!units) return std::unexpected(units.error());
    auto job = std::make_shared<LiveJob>();
    job->record.id = NewJobId();
    job->record.type = std::string(type);
    job->record.mode = std::string(runner_.Mode());
    job->record.status = JobStatus::kQueued;
    job->record.request = std::move(request);
    job->record.created_ms = NowEpochMs();
    job->record.units_total = static_cast<int64_t>(*units);
    if (Result<void> ok = store_.Insert(job->record); !ok) return std::unexpected(ok.error());
    JobRecord accepted = job->record;  // as recorded: the job may start before the answer goes out
    std::lock_guard lock(mutex_);
    live_.emplace(job->record.id, job);
    queue_.push_back(job);
    StartQueuedLocked();
    return accepted;
}

Result<size_t> JobManager::ResumeUnfinished() {
    Result<std::vector<JobRecord>> unfinished = store_.Unfinished();
    if (!unfinished) return std::unexpected(unfinished.error());
    std::lock_guard lock(mutex_);
    for (JobRecord& record : *unfinished) {
        if (Result<void> ok = store_.Requeue(record.id); !ok) {
            StartQueuedLocked();  // those queued so far still run
            return std::unexpected(ok.error());
        }
        auto job = std::make_shared<LiveJob>();
        job->record = std::move(record);
        job->record.status = JobStatus::kQueued;
        job->record.units_done = 0;
        job->record.restarts += 1;
        job->record.mode = std::string(runner_.Mode());
        std::cerr << fmt::format(R"({{"time":"{}","event":"job_resumed","jobId":"{}","restarts":{}}})",
                                 FormatIsoUtc(NowEpochMs()), job->record.id, job->record.restarts)
                  << '\n';
        live_.emplace(job->record.id, job);
        queue_.push_back(job);
    }
    StartQueuedLocked();
    return unfinished->size();
}

void JobManager::StartQueuedLocked() {
    while (!stopped_ && running_ < limits_.max_running && !queue_.empty()) {
        std::shared_ptr<LiveJob> job = queue_.front();
        queue_.pop_front();
        ++running_;
        job->record.status = JobStatus::kRunning;
        job->record.started_ms = NowEpochMs();
        job->started = Clock::now();
        compute_.Submit(lane_, [this, job] { Start(job); });
    }
}

void JobManager::Start(std::shared_ptr<LiveJob> job) {
    // Nothing a job does may leave it running for ever, or reach the pool: an exception fails it.
    try {
        StartPlanned(job);
    } catch (const std::exception& e) {
        Complete(job, MakeError(ErrorCode::kInternal, std::string("the job failed: ") + e.what()));
    }
}

void JobManager::StartPlanned(const std::shared_ptr<LiveJob>& job) {
    // Loading may fetch from Binance: done here, on the pool, never on a request's thread.
    Result<JobPlan> plan = planner_.Plan(job->record);
    if (!plan) return Complete(job, std::unexpected(plan.error()));
    if (Result<void> ok =
            store_.MarkRunning(job->record.id, job->record.started_ms, static_cast<int64_t>(plan->Units()),
                               static_cast<int64_t>(plan->shards.size()));
        !ok) {
        return Complete(job, std::unexpected(ok.error()));
    }
    auto shared_plan = std::make_shared<const JobPlan>(std::move(*plan));
    {
        std::lock_guard lock(mutex_);
        job->plan = shared_plan;
        job->record.units_total = static_cast<int64_t>(shared_plan->Units());
        job->record.shards = static_cast<int64_t>(shared_plan->shards.size());
        if (shared_plan->IsGrid()) {
            job->per_series.assign(shared_plan->series.size(), ShardTrials(shared_plan->combinations));
        }
    }
    Notify(job, true);
    if (!shared_plan->IsGrid()) {
        return shared_plan->run_whole(job->cancel,
                                      [this, job](Result<JobAnswer> answer) { Complete(job, std::move(answer)); });
    }
    runner_.Run(job->record, shared_plan, job->cancel,
                ShardSink{[this, job](size_t shard, ShardTrials trials) { ShardDone(job, shard, std::move(trials)); },
                          [this, job](Result<void> outcome) { GridFinished(job, std::move(outcome)); }});
}

void JobManager::ShardDone(const std::shared_ptr<LiveJob>& job, size_t index, ShardTrials trials) {
    bool save = false;
    int64_t units_done = 0;
    {
        std::lock_guard lock(mutex_);
        const JobPlan& plan = *job->plan;
        if (index >= plan.shards.size()) return;
        const Shard& shard = plan.shards[index];
        if (trials.size() != shard.Runs()) return;
        ShardTrials& series = job->per_series[shard.series];
        uint64_t newly = 0;
        for (uint64_t i = 0; i < trials.size(); ++i) {
            research::Trial& slot = series[shard.begin + i];
            // Idempotent: a shard reported twice (a reclaimed worker finishing late) counts once.
            if (!slot.evaluated && trials[i].evaluated) ++newly;
            if (trials[i].evaluated) slot = trials[i];
            const research::Trial& trial = trials[i];
            if (!trial.evaluated || trial.metrics.num_trades < plan.min_trades) continue;
            const double value = research::ObjectiveValue(plan.objective, trial.metrics);
            if (!job->best_value || value > *job->best_value) {
                job->best_value = value;
                job->best_json = plan.describe(shard.series, shard.begin + i, trial);
            }
        }
        job->record.units_done += static_cast<int64_t>(newly);
        runs_done_ += static_cast<int64_t>(newly);
        units_done = job->record.units_done;
        if (Clock::now() - job->last_saved >= kSaveProgressEvery) {
            job->last_saved = Clock::now();
            save = true;
        }
    }
    if (save) (void)store_.SaveProgress(job->record.id, units_done);
    Notify(job, false);
}

void JobManager::GridFinished(const std::shared_ptr<LiveJob>& job, Result<void> outcome) {
    if (!outcome) return Complete(job, std::unexpected(outcome.error()));
    std::vector<ShardTrials> per_series;
    {
        std::lock_guard lock(mutex_);
        if (job->cancel_requested) {
            per_series.clear();
        } else {
            per_series = std::move(job->per_series);
        }
    }
    if (job->cancel->load()) return Complete(job, MakeError(ErrorCode::kJobNotDone, "the job was cancelled"));
    for (const ShardTrials& series : per_series) {
        for (const research::Trial& trial : series) {
            if (!trial.evaluated) {
                return Complete(job, MakeError(ErrorCode::kInternal, "a shard reported fewer trials than planned"));
            }
        }
    }
    Result<JobAnswer> answer = MakeError(ErrorCode::kInternal, "the merge did not run");
    try {
        answer = job->plan->finish(std::move(per_series));
    } catch (const std::exception& e) {
        answer = MakeError(ErrorCode::kInternal, std::string("the merge failed: ") + e.what());
    }
    Complete(job, std::move(answer));
}

void JobManager::Complete(const std::shared_ptr<LiveJob>& job, Result<JobAnswer> answer) {
    JobStatus status = JobStatus::kDone;
    std::string code, message;
    {
        std::lock_guard lock(mutex_);
        // Completed once only (a failure racing a late report cannot finish it twice).
        if (IsFinal(job->record.status)) return;
        // Stopping: the job stays `running` in the store, and the next start resumes it.
        if (stopped_ && !job->cancel_requested) return;
        if (job->cancel_requested) {
            status = JobStatus::kCancelled;
            code = "JOB_CANCELLED";
            message = "cancelled by DELETE /jobs/" + job->record.id;
        } else if (!answer) {
            status = JobStatus::kFailed;
            code = std::string(ErrorCodeName(answer.error().code));
            message = answer.error().message;
        } else if (job->plan && !job->plan->IsGrid()) {
            job->record.units_done = job->record.units_total;  // a whole job's one unit is done
        }
    }
    const int64_t finished = NowEpochMs();
    const JobAnswer empty;
    const JobAnswer& kept = status == JobStatus::kDone ? *answer : empty;
    if (Result<void> ok = store_.Finish(job->record.id, status, finished, job->record.units_done, code, message,
                                        kept.result, kept.rows_csv);
        !ok && status == JobStatus::kDone) {
        status = JobStatus::kFailed;
        code = std::string(ErrorCodeName(ok.error().code));
        message = "the answer could not be stored: " + ok.error().message;
        (void)store_.Finish(job->record.id, status, finished, job->record.units_done, code, message, "", "");
    }
    {
        std::lock_guard lock(mutex_);
        job->record.status = status;
        job->record.finished_ms = finished;
        job->record.error_code = code;
        job->record.error_message = message;
        job->plan.reset();
        job->per_series.clear();
        job->per_series.shrink_to_fit();
        if (job->started != Clock::time_point{}) --running_;
    }
    Notify(job, true);
    std::lock_guard lock(mutex_);
    job->listeners.clear();
    live_.erase(job->record.id);
    StartQueuedLocked();
}

void JobManager::Notify(const std::shared_ptr<LiveJob>& job, bool force) {
    std::vector<Listener> listeners;
    JobView view;
    bool final = false;
    {
        std::lock_guard lock(mutex_);
        const Clock::time_point now = Clock::now();
        if (!force && now - job->last_notified < kNotifyEvery) return;
        job->last_notified = now;
        if (job->listeners.empty()) return;
        for (const auto& [token, listener] : job->listeners) listeners.push_back(listener);
        view = ViewLocked(*job);
        final = IsFinal(job->record.status);
    }
    for (const Listener& listener : listeners) listener(view, final);
}

JobView JobManager::ViewLocked(const LiveJob& job) const {
    JobView view;
    view.record = job.record;
    view.best_json = job.best_json;
    if (job.started != Clock::time_point{}) {
        view.elapsed_ms = MillisBetween(job.started, Clock::now());
        const int64_t done = job.record.units_done;
        const int64_t total = job.record.units_total;
        if (done > 0 && total >= done && !IsFinal(job.record.status)) {
            view.eta_ms = view.elapsed_ms * static_cast<double>(total - done) / static_cast<double>(done);
        }
    }
    if (IsFinal(job.record.status)) view.eta_ms = 0;
    return view;
}

Result<std::optional<JobView>> JobManager::Get(std::string_view id) const {
    {
        std::lock_guard lock(mutex_);
        if (auto it = live_.find(id); it != live_.end()) return ViewLocked(*it->second);
    }
    Result<std::optional<JobRecord>> stored = store_.Get(id, false);
    if (!stored) return std::unexpected(stored.error());
    if (!*stored) return std::optional<JobView>{};
    JobView view;
    view.record = std::move(**stored);
    if (view.record.finished_ms > 0 && view.record.started_ms > 0) {
        view.elapsed_ms = static_cast<double>(view.record.finished_ms - view.record.started_ms);
    }
    if (IsFinal(view.record.status)) view.eta_ms = 0;
    return view;
}

Result<std::vector<JobView>> JobManager::List(size_t limit, std::optional<JobStatus> status) const {
    Result<std::vector<JobRecord>> stored = store_.List(limit, status);
    if (!stored) return std::unexpected(stored.error());
    std::vector<JobView> views;
    std::lock_guard lock(mutex_);
    for (JobRecord& record : *stored) {
        if (auto it = live_.find(record.id); it != live_.end()) {
            views.push_back(ViewLocked(*it->second));
            continue;
        }
        JobView view;
        view.record = std::move(record);
        if (view.record.finished_ms > 0 && view.record.started_ms > 0) {
            view.elapsed_ms = static_cast<double>(view.record.finished_ms - view.record.started_ms);
        }
        if (IsFinal(view.record.status)) view.eta_ms = 0;
        views.push_back(std::move(view));
    }
    return views;
}

Result<std::optional<JobRecord>> JobManager::Answer(std::string_view id, bool rows) const {
    return store_.Get(id, rows ? JobStore::Texts::kRows : JobStore::Texts::kResult);
}

Result<bool> JobManager::Cancel(std::string_view id) {
    std::shared_ptr<LiveJob> job;
    bool queued = false;
    {
        std::lock_guard lock(mutex_);
        auto it = live_.find(id);
        if (it == live_.end()) {
            Result<std::optional<JobRecord>> stored = store_.Get(id, false);
            if (!stored) return std::unexpected(stored.error());
            if (!*stored) return MakeError(ErrorCode::kJobNotFound, fmt::format("no job has id '{}'", id), "jobId");
            return false;
        }
        job = it->second;
        // Finished a moment ago (its final state is being written): nothing left to cancel.
        if (IsFinal(job->record.status)) return false;
        if (job->cancel_requested) return true;
        job->cancel_requested = true;
        job->cancel->store(true);
        if (auto q = std::find(queue_.begin(), queue_.end(), job); q != queue_.end()) {
            queue_.erase(q);
            queued = true;
        }
    }
    if (queued) Complete(job, MakeError(ErrorCode::kJobNotDone, "cancelled"));
    return true;
}

uint64_t JobManager::Subscribe(std::string_view id, Listener listener) {
    JobView view;
    uint64_t token = 0;
    {
        std::lock_guard lock(mutex_);
        auto it = live_.find(id);
        if (it == live_.end()) return 0;
        view = ViewLocked(*it->second);
        // Already final: the final notification may have gone out; this listener gets it here.
        if (!IsFinal(it->second->record.status)) {
            token = next_token_++;
            it->second->listeners.emplace(token, listener);
        }
    }
    listener(view, token == 0);
    return token == 0 ? std::numeric_limits<uint64_t>::max() : token;
}

void JobManager::Unsubscribe(std::string_view id, uint64_t token) {
    std::lock_guard lock(mutex_);
    if (auto it = live_.find(id); it != live_.end()) it->second->listeners.erase(token);
}

JobCounts JobManager::Counts() const {
    JobCounts counts;
    if (Result<std::map<JobStatus, int64_t>> stored = store_.CountByStatus(); stored) counts.by_status = *stored;
    std::lock_guard lock(mutex_);
    counts.runs_done = runs_done_;
    return counts;
}

void JobManager::Stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    for (auto& [id, job] : live_) job->cancel->store(true);
}

}  // namespace spark::jobs
