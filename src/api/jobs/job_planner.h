#pragma once

#include <cstdint>
#include <memory>

#include "api/portfolio/portfolio_route.h"
#include "api/routes.h"
#include "api/service_metrics.h"
#include "api/walkforward/walkforward_route.h"
#include "jobs/job_plan.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

struct JobPlannerOptions {
    OptimizerLimits optimizer;  //!< the walk-forward's inner grid keeps the synchronous cap
    double wfo_threshold = 0.6;
    size_t portfolio_max_assets = 50;
    uint64_t max_runs = 10'000'000;  //!< JOBS_MAX_COMBINATIONS
    uint64_t shard_bars = 0;         //!< JOBS_SHARD_BARS (0: jobs::kDefaultShardBars)
};

//! Turns job requests into plans with the routes' own parsers, loaders and writers: optimize and
//! sweep jobs become grids of shards over series loaded cache-first; walk-forward and portfolio
//! jobs run whole, through the same computation as their synchronous routes.
class ServiceJobPlanner final : public jobs::JobPlanner {
  public:
    ServiceJobPlanner(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics,
                      ThreadPool& compute, JobPlannerOptions options);

    Result<uint64_t> Check(std::string_view type, std::string_view request) const override;
    Result<jobs::JobPlan> Plan(const jobs::JobRecord& job) const override;

  private:
    Result<jobs::JobPlan> PlanGrid(const jobs::JobRecord& job) const;
    jobs::JobPlan PlanWhole(const jobs::JobRecord& job) const;

    const BarLoader& loader_;
    ServiceMetrics& metrics_;
    JobPlannerOptions options_;
    std::shared_ptr<WalkForwardRoute> walkforward_;
    std::shared_ptr<PortfolioRoute> portfolio_;
};

}  // namespace spark::api
