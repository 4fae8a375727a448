#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace spark::app {

//! Settings of `spark-executor serve`. Each has a flag and an environment variable; a flag wins
//! over the variable, which wins over the default (docs/operations.md has the table).
struct ServeConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 4001;
    std::string db_path = "var/spark.duckdb";
    size_t workers = 0;  //!< 0 = one per hardware thread
    size_t io_threads = 1;
    size_t body_limit_bytes = 1 << 20;
    int64_t request_timeout_ms = 30'000;
    int64_t shutdown_grace_ms = 10'000;
    size_t max_queued_jobs = 256;
    size_t max_connections = 512;
    size_t max_running_batch_jobs = 0;  //!< 0 = workers
    std::string api_token;              //!< SPARK_API_TOKEN; empty: no authentication
    std::set<std::string> auth_exempt = {"healthz", "readyz", "metrics", "web"};
    std::vector<std::string> allowed_origins;
    size_t optimizer_max_combinations = 500;
    size_t optimizer_max_concurrency = 8;
    double wfo_threshold = 0.6;
    size_t portfolio_max_assets = 50;
    //! REAL_ROUTES: job routes answered for real; the others by their deterministic stand-ins.
    std::set<std::string> real_routes = {"run", "walkforward", "portfolio", "optimize"};
    std::string binance_base_url = "https://api.binance.com";
    std::string binance_futures_base_url = "https://fapi.binance.com";
    int64_t binance_timeout_ms = 10'000;
    int64_t binance_connect_timeout_ms = 3'000;
    int64_t binance_max_attempts = 5;
    int64_t binance_max_retry_ms = 30'000;
    int64_t binance_weight_budget = 4'800;
    std::string audit_log = "var/audit.jsonl";
    int64_t audit_max_bytes = 64 << 20;
    int64_t audit_keep = 5;
    size_t memory_cache_mb = 256;
    int duckdb_threads = 1;
    std::string seed_dir;                        //!< Binance CSVs imported at start when the cache lacks them
    int64_t runs_keep = 1000;                    //!< SPARK_RUNS_KEEP: stored runs kept (0: none stored)
    int64_t runs_keep_days = 90;                 //!< SPARK_RUNS_KEEP_DAYS: stored runs older than this are deleted
    int64_t jobs_max_combinations = 10'000'000;  //!< JOBS_MAX_COMBINATIONS: backtest runs one job may make
    size_t jobs_max_running = 1;                 //!< JOBS_MAX_RUNNING: jobs computing at once
    int64_t jobs_shard_bars = 0;  //!< JOBS_SHARD_BARS: bars simulated per shard (0: by mode, jobs/shard_plan.h)
    std::string redis_url;        //!< SPARK_REDIS_URL (--redis): coordinate workers through Redis; empty: local jobs
    std::string web_dir = "web/dist";  //!< SPARK_WEB_DIR: the web app's built files, served at GET /
};

using EnvLookup = std::function<const char*(const char*)>;

//! Parses flags (`--port 4001` or `--port=4001`) over environment variables; on an unknown flag
//! or an invalid value returns a message naming the setting and what it accepts.
std::expected<ServeConfig, std::string> ParseServeConfig(const std::vector<std::string>& args, const EnvLookup& env);

//! The settings in force as key/value text, for GET /version and the start-up log. Credentials
//! never appear (the token is "set" or "unset"; user:password in a URL becomes ***). With
//! `with_paths` false, file paths are reduced to their file names: what an unauthenticated
//! client may see.
std::vector<std::pair<std::string, std::string>> DescribeConfig(const ServeConfig& config, bool with_paths = true);

//! `url` without the user-information part (user:password@) of its authority.
std::string RedactUrlCredentials(const std::string& url);

std::string ServeUsage();

}  // namespace spark::app
