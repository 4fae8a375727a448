#include "app/commands.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <regex>

#include <sys/resource.h>

#include "api/http/http_server.h"
#include "api/routes.h"
#include "api/service_metrics.h"
#include "app/config.h"
#include "common/thread_pool.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/bar_loader.h"
#include "marketdata/kline_import.h"

namespace spark::app {
namespace {

namespace fs = std::filesystem;

constexpr int kExitConfig = 2;
constexpr int kExitFailure = 1;
constexpr size_t kRejectedShown = 20;
constexpr size_t kBytesPerMb = 1024 * 1024;

int64_t NowEpochMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

//! The DuckDB file's directory must exist before DuckDB can create the file.
void EnsureParentDirectory(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    std::error_code ignored;
    if (!parent.empty()) fs::create_directories(parent, ignored);
}

void PrintReport(const ImportReport& report) {
    std::cerr << fmt::format("{}: {} lines, {} bars imported, {} rejected\n", report.file, report.lines_read,
                             report.imported, report.rejected.size());
    for (size_t i = 0; i < report.rejected.size() && i < kRejectedShown; ++i) {
        const RejectedRow& r = report.rejected[i];
        std::cerr << fmt::format("  rejected line {}: {}\n", r.line, r.reason);
    }
    if (report.rejected.size() > kRejectedShown) {
        std::cerr << fmt::format("  ... and {} more rejected rows\n", report.rejected.size() - kRejectedShown);
    }
    for (const std::string& note : report.notes) std::cerr << "  note: " << note << '\n';
}

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
        PrintReport(*report);
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

}  // namespace

int RunServe(const std::vector<std::string>& args) {
    auto config = ParseServeConfig(args, [](const char* name) { return std::getenv(name); });
    if (!config) {
        std::cerr << "spark-executor: " << config.error() << '\n';
        return kExitConfig;
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
    auto pool = std::make_unique<ThreadPool>(config->workers, api::kLaneCount);
    // /version and the start-up log report the limits in force, not the ones asked for.
    config->max_connections = ConnectionCap(config->max_connections);
    if (config->max_running_batch_jobs == 0) config->max_running_batch_jobs = config->workers;
    api::ServiceContext context{**cache,
                                loader,
                                metrics,
                                *pool,
                                {config->optimizer_max_combinations, config->optimizer_max_concurrency},
                                config->wfo_threshold,
                                config->portfolio_max_assets,
                                **audit,
                                config->real_routes,
                                DescribeConfig(*config),
                                DescribeConfig(*config, /*with_paths=*/false)};
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
                                       .check_host = IsLoopback(config->host)}},
                           router, *pool, metrics, audit->get());
    if (Result<void> ok = server.Listen(); !ok) {
        std::cerr << "spark-executor: " << ok.error().message << '\n';
        return kExitFailure;
    }
    // Tests and scripts read this line to learn the (possibly ephemeral) port.
    std::cout << fmt::format("spark-executor listening on http://{}:{} (cache {}, {} workers)", config->host,
                             server.Port(), config->db_path, config->workers)
              << std::endl;
    server.Run();
    // Waits for Binance (a minute's rate window, a retry back-off) end now; running jobs finish,
    // queued ones (whose answers can no longer be sent) are dropped, all before the server's
    // sessions and the cache go away.
    binance.Stop();
    pool.reset();
    std::cerr << "spark-executor: stopped\n";
    return 0;
}

int RunImport(const std::vector<std::string>& args) {
    std::string exchange = "binance";
    std::string symbol;
    std::string interval_name;
    std::string db_path = std::getenv("SPARK_DB") ? std::getenv("SPARK_DB") : "var/spark.duckdb";
    std::vector<std::string> files;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool has_value = i + 1 < args.size();
        if (arg == "--exchange" && has_value) {
            exchange = args[++i];
        } else if (arg == "--symbol" && has_value) {
            symbol = args[++i];
        } else if (arg == "--interval" && has_value) {
            interval_name = args[++i];
        } else if (arg == "--db" && has_value) {
            db_path = args[++i];
        } else if (arg.starts_with("--")) {
            std::cerr << "spark-executor import: unknown or incomplete option " << arg << '\n';
            return kExitConfig;
        } else {
            files.push_back(arg);
        }
    }
    const std::optional<Interval> interval = Interval::Parse(interval_name);
    static const std::regex kSymbol("[A-Z0-9]{1,20}");
    if (!std::regex_match(symbol, kSymbol) || !interval || files.empty() ||
        (exchange != "binance" && exchange != "binance-futures")) {
        std::cerr << "usage: spark-executor import --exchange binance|binance-futures --symbol SYMBOL "
                     "--interval INTERVAL [--db PATH] FILE...\n";
        return kExitConfig;
    }
    EnsureParentDirectory(db_path);
    auto cache = BacktestCache::Open({.path = db_path});
    if (!cache) {
        std::cerr << "spark-executor import: " << cache.error().message << '\n';
        return kExitFailure;
    }
    const SeriesKey series{exchange, symbol, interval_name};
    int status = 0;
    for (const std::string& file : files) {
        Result<ImportReport> report = ImportKlineFile(**cache, series, *interval, file, NowEpochMs());
        if (!report) {
            std::cerr << "spark-executor import: " << report.error().message << '\n';
            status = kExitFailure;
            continue;
        }
        PrintReport(*report);
        if (report->imported == 0) {
            std::cerr << "spark-executor import: " << file << ": no valid bars\n";
            status = kExitFailure;
        }
    }
    return status;
}

}  // namespace spark::app
