#pragma once

#include <string>
#include <vector>

namespace spark {
struct ImportReport;
}

namespace spark::app {

// Each command takes its arguments without the program and command names and returns the
// process exit code: 0 done, 1 failed (the reason on stderr), 2 a usage error.

//! `spark-executor serve [options]`: the HTTP service (serve_command.cc).
int RunServe(const std::vector<std::string>& args);
//! `spark-executor import --symbol S --interval I [--exchange E] [--db PATH] [--allow-rejects] FILE...`, or
//! `spark-executor import --exchange binance-futures --symbol S --funding [--db PATH] [--allow-rejects] FILE...`
int RunImport(const std::vector<std::string>& args);
//! `spark-executor cache list|verify|delete ...`: what the cache file holds (cache_command.cc).
int RunCache(const std::vector<std::string>& args);

//! `spark-executor worker --redis URL`: runs job shards for a coordinator (docs/scaling.md).
int RunWorker(const std::vector<std::string>& args);

//! An import's per-file summary, rejected rows, notes and refusal, on stderr.
void PrintImportReport(const ImportReport& report);

}  // namespace spark::app
