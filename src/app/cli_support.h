#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time_format.h"

namespace spark {
class BacktestCache;
}

namespace spark::app {

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

//! `spark-executor 0.4.0 (commit abc1234)`, for every command's --version.
std::string VersionLine();

//! The cache file a command uses when --db is not given: $SPARK_DB, else var/spark.duckdb (the
//! service's default too, so the two meet without flags).
std::string DefaultDbPath();

//! The DuckDB file's directory must exist before DuckDB can create the file.
void EnsureParentDirectory(const std::string& path);

//! Parses `args` (without the program and command names) into `app`: --help prints the usage
//! with every option's default to stdout (returns 0), --version prints VersionLine (returns 0), a
//! usage error prints the reason and a pointer to --help to stderr (returns 2). nullopt: go on.
std::optional<int> ParseCommandLine(CLI::App& app, const std::vector<std::string>& args);

//! Opens the cache file for a command (`who` prefixes the messages); on failure prints why, with
//! what to do when a running service holds the file, and returns null. With `must_exist`, a
//! missing file is an error instead of a new empty cache.
std::unique_ptr<BacktestCache> OpenCacheForCommand(const std::string& db_path, const std::string& who, bool must_exist);

//! --symbol: 1 to 20 upper-case letters and digits, as Binance spells symbols.
CLI::Validator SymbolValidator();
//! --interval: one of Binance's interval names.
CLI::Validator IntervalValidator();
//! --from/--to: a date, an ISO-8601 time or epoch milliseconds, as the API accepts them.
CLI::Validator TimeValidator();

//! Shows options' defaults in --help, and adds --version: the settings every command shares.
void ConfigureCommand(CLI::App& app);

}  // namespace spark::app
