#pragma once

#include "api/routes.h"
#include "api/service_metrics.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

//! POST /backtest/optimize: validate, load bars once, expand the grid against the cap, then run
//! the grid search on the shared pool and answer when it completes (asynchronously, so no worker
//! waits for other workers).
class OptimizeRoute {
  public:
    OptimizeRoute(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics, ThreadPool& compute,
                  OptimizerLimits limits)
        : loader_(loader), funding_(funding), metrics_(metrics), compute_(compute), limits_(limits) {}

    void Handle(const HttpRequest& request, Respond respond, CancelFlag cancelled) const;

  private:
    const BarLoader& loader_;
    const FundingLoader& funding_;
    ServiceMetrics& metrics_;
    ThreadPool& compute_;
    OptimizerLimits limits_;
};

}  // namespace spark::api
