#pragma once

#include "api/http/http_types.h"
#include "api/run/run_request.h"
#include "api/service_metrics.h"
#include "common/warning.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

//! POST /backtest/run: parse and validate, load bars cache-first, run the engine, answer.
//! Runs on a compute worker; records the run's metrics.
class RunRoute {
  public:
    RunRoute(const BarLoader& loader, const FundingLoader& funding, ServiceMetrics& metrics)
        : loader_(loader), funding_(funding), metrics_(metrics) {}

    HttpResponse Handle(const HttpRequest& request) const;

  private:
    HttpResponse Fail(const Error& error) const;
    //! The `warmupBars` bars immediately before the query's start. Fewer fail the run unless the
    //! request said `warmup: best_effort`, which proceeds and adds a WARMUP_SHORT warning.
    Result<std::vector<Candle>> LoadWarmup(const RunRequest& request, const BarQuery& query, Warnings& warnings) const;

    const BarLoader& loader_;
    const FundingLoader& funding_;
    ServiceMetrics& metrics_;
};

//! A random 128-bit id, hex, prefixed `run_`.
std::string NewRunId();

}  // namespace spark::api
