#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "jobs/job_record.h"
#include "jobs/shard_plan.h"
#include "model/candle.h"
#include "research/grid_search.h"

namespace spark::jobs {

//! A finished job's answer: the JSON result, and for sweeps every evaluated row as CSV.
struct JobAnswer {
    std::string result;
    std::string rows_csv;
};

//! One series of a grid job, loaded by the coordinator (cache-first) before any shard runs.
struct PlannedSeries {
    std::string symbol;
    std::string timeframe;
    std::shared_ptr<const std::vector<Candle>> bars;
};

using ShardTrials = std::vector<research::Trial>;

//! A job ready to run, built by the layer that parses requests and loads data (the api's
//! JobPlanner): either a grid split into shards, or one whole computation (walk-forward,
//! portfolio) that runs on the coordinator.
struct JobPlan {
    // Grid jobs (optimize, sweep).
    std::vector<PlannedSeries> series;
    uint64_t combinations = 0;
    std::vector<Shard> shards;
    //! Runs one shard here (local mode); workers build the same function from the job's request.
    std::function<ShardTrials(const Shard&, const std::atomic<bool>& cancel)> evaluate;
    //! Merges every series' trials (complete, in enumeration order) into the answer.
    std::function<Result<JobAnswer>(std::vector<ShardTrials> per_series)> finish;
    //! The JSON object shown as "best so far" for a trial: its series, parameters and objective.
    std::function<std::string(uint32_t series, uint64_t combination, const research::Trial&)> describe;
    research::Objective objective = research::Objective::kSharpe;
    int64_t min_trades = 1;

    //! Whole jobs: runs once and reports its answer (from any thread); stops early when `cancel` is set.
    std::function<void(std::shared_ptr<std::atomic<bool>> cancel, std::function<void(Result<JobAnswer>)> done)>
        run_whole;

    bool IsGrid() const { return !run_whole; }
    uint64_t Units() const;
};

//! Parses and loads jobs for the manager; implemented where the request formats live.
class JobPlanner {
  public:
    virtual ~JobPlanner() = default;
    //! Validates a request without loading data, so POST /jobs refuses bad input at once; returns
    //! the runs the job will make (checked against JOBS_MAX_COMBINATIONS by the planner).
    virtual Result<uint64_t> Check(std::string_view type, std::string_view request) const = 0;
    //! Loads the job's data and plans it; may block on a fetch (called on the compute pool).
    virtual Result<JobPlan> Plan(const JobRecord& job) const = 0;
};

}  // namespace spark::jobs
