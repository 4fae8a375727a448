#pragma once

// What the HTTP drivers (load, flood, soak) share: percentiles and the server's memory.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "support/http_client.h"

namespace spark::bench {

//! The p-quantile (0..1) of sorted values; 0 for none.
inline double Percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())))];
}

//! The server's resident memory in MiB: from /proc when SPARK_SERVER_PID names it (servers that
//! predate the metric), else from /metrics; -1 when neither answers.
inline double ResidentMiB(uint16_t port) {
    if (const char* pid = std::getenv("SPARK_SERVER_PID"); pid != nullptr) {
        std::ifstream statm(std::string("/proc/") + pid + "/statm");
        long total = 0;
        long resident = 0;
        if (!(statm >> total >> resident)) return -1;
        return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
    }
    const std::string text = spark::testing::HttpCall(port, "GET", "/metrics").body;
    const std::string name = "\nprocess_resident_memory_bytes ";
    const size_t at = text.find(name);
    return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size())) / (1024.0 * 1024.0);
}

}  // namespace spark::bench
