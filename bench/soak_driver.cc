// A soak: C connections send a fixed mix of requests (every job route, the validator, /metrics,
// and requests that must fail: bad input, missing data) back to back for a long time. Reports
// how many answers had an unexpected status, latency in the first and the last minute, and the
// server's resident memory after the first minute, at the end and after a settle time: a leak or
// a slowdown shows as growth between them. Exits 1 on any unexpected answer or on memory growth.
// Usage: spark_soak_driver PORT CONNECTIONS SECONDS
// The server must hold the bundled BTCUSDT/ETHUSDT 1h candles and have no upstream (so the
// missing-data request is a quick 404).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "driver_support.h"
#include "support/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using spark::bench::Percentile;
using spark::bench::ResidentMiB;
using spark::testing::HttpConnection;

struct Request {
    const char* method;
    const char* path;
    const char* body;
    int expected;
};

constexpr std::array<Request, 10> kMix = {{
    {"POST", "/backtest/run",
     R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-02-10","includeEquity":true})", 200},
    {"POST", "/backtest/run",
     R"json({"symbol":"ETHUSDT","timeframe":"1h","start":"2024-03-01","end":"2024-04-10",
       "strategy":{"params":{"n":20},"entry":"crossover(close, sma(close, $n))",
       "exit":"crossunder(close, sma(close, $n))"}})json",
     200},
    {"POST", "/backtest/run", R"({"symbol":"BTCUSDT"})", 400},
    {"POST", "/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01",)", 400},
    {"POST", "/backtest/run", R"({"symbol":"DOGEUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-10"})", 404},
    {"POST", "/backtest/optimize",
     R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31","strategy":"sma_cross",
       "grid":{"fast":[5,10,15,20],"slow":[30,40,50,60,70]}})",
     200},
    {"POST", "/backtest/walkforward",
     R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-04-30","strategy":"sma_cross",
       "grid":{"fast":[5,10],"slow":[30,50]},"windows":{"inSample":"30d","outOfSample":"15d"}})",
     200},
    {"POST", "/backtest/portfolio",
     R"({"assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"ETHUSDT","weight":0.5}],"timeframe":"1h",
       "start":"2024-01-01","end":"2024-01-31","rebalance":"weekly"})",
     200},
    {"POST", "/strategies/validate", R"({"entry":"rsi(close, 14) < 30","exit":"rsi(close, 14) > 70"})", 200},
    {"GET", "/metrics", "", 200},
}};

struct Sample {
    double at_s;  //!< since the start
    double ms;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: spark_soak_driver PORT CONNECTIONS SECONDS\n";
        return 2;
    }
    const auto port = static_cast<uint16_t>(std::atoi(argv[1]));
    const int connections = std::atoi(argv[2]);
    const double seconds = std::atof(argv[3]);
    constexpr double kWindowS = 60;
    constexpr double kSettleS = 5;

    const Clock::time_point start = Clock::now();
    const auto since_start = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
    std::atomic<int64_t> unexpected{0};
    std::atomic<int64_t> requests{0};
    std::mutex first_error_mutex;
    std::string first_error;
    std::vector<std::vector<Sample>> samples(static_cast<size_t>(connections));
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int c = 0; c < connections; ++c) {
        threads.emplace_back([&, c] {
            auto connection = std::make_unique<HttpConnection>(port);
            for (size_t i = static_cast<size_t>(c); !stop; ++i) {
                const Request& request = kMix[i % kMix.size()];
                const Clock::time_point sent = Clock::now();
                const spark::testing::HttpResult result = connection->Call(request.method, request.path, request.body);
                const double ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
                ++requests;
                samples[static_cast<size_t>(c)].push_back({since_start(), ms});
                if (result.status != request.expected) {
                    ++unexpected;
                    std::lock_guard lock(first_error_mutex);
                    if (first_error.empty()) {
                        first_error = fmt::format("{} {} answered {} (expected {}): {}", request.method, request.path,
                                                  result.status, request.expected, result.body.substr(0, 200));
                    }
                    // A closed connection is replaced; the failure is already counted.
                    if (result.status == 0) connection = std::make_unique<HttpConnection>(port);
                }
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(kWindowS, seconds)));
    const double rss_after_first_minute = ResidentMiB(port);
    std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, seconds - since_start())));
    const double rss_at_end = ResidentMiB(port);
    stop = true;
    for (std::thread& t : threads) t.join();
    const double elapsed = since_start();
    std::this_thread::sleep_for(std::chrono::duration<double>(kSettleS));
    const double rss_settled = ResidentMiB(port);

    std::vector<double> first;
    std::vector<double> last;
    for (const auto& per_connection : samples) {
        for (const Sample& s : per_connection) {
            if (s.at_s < kWindowS) first.push_back(s.ms);
            if (s.at_s >= elapsed - kWindowS) last.push_back(s.ms);
        }
    }
    std::sort(first.begin(), first.end());
    std::sort(last.begin(), last.end());
    // Growth beyond a quarter of the first minute's footprint (plus allocator slack) is a leak.
    // A sample that could not be read (-1) fails the soak rather than deciding it.
    const bool unread = rss_after_first_minute < 0 || rss_at_end < 0 || rss_settled < 0;
    const bool grew = !unread && rss_settled > rss_after_first_minute * 1.25 + 16;
    std::cout << fmt::format(
        "seconds={:.0f} connections={} requests={} rps={:.0f} unexpected={} | first minute p50={:.2f}ms "
        "p99={:.2f}ms | last minute p50={:.2f}ms p99={:.2f}ms | rss MiB after 1 min={:.1f} end={:.1f} "
        "settled={:.1f}{}\n",
        elapsed, connections, requests.load(), static_cast<double>(requests.load()) / elapsed, unexpected.load(),
        Percentile(first, 0.5), Percentile(first, 0.99), Percentile(last, 0.5), Percentile(last, 0.99),
        rss_after_first_minute, rss_at_end, rss_settled,
        grew     ? " GREW"
        : unread ? " MEMORY UNREAD"
                 : "");
    if (!first_error.empty()) std::cerr << "first unexpected answer: " << first_error << '\n';
    return unexpected == 0 && !grew && !unread ? 0 : 1;
}
