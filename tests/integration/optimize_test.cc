// POST /backtest/optimize against the real server.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <thread>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

class Optimize : public SeededServer {};

void ExpectClose(const json& actual, const json& expected, const std::string& what) {
    if (expected.is_null()) {
        EXPECT_TRUE(actual.is_null()) << what;
        return;
    }
    ASSERT_TRUE(actual.is_number()) << what << ": " << actual.dump();
    const double a = actual.get<double>();
    const double e = expected.get<double>();
    EXPECT_LE(std::abs(a - e), 1e-9 * std::max(1.0, std::abs(e))) << what << ": " << a << " vs " << e;
}

// Golden cases from the independent tests/golden/optimize/reference_optimize.py.
TEST_F(Optimize, MatchesTheIndependentReference) {
    for (const char* name : {"sma_2024.json", "rsi_2024_return.json", "ema_2023_calmar.json"}) {
        SCOPED_TRACE(name);
        std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/optimize/" + name);
        const json golden = json::parse(in);
        const HttpResult result = Post("/backtest/optimize", golden["request"].dump());
        ASSERT_EQ(result.status, 200) << result.body;
        const json body = Json(result);
        EXPECT_EQ(body["evaluated"], golden["evaluated"]);
        EXPECT_EQ(body["skipped"], golden["skipped"]);
        EXPECT_EQ(body["belowMinTrades"], golden["belowMinTrades"]);
        const size_t top_n = golden["request"].value("topN", size_t{10});
        ASSERT_EQ(body["topN"].size(), std::min(top_n, golden["ranking"].size()));
        for (size_t r = 0; r < body["topN"].size(); ++r) {
            const json& ours = body["topN"][r];
            const json& theirs = golden["ranking"][r];
            EXPECT_EQ(ours["rank"], theirs["rank"]);
            for (const auto& [param, value] : theirs["params"].items()) {
                EXPECT_EQ(ours["params"][param].get<double>(), value.get<double>()) << "rank " << r << " " << param;
            }
            ExpectClose(ours["objective"], theirs["objective"], "objective at rank " + std::to_string(r));
            for (const auto& [metric, value] : theirs["metrics"].items()) {
                if (metric != "years") ExpectClose(ours["metrics"][metric], value, metric);
            }
        }
        ASSERT_EQ(body["best"]["trades"].size(), golden["best"]["trades"].size());
        for (size_t i = 0; i < body["best"]["trades"].size(); ++i) {
            EXPECT_EQ(body["best"]["trades"][i]["entryBar"], golden["best"]["trades"][i]["entryBar"]);
            EXPECT_EQ(body["best"]["trades"][i]["exitBar"], golden["best"]["trades"][i]["exitBar"]);
        }
        for (const auto& [key, value] : golden["overfitting"].items())
            ExpectClose(body["overfitting"][key], value, key);
    }
}

TEST_F(Optimize, TheBestResultIsExactlyARunWithItsParameters) {
    const json request = {{"symbol", "ETHUSDT"},
                          {"timeframe", "1h"},
                          {"start", "2023-06-01"},
                          {"end", "2023-12-31"},
                          {"strategy", "donchian_breakout"},
                          {"grid", {{"entry", {{"from", 10}, {"to", 40}, {"step", 10}}}, {"exit", {5, 10}}}},
                          {"allowShort", true},
                          {"objective", "sortino"}};
    const HttpResult optimize = Post("/backtest/optimize", request.dump());
    ASSERT_EQ(optimize.status, 200) << optimize.body;
    const json best = Json(optimize)["best"];
    json run = request;
    run.erase("grid");
    run.erase("objective");
    run["strategy"] = {{"name", "donchian_breakout"}, {"params", best["params"]}};
    const HttpResult single = Post("/backtest/run", run.dump());
    ASSERT_EQ(single.status, 200) << single.body;
    EXPECT_EQ(Json(single)["metrics"], best["metrics"]);
    EXPECT_EQ(Json(single)["trades"], best["trades"]);
}

json CapRequest(int fast_values) {
    return {{"symbol", "BTCUSDT"},
            {"timeframe", "1h"},
            {"start", "2024-01-01"},
            {"end", "2024-01-07"},
            {"strategy", "sma_cross"},
            {"grid", {{"fast", {{"from", 1}, {"to", fast_values}, {"step", 1}}}, {"slow", {1000}}}}};
}

TEST_F(Optimize, TheCapAtExactlyTheLimitAndOneOver) {
    const HttpResult at_cap = Post("/backtest/optimize", CapRequest(500).dump());
    ASSERT_EQ(at_cap.status, 200) << at_cap.body;
    EXPECT_EQ(Json(at_cap)["evaluated"], 500);
    const HttpResult over = Post("/backtest/optimize", CapRequest(501).dump());
    ASSERT_EQ(over.status, 400);
    const json error = Json(over)["error"];
    EXPECT_EQ(error["code"], "TOO_MANY_COMBINATIONS");
    EXPECT_EQ(error["details"]["count"], 501);
    EXPECT_EQ(error["details"]["cap"], 500);
}

TEST_F(Optimize, BadRequests) {
    const std::string base = R"("symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-31")";
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"{" + base + R"(,"strategy":"sma_cross"})", "grid", "MISSING_FIELD"},
        {"{" + base + R"(,"grid":{"fast":[5]}})", "strategy", "MISSING_FIELD"},
        {"{" + base + R"(,"strategy":"nope","grid":{"fast":[5]}})", "strategy.name", "UNKNOWN_STRATEGY"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":[0,5]}})", "grid.fast", "INVALID_PARAMETER"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":{"from":5,"to":1,"step":1}}})", "grid.fast",
         "INVALID_PARAMETER"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":{"from":1,"to":5,"step":0}}})", "grid.fast",
         "INVALID_PARAMETER"},
        {"{" + base + R"(,"strategy":{"name":"sma_cross","params":{"fast":5}},"grid":{"fast":[5]}})", "grid.fast",
         "INVALID_PARAMETER"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":[5]},"objective":"luck"})", "objective",
         "OUT_OF_RANGE"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":[5]},"topN":0})", "topN", "OUT_OF_RANGE"},
        {"{" + base + R"(,"strategy":"sma_cross","grid":{"fast":[50],"slow":[20]}})", "grid", "NO_VALID_COMBINATION"},
    };
    for (const auto& [body, field, reason] : cases) {
        const HttpResult result = Post("/backtest/optimize", body);
        ASSERT_EQ(result.status, 400) << body << " -> " << result.body;
        EXPECT_EQ(Json(result)["error"]["details"]["field"], field) << body;
        EXPECT_EQ(Json(result)["error"]["details"]["reason"], reason) << body;
    }
}

//! ~500 heavy combinations: Bollinger bands over 30,000 one-minute bars.
json HeavyJob() {
    return {{"symbol", "ETHUSDT"},
            {"timeframe", "1m"},
            {"start", "2024-01-01"},
            {"end", "2024-01-20"},
            {"strategy", "bollinger_reversion"},
            {"grid",
             {{"period", {{"from", 10}, {"to", 59}, {"step", 1}}}, {"k", {{"from", 1}, {"to", 2.8}, {"step", 0.2}}}}}};
}

TEST_F(Optimize, SingleRunsStayFastDuringALargeJob) {
    const Clock::time_point job_started = Clock::now();
    auto job = std::async(std::launch::async, [] { return Post("/backtest/optimize", HeavyJob().dump()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    int runs_during_job = 0;
    double slowest_ms = 0;
    while (job.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        const Clock::time_point sent = Clock::now();
        ASSERT_EQ(Post("/backtest/run", kPlanRequest).status, 200);
        slowest_ms = std::max(slowest_ms, std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
        ++runs_during_job;
    }
    const HttpResult result = job.get();
    const double job_ms = std::chrono::duration<double, std::milli>(Clock::now() - job_started).count();
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(Json(result)["evaluated"], 500);
    // Not a benchmark: a starved run would wait for the rest of the job; a served one waits for a
    // few combinations only. Relative to the job's own length, so a slow machine does not matter.
    EXPECT_GE(runs_during_job, 1);
    EXPECT_LT(slowest_ms, job_ms / 2) << runs_during_job << " runs during a job of " << job_ms << " ms";
}

TEST_F(Optimize, AClientThatLeavesCancelsTheJob) {
    const std::string finished = "spark_backtest_optimize_latency_seconds_count";
    const std::string combinations = "spark_backtest_optimize_combinations_total";
    const std::string before = Get("/metrics").body;
    {
        HttpConnection connection(server_->Port());
        const std::string body = HeavyJob().dump();
        // Send the request and hang up without reading the answer.
        connection.Send(
            "POST /backtest/optimize HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));  // let the job start
    }
    // The job winds up early and records how far it got.
    std::string after = before;
    for (int i = 0; i < 250 && MetricValue(after, finished) == MetricValue(before, finished); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        after = Get("/metrics").body;
    }
    ASSERT_EQ(MetricValue(after, finished), MetricValue(before, finished) + 1) << "the job never finished";
    EXPECT_LT(MetricValue(after, combinations) - MetricValue(before, combinations), 500)
        << "the job ran to completion after its client left";
}

}  // namespace
}  // namespace spark::testing
