#pragma once

#include "api/http/http_types.h"
#include "api/service_metrics.h"
#include "marketdata/bar_loader.h"

namespace spark::api {

//! POST /backtest/run: parse and validate, load bars cache-first, run the engine, answer.
//! Runs on a compute worker; records the run's metrics.
class RunRoute {
  public:
    RunRoute(const BarLoader& loader, ServiceMetrics& metrics) : loader_(loader), metrics_(metrics) {}

    HttpResponse Handle(const HttpRequest& request) const;

  private:
    HttpResponse Fail(const Error& error) const;
    //! Up to `bars` bars immediately before the query's start, as the cache has them.
    std::vector<Candle> LoadWarmup(const BarQuery& query, size_t bars) const;

    const BarLoader& loader_;
    ServiceMetrics& metrics_;
};

//! A random 128-bit id, hex, prefixed `run_`.
std::string NewRunId();

}  // namespace spark::api
