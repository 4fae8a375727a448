#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/audit_log.h"
#include "api/http/http_types.h"
#include "api/run/run_route.h"
#include "api/service_metrics.h"
#include "common/thread_pool.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"
#include "jobs/job_manager.h"
#include "runs/run_store.h"

namespace spark::api {

using Handler = std::function<HttpResponse(const HttpRequest&)>;

//! Delivers an asynchronous handler's answer; call exactly once, from any thread.
using Respond = std::function<void(HttpResponse)>;
//! Set by the server when the client goes away before the answer: the handler may stop its work.
using CancelFlag = std::shared_ptr<std::atomic<bool>>;
//! A handler that starts work on the compute pool and answers later (grid searches): it must not
//! block a worker waiting for other workers.
using AsyncHandler = std::function<void(const HttpRequest&, Respond, CancelFlag)>;

//! Where a handler runs: cheap ones on the IO thread, backtests on the compute pool.
enum class Executor { kIoThread, kComputePool };

//! The compute pool's queues (ThreadPool lanes), taken in turn so that a flood of one kind of
//! work cannot starve the other: single runs, and the heavy research jobs (which also pass the
//! server's JobGate).
enum class Lane : size_t { kInteractive = 0, kBatch = 1 };
inline constexpr size_t kLaneCount = 2;

struct Route {
    Route(std::string m, std::string p, std::string n, Executor e, Handler h)
        : method(std::move(m)), path(std::move(p)), name(std::move(n)), executor(e), handler(std::move(h)) {}
    Route(std::string m, std::string p, std::string n, AsyncHandler a)
        : method(std::move(m)),
          path(std::move(p)),
          name(std::move(n)),
          executor(Executor::kComputePool),
          async(std::move(a)) {}

    std::string method;
    std::string path;
    std::string name;  //!< metrics label
    Executor executor = Executor::kIoThread;
    Handler handler;     //!< set for synchronous routes
    AsyncHandler async;  //!< set instead for asynchronous ones (always started on the compute pool)
    Lane lane = Lane::kInteractive;
    bool job = false;           //!< a backtesting job: gets a run id, an audit line and a request log line
    std::string mode = "real";  //!< or "deterministic" (REAL_ROUTES)
};

//! Routing by path: exact, or a pattern whose `{name}` segments match any one non-empty segment
//! (`/backtest/runs/{runId}/trades.csv`), handed to the handler in HttpRequest::params. An unknown
//! path is a 404, a known path with another method a 405, both as JSON errors.
class Router {
  public:
    void Add(Route route) { routes_.push_back(std::move(route)); }

    struct Match {
        const Route* route = nullptr;               //!< null when `error` is set
        std::map<std::string, std::string> params;  //!< the pattern's `{name}` segments
        HttpResponse error;
    };
    Match Find(std::string_view method, std::string_view path) const;

  private:
    std::vector<Route> routes_;
};

//! What GET /version reports besides the build: the configuration in force.
using ConfigSummary = std::vector<std::pair<std::string, std::string>>;

//! The plan's optimizer switches (OPTIMIZER_MAX_COMBINATIONS, OPTIMIZER_MAX_CONCURRENCY).
struct OptimizerLimits {
    size_t max_combinations = 500;
    size_t max_concurrency = 8;
};

struct ServiceContext {
    BacktestCache& cache;
    const BarLoader& loader;
    const FundingLoader& funding;  //!< perpetual futures' funding history, cache-first
    ServiceMetrics& metrics;
    ThreadPool& compute;
    OptimizerLimits optimizer;
    double wfo_threshold = 0.6;  //!< WFO_THRESHOLD: the walk-forward efficiency a strategy must reach
    size_t portfolio_max_assets = 50;
    AuditLog& audit;
    runs::RunStore& runs;               //!< stored runs (may be disabled: SPARK_RUNS_KEEP=0)
    std::string web_dir;                //!< SPARK_WEB_DIR: the web app's built files
    std::set<std::string> real_routes;  //!< REAL_ROUTES: job routes with real handlers
    ConfigSummary config;               //!< for clients that presented the token
    ConfigSummary public_config;        //!< for everyone else: file paths reduced to file names
    jobs::JobManager* jobs = nullptr;   //!< asynchronous jobs (POST /jobs); null: no job routes
};

Router BuildRoutes(ServiceContext& context);

}  // namespace spark::api
