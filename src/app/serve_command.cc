// `spark-executor serve`: the HTTP service over the cache, the Binance client and the compute pool.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>

#include <sys/resource.h>

#include "api/http/http_server.h"
#include "api/jobs/job_metrics.h"
#include "api/jobs/job_planner.h"
#include "api/route_transitions.h"
#include "api/routes.h"
#include "api/service_metrics.h"
#include "app/cli_support.h"
#include "app/commands.h"
#include "app/config.h"
#include "common/thread_pool.h"
#include "jobs/job_manager.h"
#include "jobs/job_store.h"
#include "jobs/local_shard_runner.h"
#include "jobs/redis_client.h"
#include "jobs/redis_shard_runner.h"
#include "jobs/shard_plan.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/bar_loader.h"
#include "marketdata/funding_loader.h"
#include "marketdata/kline_import.h"
#include "runs/run_store.h"

namespace spark::app {
namespace {

namespace fs = std::filesystem;

constexpr size_t kBytesPerMb = 1024 * 1024;

//! Imports each `<SYMBOL>-<interval>.csv[.gz]` of the seed directory whose series the cache has
//! no coverage for yet: the embedded default that lets `make run` answer offline.
bool SeedCache(BacktestCache& cache, const std::string& dir) {
    static const std::regex kName(R"(([A-Z0-9]+)-([0-9]+[smhdwM])\.csv(\.gz)?)");
    std::error_code ec;
    std::vector<fs::path> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) files.push_back(entry.path());
    if (ec) {
        std::cerr << fmt::format("spark-executor: cannot read seed directory '{}': {}\n", dir, ec.message());
        return false;
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        std::smatch match;
        const std::string name = file.filename().string();
        if (!std::regex_match(name, match, kName)) continue;
        const std::optional<Interval> interval = Interval::Parse(match[2].str());
        if (!interval) continue;
        const SeriesKey series{"binance", match[1].str(), match[2].str()};
        Result<std::vector<TimeRange>> coverage = cache.Coverage(series);
        if (!coverage) {
            std::cerr << "spark-executor: " << coverage.error().message << '\n';
            return false;
        }
        if (!coverage->empty()) continue;
        Result<ImportReport> report = ImportKlineFile(cache, series, *interval, file.string(), NowEpochMs());
        if (!report) {
            std::cerr << "spark-executor: seeding failed: " << report.error().message << '\n';
            return false;
        }
        PrintImportReport(*report);
        if (!report->refusal.empty()) return false;
    }
    return true;
}

//! The connection cap, kept below the file-descriptor limit (raised to its hard maximum first) so
//! that the cache, the upstream and the refusals themselves still get descriptors when it is
//! reached: without that, accept fails and even /healthz goes unanswered.
size_t ConnectionCap(size_t configured) {
    constexpr rlim_t kReservedDescriptors = 64;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return configured;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > configured + kReservedDescriptors) return configured;
    const size_t cap = limit.rlim_cur > 2 * kReservedDescriptors ? limit.rlim_cur - kReservedDescriptors
                                                                 : std::max<size_t>(limit.rlim_cur / 2, 1);
    std::cerr << fmt::format(
        "spark-executor: at most {} connections (the file-descriptor limit is {}; {} were asked for)\n", cap,
        limit.rlim_cur, configured);
    return cap;
}

bool IsLoopback(const std::string& host) { return host.starts_with("127.") || host == "::1"; }

//! A job answered 200, kept as a stored run (docs/api.md "Stored runs"); the JSON answer even when
//! the client was sent CSV. A deterministic stand-in's answer (REAL_ROUTES) computed nothing and
//! is not kept.
void StoreRun(runs::RunStore& store, const api::AnsweredJob& job) {
    if (job.mode != "real") return;
    const api::HttpResponse& r = job.response;
    runs::RunRecord record;
    record.summary.run_id = job.run_id;
    record.summary.created_ms = NowEpochMs();
    record.summary.route = job.route;
    record.summary.mode = job.mode;
    record.summary.symbol = r.job.symbol;
    record.summary.timeframe = r.job.timeframe;
    record.summary.strategy = r.job.strategy;
    record.summary.start = r.job.start;
    record.summary.end = r.job.end;
    record.summary.total_return = r.job.total_return;
    record.summary.sharpe = r.job.sharpe;
    record.summary.max_drawdown = r.job.max_drawdown;
    record.summary.num_trades = r.job.num_trades;
    record.request = job.request;
    record.answer = r.stored_answer.empty() ? r.body : r.stored_answer;
    record.attachments = r.attachments;
    store.Save(std::move(record));
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
    // --help and --version wherever they stand, before anything else is read (a bad flag or
    // environment variable beside them is no reason to refuse the help asked for); the first wins.
    for (const std::string& arg : args) {
        if (arg == "--help" || arg == "-h") {
            std::cout << ServeUsage();
            return 0;
        }
        if (arg == "--version") {
            std::cout << VersionLine() << '\n';
            return 0;
        }
    }
    auto config = ParseServeConfig(args, [](const char* name) { return std::getenv(name); });
    if (!config) {
        std::cerr << "spark-executor serve: " << config.error() << '\n';
        return kExitUsage;
    }
    EnsureParentDirectory(config->db_path);
    auto cache = BacktestCache::Open({.path = config->db_path,
                                      .duckdb_threads = config->duckdb_threads,
                                      .connections = config->workers + 1,
                                      .memory_budget_bytes = config->memory_cache_mb * kBytesPerMb});
    if (!cache) {
        std::cerr << "spark-executor: " << cache.error().message << '\n';
        // Only a lock conflict means another process: other failures (a corrupt or unreadable
        // file, a full disk) have causes this hint would hide.
        if (cache.error().message.find("lock") != std::string::npos) {
            std::cerr << "(is another spark-executor already using this cache file? each process needs its own "
                         "--db)\n";
        }
        return kExitFailure;
    }
    if (!config->seed_dir.empty() && !SeedCache(**cache, config->seed_dir)) return kExitFailure;

    auto runs =
        runs::RunStore::Open((*cache)->Database(), {.keep = config->runs_keep, .keep_days = config->runs_keep_days});
    if (!runs) {
        std::cerr << "spark-executor: cannot open the stored runs: " << runs.error().message << '\n';
        return kExitFailure;
    }

    auto audit = api::AuditLog::Open(config->audit_log, config->audit_max_bytes, static_cast<int>(config->audit_keep));
    if (!audit) {
        std::cerr << "spark-executor: " << audit.error().message << '\n';
        return kExitFailure;
    }
    api::ServiceMetrics metrics;
    BinanceClient binance({.spot_base_url = config->binance_base_url,
                           .futures_base_url = config->binance_futures_base_url,
                           .connect_timeout_ms = config->binance_connect_timeout_ms,
                           .request_timeout_ms = config->binance_timeout_ms,
                           .max_attempts = static_cast<int>(config->binance_max_attempts),
                           .max_retry_ms = config->binance_max_retry_ms,
                           .base_backoff_ms = 200,
                           .weight_budget = config->binance_weight_budget},
                          [&metrics](const UpstreamCall& call) {
                              metrics.RecordUpstreamCall(call.endpoint, call.status, call.seconds, call.retried);
                          });
    BarLoader loader(**cache, &binance);
    FundingLoader funding(**cache, &binance);
    // Jobs outlive the pool: a shard or merge still running when the pool drains reports into them.
    auto job_store = jobs::JobStore::Open((*cache)->Database());
    if (!job_store) {
        std::cerr << "spark-executor: cannot open the jobs table: " << job_store.error().message << '\n';
        return kExitFailure;
    }
    std::unique_ptr<jobs::ShardRunner> shard_runner;
    std::unique_ptr<api::ServiceJobPlanner> job_planner;
    std::unique_ptr<jobs::JobManager> job_manager;
    auto pool = std::make_unique<ThreadPool>(config->workers, api::kLaneCount);
    if (config->redis_url.empty()) {
        shard_runner = std::make_unique<jobs::LocalShardRunner>(*pool, static_cast<size_t>(api::Lane::kBatch));
    } else {
        Result<jobs::RedisAddress> address = jobs::ParseRedisUrl(config->redis_url);
        if (!address) {
            std::cerr << "spark-executor serve: invalid --redis: " << address.error().message << '\n';
            return kExitUsage;
        }
        auto runner = jobs::RedisShardRunner::Start(*address);
        if (!runner) {
            std::cerr << "spark-executor: " << runner.error().message << '\n';
            return kExitFailure;
        }
        shard_runner = std::move(*runner);
    }
    job_planner = std::make_unique<api::ServiceJobPlanner>(
        loader, funding, metrics, *pool,
        api::JobPlannerOptions{.optimizer = {config->optimizer_max_combinations, config->optimizer_max_concurrency},
                               .wfo_threshold = config->wfo_threshold,
                               .portfolio_max_assets = config->portfolio_max_assets,
                               .max_runs = static_cast<uint64_t>(config->jobs_max_combinations),
                               .shard_bars = config->jobs_shard_bars > 0
                                                 ? static_cast<uint64_t>(config->jobs_shard_bars)
                                             : config->redis_url.empty() ? jobs::kDefaultLocalShardBars
                                                                         : jobs::kDefaultShardBars});
    job_manager = std::make_unique<jobs::JobManager>(
        **job_store, *job_planner, *shard_runner, *pool, static_cast<size_t>(api::Lane::kBatch),
        jobs::JobLimits{.max_runs = static_cast<uint64_t>(config->jobs_max_combinations),
                        .max_running = config->jobs_max_running});
    // Declared after the manager and the runner it reads, so it stops before they go.
    const api::JobMetrics job_metrics(metrics, *job_manager, *shard_runner);
    // /version and the start-up log report the limits in force, not the ones asked for.
    config->max_connections = ConnectionCap(config->max_connections);
    if (config->max_running_batch_jobs == 0) config->max_running_batch_jobs = config->workers;
    api::ServiceContext context{**cache,
                                loader,
                                funding,
                                metrics,
                                *pool,
                                {config->optimizer_max_combinations, config->optimizer_max_concurrency},
                                config->wfo_threshold,
                                config->portfolio_max_assets,
                                **audit,
                                **runs,
                                config->web_dir,
                                config->real_routes,
                                DescribeConfig(*config),
                                DescribeConfig(*config, /*with_paths=*/false),
                                job_manager.get()};
    const api::Router router = api::BuildRoutes(context);
    api::HttpServer server({.host = config->host,
                            .port = config->port,
                            .io_threads = config->io_threads,
                            .body_limit_bytes = config->body_limit_bytes,
                            .request_timeout = std::chrono::milliseconds(config->request_timeout_ms),
                            .shutdown_grace = std::chrono::milliseconds(config->shutdown_grace_ms),
                            .max_queued_jobs = config->max_queued_jobs,
                            .max_connections = config->max_connections,
                            .max_running_batch_jobs = config->max_running_batch_jobs,
                            .access = {.token = config->api_token,
                                       .exempt_routes = config->auth_exempt,
                                       .allowed_origins = config->allowed_origins,
                                       .check_host = IsLoopback(config->host)},
                            .on_answered = [&store = **runs](const api::AnsweredJob& job) { StoreRun(store, job); }},
                           router, *pool, metrics, audit->get());
    if (Result<void> ok = server.Listen(); !ok) {
        std::cerr << "spark-executor: " << ok.error().message << '\n';
        return kExitFailure;
    }
    // Only a start that serves changes which routes are real: recorded once listening.
    api::RecordRouteTransitions(
        **audit, {.real_routes = config->real_routes,
                  .state_path = config->audit_log + ".routes",
                  .upstream = !config->binance_base_url.empty() || !config->binance_futures_base_url.empty()});
    // Tests and scripts read this line to learn the (possibly ephemeral) port.
    std::cout << fmt::format("spark-executor listening on http://{}:{} (cache {}, {} workers)", config->host,
                             server.Port(), config->db_path, config->workers)
              << std::endl;
    // The restart rule (docs/jobs.md): jobs the previous process left queued or running start again.
    if (Result<size_t> resumed = job_manager->ResumeUnfinished(); !resumed) {
        std::cerr << "spark-executor: cannot resume the unfinished jobs: " << resumed.error().message << '\n';
    }
    server.Run();
    // Running jobs stay `running` in the store for the next start: the runner first stops starting
    // and finishing jobs (a coordinator seeing the manager's cancel flags would retire them), then
    // the manager stops, then the runner's threads are joined.
    shard_runner->BeginStop();
    job_manager->Stop();
    shard_runner->Stop();
    // Waits for Binance (a minute's rate window, a retry back-off) end now; running jobs finish,
    // queued ones (whose answers can no longer be sent) are dropped, all before the server's
    // sessions and the cache go away.
    binance.Stop();
    pool.reset();
    std::cerr << "spark-executor: stopped\n";
    return 0;
}

}  // namespace spark::app
