#include "api/jobs/job_planner.h"

#include <fmt/format.h>

#include "api/job_support.h"
#include "api/jobs/grid_job.h"
#include "api/jobs/sweep_response.h"
#include "api/json/json_writer.h"
#include "api/optimize/optimize_response.h"
#include "api/portfolio/portfolio_request.h"
#include "api/walkforward/walkforward_request.h"
#include "research/sweep_ranking.h"

namespace spark::api {
namespace {

//! Everything the shards and the merge of one grid job read: the parsed request and each series'
//! bars with its indicator cache (shared by every shard, as the grid search shares it).
struct GridJobData {
    GridJobSpec spec;
    std::vector<LoadedBars> bars;
    std::vector<std::unique_ptr<SeriesContext>> contexts;
    Clock::time_point started = Clock::now();
    double load_ms = 0;
};

//! The synchronous route's answer as a job's: its body when 200, else its error.
Result<jobs::JobAnswer> FromResponse(const HttpResponse& response) {
    if (response.status == 200) return jobs::JobAnswer{response.body, {}};
    Error error(ErrorCodeFromName(response.error_code), response.error_message, response.error_field,
                response.error_reason);
    return std::unexpected(std::move(error));
}

research::GridSearchOutcome RankedOutcome(const GridJobData& data, size_t series, jobs::ShardTrials trials) {
    const OptimizeRequest& request = data.spec.series[series];
    research::GridSearchOutcome outcome;
    outcome.trials = std::move(trials);
    research::RankTrials(outcome, request.objective, request.min_trades);
    research::AddBestRun(outcome, *data.contexts[series], *request.run.strategy.definition, data.spec.combinations,
                         request.run.options, request.run.interval.PeriodsPerYear());
    return outcome;
}

Result<jobs::JobAnswer> FinishGrid(const GridJobData& data, std::string_view job_id, std::string_view type,
                                   std::vector<jobs::ShardTrials> per_series) {
    if (type == "optimize") {
        research::GridSearchOutcome outcome = RankedOutcome(data, 0, std::move(per_series.front()));
        // A job's answer does not depend on where or in how many pieces it ran: "concurrency",
        // the synchronous route's thread count, is 0 for a job.
        outcome.lanes = 0;
        const double compute_ms = MillisSince(data.started) - data.load_ms;
        const OptimizeTiming timing{data.load_ms, compute_ms, MillisSince(data.started)};
        return jobs::JobAnswer{
            WriteOptimizeResponse(job_id, data.spec.series.front(), data.spec.combinations, data.spec.skipped,
                                  data.bars.front(), nullptr, {}, outcome, timing),
            {}};
    }
    std::vector<SweepSeriesResult> results;
    results.reserve(per_series.size());
    for (size_t s = 0; s < per_series.size(); ++s) {
        results.push_back({&data.spec.series[s], &data.bars[s], RankedOutcome(data, s, std::move(per_series[s]))});
    }
    std::vector<const research::GridSearchOutcome*> outcomes;
    for (const SweepSeriesResult& result : results) outcomes.push_back(&result.outcome);
    const OptimizeRequest& first = data.spec.series.front();
    const std::vector<research::CrossSeriesScore> ranking =
        research::RankAcrossSeries(outcomes, data.spec.combinations.size(), first.objective, first.min_trades);
    return WriteSweepAnswer(job_id, data.spec, results, ranking);
}

std::string DescribeTrial(const GridJobData& data, uint32_t series, uint64_t combination,
                          const research::Trial& trial) {
    const OptimizeRequest& request = data.spec.series[series];
    JsonWriter json(512);
    json.BeginObject();
    json.Field("symbol", request.run.symbol).Field("timeframe", request.run.interval.Name());
    WriteParams(json, data.spec.combinations[combination]);
    json.Field("objective", research::ObjectiveValue(request.objective, trial.metrics));
    json.Field("totalReturn", trial.metrics.total_return).Field("numTrades", trial.metrics.num_trades);
    json.EndObject();
    return json.Take();
}

}  // namespace

ServiceJobPlanner::ServiceJobPlanner(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics,
                                     ThreadPool& compute, JobPlannerOptions options)
    : loader_(loader),
      metrics_(metrics),
      options_(options),
      walkforward_(std::make_shared<WalkForwardRoute>(loader, funding, metrics, compute, options.optimizer,
                                                      options.wfo_threshold)),
      portfolio_(std::make_shared<PortfolioRoute>(loader, funding, metrics, options.portfolio_max_assets)) {
    if (options_.shard_bars == 0) options_.shard_bars = jobs::kDefaultShardBars;
}

Result<uint64_t> ServiceJobPlanner::Check(std::string_view type, std::string_view request) const {
    const int64_t now = NowEpochMs();
    if (type == "optimize" || type == "sweep") {
        Result<GridJobSpec> spec = ParseGridJob(type, request, now, options_.max_runs);
        if (!spec) return std::unexpected(spec.error());
        return spec->Runs();
    }
    if (type == "walkforward") {
        Result<WalkForwardRequest> parsed = ParseWalkForwardRequest(request, now);
        if (!parsed) return std::unexpected(InJobRequest(parsed.error()));
        // The grid too (values, constraint, OPTIMIZER_MAX_COMBINATIONS), as the route checks it,
        // so a bad grid is a 400 now rather than a failed job later.
        Result<research::GridExpansion> grid =
            ExpandWithinCap(*parsed->search.run.strategy.definition, parsed->search.grid, options_.optimizer);
        if (!grid) return std::unexpected(InJobRequest(grid.error()));
        return 1;
    }
    if (type == "portfolio") {
        Result<PortfolioRequest> parsed = ParsePortfolioRequest(request, now, options_.portfolio_max_assets);
        if (!parsed) return std::unexpected(InJobRequest(parsed.error()));
        return 1;
    }
    return MakeError(ErrorCode::kInvalidRequest,
                     fmt::format("type must be optimize, walkforward, portfolio or sweep, got '{}'", type), "type",
                     "OUT_OF_RANGE");
}

Result<jobs::JobPlan> ServiceJobPlanner::Plan(const jobs::JobRecord& job) const {
    if (job.type == "optimize" || job.type == "sweep") return PlanGrid(job);
    return PlanWhole(job);
}

Result<jobs::JobPlan> ServiceJobPlanner::PlanGrid(const jobs::JobRecord& job) const {
    auto data = std::make_shared<GridJobData>();
    // The job's own creation time stands for "now", so a resumed job means the same range.
    Result<GridJobSpec> spec = ParseGridJob(job.type, job.request, job.created_ms, options_.max_runs);
    if (!spec) return std::unexpected(spec.error());
    data->spec = std::move(*spec);
    jobs::JobPlan plan;
    std::vector<uint64_t> bar_counts;
    data->bars.reserve(data->spec.series.size());
    for (const OptimizeRequest& series : data->spec.series) {
        const RunRequest& run = series.run;
        const BarQuery query{
            {run.exchange, run.symbol, std::string(run.interval.Name())}, run.interval, run.range, run.use_cache};
        Result<LoadedBars> loaded = LoadCounted(loader_, metrics_, query);
        if (!loaded) return std::unexpected(loaded.error());
        if (Result<void> ok = CheckBars(loaded->bars); !ok) {
            Error error = ok.error();
            error.message = fmt::format("{} {}: {}", run.symbol, run.interval.Name(), error.message);
            return std::unexpected(error);
        }
        data->bars.push_back(std::move(*loaded));
        const std::vector<Candle>& bars = data->bars.back().bars;
        data->contexts.push_back(std::make_unique<SeriesContext>(bars, 0, run.options.timeframe));
        bar_counts.push_back(bars.size());
        plan.series.push_back(
            {run.symbol, std::string(run.interval.Name()), std::shared_ptr<const std::vector<Candle>>(data, &bars)});
    }
    data->load_ms = MillisSince(data->started);
    plan.combinations = data->spec.combinations.size();
    plan.shards = jobs::PlanShards(bar_counts, plan.combinations, options_.shard_bars);
    plan.objective = data->spec.series.front().objective;
    plan.min_trades = data->spec.series.front().min_trades;
    plan.evaluate = [data](const jobs::Shard& shard, const std::atomic<bool>& cancel) {
        return EvaluateGridShard(data->spec, shard.series, *data->contexts[shard.series], shard.begin, shard.end,
                                 cancel);
    };
    plan.finish = [data, id = job.id, type = job.type](std::vector<jobs::ShardTrials> per_series) {
        return FinishGrid(*data, id, type, std::move(per_series));
    };
    plan.describe = [data](uint32_t series, uint64_t combination, const research::Trial& trial) {
        return DescribeTrial(*data, series, combination, trial);
    };
    return plan;
}

jobs::JobPlan ServiceJobPlanner::PlanWhole(const jobs::JobRecord& job) const {
    jobs::JobPlan plan;
    HttpRequest http;
    http.method = "POST";
    http.body = job.request;
    http.run_id = job.id;
    http.now_ms = job.created_ms;
    if (job.type == "walkforward") {
        http.path = "/backtest/walkforward";
        plan.run_whole = [route = walkforward_, http](std::shared_ptr<std::atomic<bool>> cancel, auto done) {
            route->Handle(
                http, [done](HttpResponse response) { done(FromResponse(response)); }, std::move(cancel));
        };
    } else {
        http.path = "/backtest/portfolio";
        plan.run_whole = [route = portfolio_, http](std::shared_ptr<std::atomic<bool>>, auto done) {
            done(FromResponse(route->Handle(http)));
        };
    }
    return plan;
}

}  // namespace spark::api
