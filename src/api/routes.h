#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/http_types.h"
#include "api/run_route.h"
#include "api/service_metrics.h"
#include "marketdata/backtest_cache.h"

namespace spark::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

//! Where a handler runs: cheap ones on the IO thread, backtests on the compute pool.
enum class Executor { kIoThread, kComputePool };

struct Route {
    std::string method;
    std::string path;
    std::string name;  //!< metrics label
    Executor executor = Executor::kIoThread;
    Handler handler;
};

//! Exact-path routing; an unknown path is a 404, a known path with another method a 405, both
//! as JSON errors.
class Router {
  public:
    void Add(Route route) { routes_.push_back(std::move(route)); }

    struct Match {
        const Route* route = nullptr;  //!< null when `error` is set
        HttpResponse error;
    };
    Match Find(std::string_view method, std::string_view path) const;

  private:
    std::vector<Route> routes_;
};

//! What GET /version reports besides the build: the configuration in force.
using ConfigSummary = std::vector<std::pair<std::string, std::string>>;

struct ServiceContext {
    BacktestCache& cache;
    const BarLoader& loader;
    ServiceMetrics& metrics;
    ConfigSummary config;
};

Router BuildRoutes(ServiceContext& context);

}  // namespace spark::api
