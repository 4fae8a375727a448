// Closed-loop load on a running spark-executor: C connections, each sending the same POST
// back to back on a keep-alive connection for a fixed duration. Reports latency percentiles
// and throughput. Usage: spark_load_driver PORT CONNECTIONS SECONDS BODY [PATH]
// (PATH defaults to /backtest/run).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "driver_support.h"
#include "support/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

using spark::bench::Percentile;

}  // namespace

int main(int argc, char** argv) {
    if (argc != 5 && argc != 6) {
        std::cerr << "usage: spark_load_driver PORT CONNECTIONS SECONDS BODY [PATH]\n";
        return 2;
    }
    const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
    const int connections = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    const std::string body = argv[4];
    const std::string path = argc == 6 ? argv[5] : "/backtest/run";

    // Warm-up: the first request may read DuckDB; the benchmark measures warm requests.
    spark::testing::HttpConnection warm(port);
    for (int i = 0; i < 3; ++i) {
        if (warm.Call("POST", path, body).status != 200) {
            std::cerr << "warm-up request failed\n";
            return 1;
        }
    }

    std::atomic<bool> failed{false};
    std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
    const Clock::time_point start = Clock::now();
    const Clock::time_point stop =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            spark::testing::HttpConnection connection(port);
            while (Clock::now() < stop) {
                const Clock::time_point sent = Clock::now();
                const spark::testing::HttpResult result = connection.Call("POST", path, body);
                if (result.status != 200) {
                    failed = true;
                    return;
                }
                latencies[static_cast<size_t>(c)].push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
            }
        });
    }
    for (std::thread& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) {
        std::cerr << "a request failed\n";
        return 1;
    }
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    std::cout << fmt::format(
        "connections={} requests={} rps={:.0f} p50={:.3f}ms p95={:.3f}ms p99={:.3f}ms max={:.3f}ms\n", connections,
        all.size(), static_cast<double>(all.size()) / elapsed, Percentile(all, 0.50), Percentile(all, 0.95),
        Percentile(all, 0.99), all.empty() ? 0 : all.back());
    return 0;
}
