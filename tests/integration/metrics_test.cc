// GET /metrics: real prometheus-cpp output that moves with the traffic and passes promtool.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

class Metrics : public SeededServer {
  protected:
    static std::string Scrape() {
        const HttpResult result = Get("/metrics");
        EXPECT_EQ(result.status, 200);
        EXPECT_NE(result.content_type.find("text/plain"), std::string::npos);
        return result.body;
    }
};

const std::string kJobs = R"(spark_backtest_run_jobs_total{exchange="binance",timeframe="1h"})";
const std::string kLatencyCount = "spark_backtest_run_latency_ms_count";
const std::string kInvalid = R"(spark_backtest_run_errors_total{code="INVALID_REQUEST"})";

TEST_F(Metrics, CountersAndHistogramMoveWithRuns) {
    const std::string before = Scrape();
    const double jobs = std::max(0.0, MetricValue(before, kJobs));
    const double invalid = std::max(0.0, MetricValue(before, kInvalid));
    const double latency = MetricValue(before, kLatencyCount);
    const double memory_hits = MetricValue(before, R"(spark_backtest_cache_hits_total{layer="memory"})");
    const double bars = MetricValue(before, R"(spark_backtest_bars_served_total{source="cache"})");
    ASSERT_GE(latency, 0);  // the histogram exists from start-up

    constexpr int kRuns = 5;
    for (int i = 0; i < kRuns; ++i) ASSERT_EQ(Post("/backtest/run", kPlanRequest).status, 200);
    ASSERT_EQ(Post("/backtest/run", R"({"symbol":"BTCUSDT"})").status, 400);
    ASSERT_EQ(Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07",
        "strategy":{"name":"nope"}})")
                  .status,
              400);

    const std::string after = Scrape();
    EXPECT_EQ(MetricValue(after, kJobs), jobs + kRuns);
    EXPECT_EQ(MetricValue(after, kInvalid), invalid + 2);
    EXPECT_EQ(MetricValue(after, kLatencyCount), latency + kRuns + 2);
    // The first run may have read DuckDB; the later ones are served from memory.
    EXPECT_GE(MetricValue(after, R"(spark_backtest_cache_hits_total{layer="memory"})"), memory_hits + kRuns - 1);
    EXPECT_EQ(MetricValue(after, R"(spark_backtest_bars_served_total{source="cache"})"), bars + kRuns * 168);
    EXPECT_GE(MetricValue(after, R"(spark_http_requests_total{route="run",status="200"})"), kRuns);
    // Buckets cover 50-10000 ms and finer ones below 50 ms.
    for (const char* le : {"1", "5", "10", "50", "100", "1000", "5000", "10000", "+Inf"}) {
        EXPECT_GE(MetricValue(after, std::string("spark_backtest_run_latency_ms_bucket{le=\"") + le + "\"}"), 0) << le;
    }
    EXPECT_EQ(MetricValue(after, R"(spark_backtest_run_latency_ms_bucket{le="+Inf"})"), latency + kRuns + 2);
}

TEST(MetricsAtStart, EverySeriesAPanelOrAlertReadsExistsBeforeTheFirstEvent) {
    const std::string directory = MakeTempDirectory("metrics-at-start");
    {
        ServerProcess server(directory, /*seed=*/false);
        ASSERT_TRUE(server.Started()) << server.Stderr();
        const std::string fresh = HttpCall(server.Port(), "GET", "/metrics").body;
        for (const char* series : {
                 R"(spark_backtest_run_errors_total{code="DATA_NOT_FOUND"})",
                 R"(spark_backtest_run_errors_total{code="MARKET_DATA_UNAVAILABLE"})",
                 R"(spark_backtest_optimize_errors_total{code="INTERNAL_ERROR"})",
                 R"(spark_backtest_walkforward_errors_total{code="INVALID_REQUEST"})",
                 R"(spark_backtest_portfolio_errors_total{code="MARKET_DATA_TIMEOUT"})",
                 R"(spark_backtest_optimize_jobs_total{exchange="binance",timeframe="1h"})",
                 R"(spark_backtest_portfolio_jobs_total{exchange="binance-futures",timeframe="1d"})",
                 R"(spark_http_requests_total{route="run",status="502"})",
                 R"(spark_http_requests_total{route="metrics",status="200"})",
                 "spark_backtest_cache_misses_total",
                 "spark_compute_workers_busy",
             }) {
            EXPECT_EQ(MetricValue(fresh, series), 0) << series;
        }
        EXPECT_EQ(MetricValue(fresh, "spark_compute_workers"), 2);
        EXPECT_GE(MetricValue(fresh, R"(spark_compute_queue_depth{lane="interactive"})"), 0);
        EXPECT_GE(MetricValue(fresh, "spark_http_in_flight_requests"), 1);  // this scrape
        // The standard process metrics.
        EXPECT_GT(MetricValue(fresh, "process_cpu_seconds_total"), 0);
        EXPECT_GT(MetricValue(fresh, "process_resident_memory_bytes"), 1e6);
        EXPECT_GT(MetricValue(fresh, "process_virtual_memory_bytes"), 1e6);
        EXPECT_GT(MetricValue(fresh, "process_open_fds"), 3);
        EXPECT_GE(MetricValue(fresh, "process_max_fds"), MetricValue(fresh, "process_open_fds"));
        const double started = MetricValue(fresh, "process_start_time_seconds");
        const double now = static_cast<double>(std::time(nullptr));
        EXPECT_GT(started, now - 120);
        EXPECT_LE(started, now + 1);
    }
    std::filesystem::remove_all(directory);
}

TEST_F(Metrics, PassesPromtoolCheckMetrics) {
    ASSERT_EQ(Post("/backtest/run", kPlanRequest).status, 200);
    ASSERT_EQ(Post("/backtest/run", "{").status, 400);
    const std::string path = directory_ + "/metrics.txt";
    std::ofstream(path) << Scrape();
    const CommandResult check = RunCommand(std::string(SPARK_PROMTOOL) + " check metrics < " + path);
    // The only finding allowed: promtool's note on the abbreviated unit of the plan's `_ms` name.
    std::istringstream lines(check.output);
    std::string line;
    int findings = 0;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        ++findings;
        EXPECT_NE(line.find("spark_backtest_run_latency_ms"), std::string::npos) << line;
        EXPECT_NE(line.find("abbreviated units"), std::string::npos) << line;
    }
    EXPECT_LE(findings, 1) << check.output;
}

}  // namespace
}  // namespace spark::testing
