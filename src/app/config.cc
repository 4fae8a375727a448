#include "app/config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <limits>
#include <thread>

namespace spark::app {
namespace {

//! One setting: its flag, its environment variable and how to apply a textual value.
struct Setting {
    const char* flag;
    const char* env;
    const char* help;
    std::function<std::string(ServeConfig&, const std::string&)> apply;  //!< returns an error or ""
};

template <typename T>
std::function<std::string(ServeConfig&, const std::string&)> Integer(T ServeConfig::*member, int64_t min, int64_t max) {
    return [member, min, max](ServeConfig& config, const std::string& text) -> std::string {
        int64_t value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
            return fmt::format("must be an integer from {} to {}, got '{}'", min, max, text);
        }
        config.*member = static_cast<T>(value);
        return "";
    };
}

std::function<std::string(ServeConfig&, const std::string&)> Number(double ServeConfig::*member, double min,
                                                                    double max) {
    return [member, min, max](ServeConfig& config, const std::string& text) -> std::string {
        double value = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || !(value >= min && value <= max)) {
            return fmt::format("must be a number from {} to {}, got '{}'", min, max, text);
        }
        config.*member = value;
        return "";
    };
}

//! The non-empty items of a comma-separated list, spaces removed.
std::vector<std::string> SplitList(const std::string& text) {
    std::vector<std::string> items;
    size_t start = 0;
    while (start <= text.size()) {
        const size_t comma = std::min(text.find(',', start), text.size());
        std::string item = text.substr(start, comma - start);
        std::erase(item, ' ');
        if (!item.empty()) items.push_back(std::move(item));
        start = comma + 1;
    }
    return items;
}

//! A comma-separated subset of the job routes (spaces ignored; empty means none).
std::string ApplyRealRoutes(ServeConfig& config, const std::string& text) {
    static const std::set<std::string> kRoutes = {"run", "walkforward", "portfolio", "optimize"};
    std::set<std::string> routes;
    // An empty value is more likely a slip than a decision to switch everything off: say "none".
    if (text == "none") {
        config.real_routes.clear();
        return "";
    }
    if (text.find_first_not_of(", ") == std::string::npos) {
        return "is empty; list the real routes, or write none to answer every job route deterministically";
    }
    for (const std::string& name : SplitList(text)) {
        if (!kRoutes.contains(name)) {
            return fmt::format(
                "unknown route '{}' (expected a comma-separated list of run, walkforward, portfolio, optimize)", name);
        }
        routes.insert(name);
    }
    config.real_routes = std::move(routes);
    return "";
}

std::function<std::string(ServeConfig&, const std::string&)> Text(std::string ServeConfig::*member, bool allow_empty) {
    return [member, allow_empty](ServeConfig& config, const std::string& text) -> std::string {
        if (text.empty() && !allow_empty) return "must not be empty";
        config.*member = text;
        return "";
    };
}

//! Route names (checked against the known ones) exempt from the token.
std::string ApplyExemptRoutes(ServeConfig& config, const std::string& text) {
    static const std::set<std::string> kRoutes = {"healthz", "readyz",   "metrics",    "version",   "strategies",
                                                  "runs",    "run",      "optimize",   "portfolio", "web",
                                                  "audit",   "validate", "walkforward"};
    std::set<std::string> routes;
    for (const std::string& name : SplitList(text)) {
        if (!kRoutes.contains(name)) {
            return fmt::format("unknown route '{}' (expected a comma-separated list of {})", name,
                               fmt::join(kRoutes, ", "));
        }
        routes.insert(name);
    }
    config.auth_exempt = std::move(routes);
    return "";
}

//! Origins as browsers send them: lower case, no trailing slash, no default port.
std::string ApplyAllowedOrigins(ServeConfig& config, const std::string& text) {
    std::vector<std::string> origins;
    for (std::string origin : SplitList(text)) {
        std::transform(origin.begin(), origin.end(), origin.begin(), [](unsigned char c) { return std::tolower(c); });
        while (origin.size() > 1 && origin.back() == '/') origin.pop_back();
        if (origin != "*" && !origin.starts_with("http://") && !origin.starts_with("https://")) {
            return fmt::format("origin '{}' must be * or scheme://host[:port], e.g. https://research.example.com",
                               origin);
        }
        if (origin.find('/', origin.find("://") + 3) != std::string::npos) {
            return fmt::format("origin '{}' must not have a path: scheme://host[:port]", origin);
        }
        if (origin.starts_with("https://") && origin.ends_with(":443")) origin.resize(origin.size() - 4);
        if (origin.starts_with("http://") && origin.ends_with(":80")) origin.resize(origin.size() - 3);
        origins.push_back(std::move(origin));
    }
    config.allowed_origins = std::move(origins);
    return "";
}

const std::vector<Setting>& Settings() {
    constexpr int64_t kMaxThreads = 256;
    static const std::vector<Setting> kSettings = {
        {"--host", "SPARK_HOST", "IP address to listen on", Text(&ServeConfig::host, false)},
        {"--port", "PORT", "TCP port (0 = ephemeral)", Integer(&ServeConfig::port, 0, 65535)},
        {"--db", "SPARK_DB", "DuckDB cache file", Text(&ServeConfig::db_path, false)},
        {"--workers", "SPARK_WORKERS", "compute workers (0 = one per hardware thread)",
         Integer(&ServeConfig::workers, 0, kMaxThreads)},
        {"--io-threads", "SPARK_IO_THREADS", "HTTP IO threads", Integer(&ServeConfig::io_threads, 1, kMaxThreads)},
        {"--body-limit-bytes", "SPARK_BODY_LIMIT_BYTES", "largest accepted request body",
         Integer(&ServeConfig::body_limit_bytes, 1024, int64_t{1} << 30)},
        {"--request-timeout-ms", "SPARK_REQUEST_TIMEOUT_MS", "time to read a request or write its answer",
         Integer(&ServeConfig::request_timeout_ms, 100, 3'600'000)},
        {"--shutdown-grace-ms", "SPARK_SHUTDOWN_GRACE_MS", "time in-flight requests get at shutdown",
         Integer(&ServeConfig::shutdown_grace_ms, 0, 600'000)},
        {"--max-queued-jobs", "SPARK_MAX_QUEUED_JOBS", "compute requests allowed to wait; more get 503",
         Integer(&ServeConfig::max_queued_jobs, 1, 1'000'000)},
        {"--max-connections", "SPARK_MAX_CONNECTIONS",
         "open connections beyond this get 503 and are closed (capped below the file-descriptor limit)",
         Integer(&ServeConfig::max_connections, 1, 1'000'000)},
        {"--max-running-batch-jobs", "SPARK_MAX_RUNNING_BATCH_JOBS",
         "optimize/walk-forward/portfolio jobs computing at once; others wait (0 = workers)",
         Integer(&ServeConfig::max_running_batch_jobs, 0, 100'000)},
        {"--api-token", "SPARK_API_TOKEN", "bearer token every request must carry (empty: none)",
         [](ServeConfig& config, const std::string& text) {
             // A token read from a file often ends in a newline no client would send.
             const size_t first = text.find_first_not_of(" \t\r\n");
             config.api_token = first == std::string::npos
                                    ? std::string()
                                    : text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
             return std::string();
         }},
        {"--auth-exempt", "SPARK_AUTH_EXEMPT",
         "routes answered without the token (healthz,readyz,metrics,web: the app's files; it asks for the token)",
         ApplyExemptRoutes},
        {"--allowed-origins", "SPARK_ALLOWED_ORIGINS",
         "web origins whose browser requests are accepted besides the service's own (* = any)", ApplyAllowedOrigins},
        {"--optimizer-max-combinations", "OPTIMIZER_MAX_COMBINATIONS",
         "most valid combinations one grid search may run",
         Integer(&ServeConfig::optimizer_max_combinations, 1, 1'000'000)},
        {"--optimizer-max-concurrency", "OPTIMIZER_MAX_CONCURRENCY",
         "most workers one grid search may use (at most --workers)",
         Integer(&ServeConfig::optimizer_max_concurrency, 1, kMaxThreads)},
        {"--wfo-threshold", "WFO_THRESHOLD", "walk-forward efficiency a strategy must reach to pass",
         Number(&ServeConfig::wfo_threshold, -100, 100)},
        {"--portfolio-max-assets", "PORTFOLIO_MAX_ASSETS", "most assets one portfolio may hold",
         Integer(&ServeConfig::portfolio_max_assets, 1, 1000)},
        {"--real-routes", "REAL_ROUTES", "job routes answered for real (others: deterministic stand-ins)",
         ApplyRealRoutes},
        {"--binance-base-url", "BINANCE_BASE_URL",
         "spot klines API (empty: no upstream; key-less: https://data-api.binance.vision)",
         Text(&ServeConfig::binance_base_url, true)},
        {"--binance-futures-base-url", "BINANCE_FUTURES_BASE_URL", "USD-M futures klines API (empty: no upstream)",
         Text(&ServeConfig::binance_futures_base_url, true)},
        {"--binance-timeout-ms", "BINANCE_TIMEOUT_MS", "total time one Binance request may take",
         Integer(&ServeConfig::binance_timeout_ms, 100, 600'000)},
        {"--binance-connect-timeout-ms", "BINANCE_CONNECT_TIMEOUT_MS", "time to connect to Binance",
         Integer(&ServeConfig::binance_connect_timeout_ms, 50, 60'000)},
        {"--binance-max-attempts", "BINANCE_MAX_ATTEMPTS", "attempts per Binance request, first included",
         Integer(&ServeConfig::binance_max_attempts, 1, 20)},
        {"--binance-max-retry-ms", "BINANCE_MAX_RETRY_MS", "total time one Binance request may spend retrying",
         Integer(&ServeConfig::binance_max_retry_ms, 0, 600'000)},
        {"--binance-weight-budget", "BINANCE_WEIGHT_BUDGET",
         "request weight a minute before the client waits (Binance: 6000)",
         Integer(&ServeConfig::binance_weight_budget, 10, 6'000)},
        {"--audit-log", "SPARK_AUDIT_LOG", "append-only JSON-lines audit file", Text(&ServeConfig::audit_log, false)},
        {"--runs-keep", "SPARK_RUNS_KEEP", "stored runs kept, newest first (0: store none)",
         Integer(&ServeConfig::runs_keep, 0, 10'000'000)},
        {"--runs-keep-days", "SPARK_RUNS_KEEP_DAYS", "stored runs older than this many days are deleted",
         Integer(&ServeConfig::runs_keep_days, 1, 36'500)},
        {"--jobs-max-combinations", "JOBS_MAX_COMBINATIONS",
         "most backtest runs (combinations x series) one asynchronous job may make",
         Integer(&ServeConfig::jobs_max_combinations, 1, 1'000'000'000)},
        {"--jobs-max-running", "JOBS_MAX_RUNNING", "asynchronous jobs computing at once; others wait queued",
         Integer(&ServeConfig::jobs_max_running, 1, 1000)},
        {"--jobs-shard-bars", "JOBS_SHARD_BARS",
         "work per shard of a grid job, in bars simulated (0: 5,000,000 locally, 100,000,000 with --redis)",
         Integer(&ServeConfig::jobs_shard_bars, 0, int64_t{1} << 40)},
        {"--redis", "SPARK_REDIS_URL",
         "redis://host:port: run job shards on workers through Redis Streams (empty: on this service)",
         Text(&ServeConfig::redis_url, true)},
        {"--web-dir", "SPARK_WEB_DIR", "the web app's built files (index.html, assets/), served at GET /",
         Text(&ServeConfig::web_dir, true)},
        {"--audit-max-bytes", "SPARK_AUDIT_MAX_BYTES", "audit file size that triggers a rotation",
         Integer(&ServeConfig::audit_max_bytes, 4096, int64_t{1} << 40)},
        {"--audit-keep", "SPARK_AUDIT_KEEP", "rotated audit files kept", Integer(&ServeConfig::audit_keep, 1, 1000)},
        {"--memory-cache-mb", "SPARK_MEMORY_CACHE_MB", "in-memory bar cache budget (0 disables it)",
         Integer(&ServeConfig::memory_cache_mb, 0, 1 << 20)},
        {"--duckdb-threads", "SPARK_DUCKDB_THREADS", "DuckDB threads per query",
         Integer(&ServeConfig::duckdb_threads, 1, kMaxThreads)},
        {"--seed-dir", "SPARK_SEED_DIR", "directory of <SYMBOL>-<interval>.csv[.gz] files imported at start if missing",
         Text(&ServeConfig::seed_dir, true)},
    };
    return kSettings;
}

std::string Apply(const Setting& setting, ServeConfig& config, const std::string& value, const std::string& source) {
    const std::string error = setting.apply(config, value);
    return error.empty() ? "" : fmt::format("invalid {}: {}", source, error);
}

}  // namespace

std::expected<ServeConfig, std::string> ParseServeConfig(const std::vector<std::string>& args, const EnvLookup& env) {
    ServeConfig config;
    for (const Setting& setting : Settings()) {
        if (const char* value = env(setting.env); value != nullptr) {
            if (std::string error = Apply(setting, config, value, setting.env); !error.empty())
                return std::unexpected(error);
        }
    }
    for (size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::string value;
        bool has_value = false;
        if (const size_t eq = flag.find('='); eq != std::string::npos) {
            value = flag.substr(eq + 1);
            flag = flag.substr(0, eq);
            has_value = true;
        }
        const Setting* match = nullptr;
        for (const Setting& setting : Settings()) match = flag == setting.flag ? &setting : match;
        if (match == nullptr) return std::unexpected(fmt::format("unknown option '{}'\n{}", args[i], ServeUsage()));
        if (!has_value) {
            if (i + 1 >= args.size()) return std::unexpected(fmt::format("option {} needs a value", flag));
            value = args[++i];
        }
        if (std::string error = Apply(*match, config, value, flag); !error.empty()) return std::unexpected(error);
    }
    if (config.workers == 0) config.workers = std::max(1u, std::thread::hardware_concurrency());
    return config;
}

std::string RedactUrlCredentials(const std::string& url) {
    if (url.empty()) return url;
    // curl's own parser: the same reading of the URL as the one used to connect with it.
    CURLU* parsed = curl_url();
    std::string out = "(a URL curl cannot parse)";
    if (parsed != nullptr && curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
        char* user = nullptr;
        char* password = nullptr;
        const bool has_user = curl_url_get(parsed, CURLUPART_USER, &user, 0) == CURLUE_OK;
        const bool has_password = curl_url_get(parsed, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK;
        curl_free(user);
        curl_free(password);
        if (!has_user && !has_password) {
            out = url;
        } else {
            curl_url_set(parsed, CURLUPART_USER, "***", 0);
            curl_url_set(parsed, CURLUPART_PASSWORD, nullptr, 0);
            char* redacted = nullptr;
            if (curl_url_get(parsed, CURLUPART_URL, &redacted, 0) == CURLUE_OK) out = redacted;
            curl_free(redacted);
        }
    }
    curl_url_cleanup(parsed);
    return out;
}

std::vector<std::pair<std::string, std::string>> DescribeConfig(const ServeConfig& c, bool with_paths) {
    const auto path = [with_paths](const std::string& p) {
        return with_paths || p.empty() ? p : std::filesystem::path(p).filename().string();
    };
    return {{"host", c.host},
            {"port", std::to_string(c.port)},
            {"db", path(c.db_path)},
            {"workers", std::to_string(c.workers)},
            {"ioThreads", std::to_string(c.io_threads)},
            {"bodyLimitBytes", std::to_string(c.body_limit_bytes)},
            {"requestTimeoutMs", std::to_string(c.request_timeout_ms)},
            {"shutdownGraceMs", std::to_string(c.shutdown_grace_ms)},
            {"maxQueuedJobs", std::to_string(c.max_queued_jobs)},
            {"maxConnections", std::to_string(c.max_connections)},
            {"maxRunningBatchJobs", std::to_string(c.max_running_batch_jobs)},
            {"apiToken", c.api_token.empty() ? "unset" : "set"},
            {"authExempt", fmt::format("{}", fmt::join(c.auth_exempt, ","))},
            {"allowedOrigins", fmt::format("{}", fmt::join(c.allowed_origins, ","))},
            {"optimizerMaxCombinations", std::to_string(c.optimizer_max_combinations)},
            {"optimizerMaxConcurrency", std::to_string(c.optimizer_max_concurrency)},
            {"wfoThreshold", fmt::format("{}", c.wfo_threshold)},
            {"portfolioMaxAssets", std::to_string(c.portfolio_max_assets)},
            {"realRoutes", fmt::format("{}", fmt::join(c.real_routes, ","))},
            {"binanceBaseUrl", RedactUrlCredentials(c.binance_base_url)},
            {"binanceFuturesBaseUrl", RedactUrlCredentials(c.binance_futures_base_url)},
            {"binanceTimeoutMs", std::to_string(c.binance_timeout_ms)},
            {"binanceConnectTimeoutMs", std::to_string(c.binance_connect_timeout_ms)},
            {"binanceMaxAttempts", std::to_string(c.binance_max_attempts)},
            {"binanceMaxRetryMs", std::to_string(c.binance_max_retry_ms)},
            {"binanceWeightBudget", std::to_string(c.binance_weight_budget)},
            {"auditLog", path(c.audit_log)},
            {"auditMaxBytes", std::to_string(c.audit_max_bytes)},
            {"auditKeep", std::to_string(c.audit_keep)},
            {"memoryCacheMb", std::to_string(c.memory_cache_mb)},
            {"duckdbThreads", std::to_string(c.duckdb_threads)},
            {"seedDir", path(c.seed_dir)},
            {"runsKeep", std::to_string(c.runs_keep)},
            {"runsKeepDays", std::to_string(c.runs_keep_days)},
            {"webDir", path(c.web_dir)},
            {"jobsMaxCombinations", std::to_string(c.jobs_max_combinations)},
            {"jobsMaxRunning", std::to_string(c.jobs_max_running)},
            {"jobsShardBars", std::to_string(c.jobs_shard_bars)},
            {"redis", RedactUrlCredentials(c.redis_url)}};
}

std::string ServeUsage() {
    // Defaults as /version names them: the flag in camel case (--binance-timeout-ms is binanceTimeoutMs).
    const std::vector<std::pair<std::string, std::string>> defaults = DescribeConfig(ServeConfig{});
    const auto default_of = [&defaults](std::string_view flag) -> std::string {
        std::string key;
        for (size_t i = 2; i < flag.size(); ++i) {
            if (flag[i] == '-' && i + 1 < flag.size()) {
                key += static_cast<char>(std::toupper(static_cast<unsigned char>(flag[++i])));
            } else {
                key += flag[i];
            }
        }
        for (const auto& [name, value] : defaults) {
            if (name == key) return value.empty() ? "(empty)" : value;
        }
        return "";
    };
    std::string text =
        "usage: spark-executor serve [options]\n"
        "Runs the HTTP service. A flag (--port 4001 or --port=4001) wins over its environment variable, which wins\n"
        "over the default.\n\noptions (flag, environment variable, meaning [default]):\n";
    for (const Setting& s : Settings()) {
        text += fmt::format("  {:<28} {:<30} {} [{}]\n", s.flag, s.env, s.help, default_of(s.flag));
    }
    text +=
        "  --help                       print this help and exit\n"
        "  --version                    print the version and exit\n";
    return text;
}

}  // namespace spark::app
