#include "app/cli_support.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>

#include "common/interval.h"
#include "common/time_format.h"
#include "marketdata/backtest_cache.h"

namespace spark::app {

std::string VersionLine() { return fmt::format("spark-executor {} (commit {})", SPARK_VERSION, SPARK_GIT_COMMIT); }

std::string DefaultDbPath() {
    const char* env = std::getenv("SPARK_DB");
    return env != nullptr && *env != '\0' ? env : "var/spark.duckdb";
}

void EnsureParentDirectory(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    std::error_code ignored;
    if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
}

std::unique_ptr<BacktestCache> OpenCacheForCommand(const std::string& db_path, const std::string& who,
                                                   bool must_exist) {
    if (must_exist && !std::filesystem::exists(db_path)) {
        std::cerr << fmt::format("{}: no cache file at '{}' (pass --db, or set SPARK_DB)\n", who, db_path);
        return nullptr;
    }
    EnsureParentDirectory(db_path);
    auto cache = BacktestCache::Open({.path = db_path, .duckdb_threads = 1, .connections = 1});
    if (!cache) {
        std::cerr << who << ": " << cache.error().message << '\n';
        // DuckDB lets one process open a file for writing: the service's lock is the usual cause.
        if (cache.error().message.find("lock") != std::string::npos) {
            std::cerr << "(a running spark-executor holds this file: stop the service, run this command, start it "
                         "again; see docs/operations.md \"Cache maintenance\")\n";
        }
        return nullptr;
    }
    return std::move(*cache);
}

CLI::Validator SymbolValidator() {
    return CLI::Validator(
        [](std::string& value) {
            static const std::regex kSymbol("[A-Z0-9]{1,20}");
            return std::regex_match(value, kSymbol) ? std::string{}
                                                    : std::string("send 1 to 20 upper-case letters and digits");
        },
        "SYMBOL");
}

CLI::Validator IntervalValidator() {
    return CLI::Validator(
        [](std::string& value) {
            return Interval::Parse(value) ? std::string{}
                                          : std::string(
                                                "send a Binance interval: 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, "
                                                "4h, 6h, 8h, 12h, 1d, 3d, 1w or 1M");
        },
        "INTERVAL");
}

CLI::Validator TimeValidator() {
    return CLI::Validator(
        [](std::string& value) {
            auto parsed = ParseTime(value);
            return parsed ? std::string{} : parsed.error();
        },
        "TIME");
}

void ConfigureCommand(CLI::App& app) {
    app.option_defaults()->always_capture_default();
    app.set_version_flag("--version", VersionLine());
    app.get_formatter()->column_width(34);
}

std::optional<int> ParseCommandLine(CLI::App& app, const std::vector<std::string>& args) {
    // CLI11 consumes a vector from its back.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        std::cout << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion& version) {
        std::cout << version.what() << '\n';
        return 0;
    } catch (const CLI::ParseError& error) {
        std::cerr << fmt::format("{}: {}\nRun '{} --help' for the options.\n", app.get_name(), error.what(),
                                 app.get_name());
        return kExitUsage;
    }
    return std::nullopt;
}

}  // namespace spark::app
