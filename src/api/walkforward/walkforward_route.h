#pragma once

#include "api/routes.h"
#include "api/service_metrics.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

//! POST /backtest/walkforward: validate, load bars once, plan the folds, then run fold after fold
//! on the shared pool (asynchronously) and answer with the verdict.
class WalkForwardRoute {
  public:
    WalkForwardRoute(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics,
                     ThreadPool& compute, OptimizerLimits limits, double default_threshold)
        : loader_(loader),
          funding_(funding),
          metrics_(metrics),
          compute_(compute),
          limits_(limits),
          threshold_(default_threshold) {}

    void Handle(const HttpRequest& request, Respond respond, CancelFlag cancelled) const;

  private:
    const BarLoader& loader_;
    const FundingLoader& funding_;
    ServiceMetrics& metrics_;
    ThreadPool& compute_;
    OptimizerLimits limits_;
    double threshold_;
};

}  // namespace spark::api
