#pragma once

#include <string>
#include <vector>

namespace spark::app {

//! `spark-executor serve [options]`: returns the process exit code.
int RunServe(const std::vector<std::string>& args);
//! `spark-executor import --exchange E --symbol S --interval I [--db PATH] FILE...`
int RunImport(const std::vector<std::string>& args);

}  // namespace spark::app
