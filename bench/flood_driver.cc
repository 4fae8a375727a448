// A flood and a probe against a running spark-executor: F connections send one request back to
// back (the flood), while one more connection sends small runs (the probe). Reports how the probe
// fared (latency percentiles, failures), how the flood was answered (200s, 503 refusals, other),
// and the server's resident memory before, at its peak during, and a settle time after the flood
// (process_resident_memory_bytes from /metrics).
// Usage: spark_flood_driver PORT FLOOD_CONNECTIONS SECONDS FLOOD_PATH FLOOD_BODY PROBE_BODY [SETTLE_SECONDS]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "driver_support.h"
#include "support/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using spark::bench::Percentile;
using spark::bench::ResidentMiB;
using spark::testing::HttpCall;
using spark::testing::HttpConnection;

}  // namespace

int main(int argc, char** argv) {
    if (argc != 7 && argc != 8) {
        std::cerr << "usage: spark_flood_driver PORT FLOOD_CONNECTIONS SECONDS FLOOD_PATH FLOOD_BODY PROBE_BODY "
                     "[SETTLE_SECONDS]\n";
        return 2;
    }
    const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
    const int flood_connections = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    const std::string flood_path = argv[4];
    const std::string flood_body = argv[5];
    const std::string probe_body = argv[6];
    const double settle_seconds = argc == 8 ? std::atof(argv[7]) : 5;

    const double rss_before = ResidentMiB(port);
    std::atomic<bool> stop{false};
    std::atomic<int64_t> flood_ok{0};
    std::atomic<int64_t> flood_refused{0};
    std::atomic<int64_t> flood_other{0};
    std::vector<std::thread> flood;
    for (int c = 0; c < flood_connections; ++c) {
        flood.emplace_back([&] {
            auto connection = std::make_unique<HttpConnection>(port);
            while (!stop) {
                const int status = connection->Call("POST", flood_path, flood_body).status;
                if (status == 200) {
                    ++flood_ok;
                } else if (status == 503) {
                    ++flood_refused;
                } else {
                    ++flood_other;
                }
                if (status == 0 || status == 503) connection = std::make_unique<HttpConnection>(port);
            }
        });
    }
    std::atomic<double> rss_peak{rss_before};
    std::thread sampler([&] {
        while (!stop) {
            const double rss = ResidentMiB(port);
            if (rss > rss_peak.load()) rss_peak = rss;
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    std::vector<double> probe_ms;
    int64_t probe_failed = 0;
    const Clock::time_point end =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    HttpConnection probe(port);
    while (Clock::now() < end) {
        const Clock::time_point sent = Clock::now();
        const int status = probe.Call("POST", "/backtest/run", probe_body).status;
        probe_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        if (status != 200) ++probe_failed;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a user's pace, not a second flood
    }
    stop = true;
    for (std::thread& t : flood) t.join();
    sampler.join();
    std::this_thread::sleep_for(std::chrono::duration<double>(settle_seconds));
    const double rss_after = ResidentMiB(port);
    std::sort(probe_ms.begin(), probe_ms.end());
    std::cout << fmt::format(
        "flood: {} connections, {} ok, {} refused (503), {} other | small runs: {} sent, {} failed, p50={:.1f}ms "
        "p99={:.1f}ms max={:.1f}ms | RSS: {:.0f} MiB before, {:.0f} MiB peak, {:.0f} MiB {:.0f}s after\n",
        flood_connections, flood_ok.load(), flood_refused.load(), flood_other.load(), probe_ms.size(), probe_failed,
        Percentile(probe_ms, 0.5), Percentile(probe_ms, 0.99), probe_ms.empty() ? 0 : probe_ms.back(), rss_before,
        rss_peak.load(), rss_after, settle_seconds);
    return probe_failed == 0 ? 0 : 1;
}
