#pragma once

#include "api/http/http_types.h"
#include "api/service_metrics.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

//! POST /backtest/portfolio: validate, load every asset's bars in parallel (cache-first), run the
//! sleeves on the aligned timeline, answer. Runs on a compute worker.
class PortfolioRoute {
  public:
    PortfolioRoute(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics, size_t max_assets)
        : loader_(loader), funding_(funding), metrics_(metrics), max_assets_(max_assets) {}

    HttpResponse Handle(const HttpRequest& request) const;

  private:
    const BarLoader& loader_;
    const FundingLoader& funding_;
    ServiceMetrics& metrics_;
    size_t max_assets_;
};

}  // namespace spark::api
