#include "jobs/local_shard_runner.h"

#include <algorithm>
#include <mutex>
#include <string>

namespace spark::jobs {
namespace {

//! Shared by the lanes of one job: the next shard to take, and who finishes.
struct LocalRun {
    std::shared_ptr<const JobPlan> plan;
    std::shared_ptr<std::atomic<bool>> cancel;
    ShardSink sink;
    std::atomic<size_t> next{0};
    std::atomic<size_t> active{0};
    std::mutex error_mutex;
    std::string error;
};

void Turn(ThreadPool& pool, size_t lane, const std::shared_ptr<LocalRun>& run) {
    const size_t i = run->next.fetch_add(1);
    if (i < run->plan->shards.size() && !run->cancel->load()) {
        try {
            run->sink.shard_done(i, run->plan->evaluate(run->plan->shards[i], *run->cancel));
        } catch (const std::exception& e) {
            std::lock_guard lock(run->error_mutex);
            if (run->error.empty()) run->error = e.what();
            run->cancel->store(true);
        }
        // Back of the lane's queue: other work submitted meanwhile goes first.
        pool.Submit(lane, [&pool, lane, run] { Turn(pool, lane, run); });
        return;
    }
    if (run->active.fetch_sub(1) != 1) return;
    if (!run->error.empty()) {
        return run->sink.finished(MakeError(ErrorCode::kRunEngineError, "a shard failed: " + run->error));
    }
    run->sink.finished({});
}

}  // namespace

void LocalShardRunner::Run(const JobRecord&, std::shared_ptr<const JobPlan> plan,
                           std::shared_ptr<std::atomic<bool>> cancel, ShardSink sink) {
    auto run = std::make_shared<LocalRun>();
    run->plan = std::move(plan);
    run->cancel = std::move(cancel);
    run->sink = std::move(sink);
    const size_t lanes = std::max<size_t>(1, std::min(pool_.Size(), run->plan->shards.size()));
    run->active = lanes;
    for (size_t i = 0; i < lanes; ++i) pool_.Submit(lane_, [this, run] { Turn(pool_, lane_, run); });
}

}  // namespace spark::jobs
