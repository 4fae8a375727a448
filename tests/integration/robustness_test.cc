// No request can crash, stall or starve the service (docs/operations.md "Limits"): bounded
// parsing, fair queues, the connection cap, refusals kept out of the audit log, readiness on a
// damaged cache, the bearer token and the Origin check.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

class Robustness : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    void TearDown() override { fs::remove_all(directory_); }

    std::vector<json> AuditLines() const {
        std::vector<json> lines;
        std::ifstream in(directory_ + "/audit.jsonl");
        for (std::string line; std::getline(in, line);) {
            json parsed = json::parse(line);
            if (!parsed.contains("action")) lines.push_back(std::move(parsed));  // jobs, not route transitions
        }
        return lines;
    }

    std::string directory_;
};

const char* kOptimize = R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-12-31",
    "strategy":"sma_cross","grid":{"fast":{"from":5,"to":25,"step":1},"slow":[40,60,80]}})";
//! {"x": [[[...]]]} nested `depth` levels: 2 bytes a level, so 60,000 levels is 120 KB.
std::string NestedBody(size_t depth) { return R"({"x":)" + std::string(depth, '[') + std::string(depth, ']') + "}"; }

const HttpHeaders kTextPlain = {{"Content-Type", "text/plain"}};

TEST_F(Robustness, DeeplyNestedBodiesAreRefusedOnEveryRouteAndTheProcessLives) {
    for (const char* mode : {"run,optimize,walkforward,portfolio", "none"}) {
        const std::string directory = directory_ + "/" + (std::string(mode) == "none" ? "d" : "r");
        fs::create_directories(directory);
        ServerProcess server(directory, /*seed=*/false, {"--real-routes", mode});
        ASSERT_TRUE(server.Started()) << server.Stderr();
        for (const char* route : {"run", "optimize", "walkforward", "portfolio"}) {
            for (size_t depth : {65u, 60'000u, 200'000u}) {
                // text/plain is what a web page can send cross-site without a preflight.
                const HttpResult r =
                    HttpCall(server.Port(), "POST", std::string("/backtest/") + route, NestedBody(depth), kTextPlain);
                ASSERT_EQ(r.status, 400) << mode << " " << route << " " << depth << ": " << r.body;
                const json error = json::parse(r.body)["error"];
                EXPECT_EQ(error["details"]["reason"], "TOO_DEEP");
                EXPECT_NE(error["message"].get<std::string>().find("64"), std::string::npos);
            }
        }
        // 64 levels is within the limit: the request is read, and refused for its content.
        const HttpResult inside = HttpCall(server.Port(), "POST", "/backtest/run", NestedBody(63), kTextPlain);
        const bool deterministic = std::string(mode) == "none";  // stand-ins answer any object
        EXPECT_EQ(inside.status, deterministic ? 200 : 400) << inside.body;
        if (!deterministic) {
            EXPECT_EQ(json::parse(inside.body)["error"]["details"]["reason"], "UNKNOWN_FIELD");
        }
        EXPECT_EQ(HttpCall(server.Port(), "GET", "/healthz").status, 200);
        EXPECT_EQ(server.Stop(), 0) << server.Stderr();
    }
}

TEST_F(Robustness, DeterministicAnswersQuoteTheBodyAsValidJson) {
    ServerProcess server(directory_, /*seed=*/false, {"--real-routes", "none"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    // A byte-order mark and surrounding whitespace are accepted on the way in, and must not make
    // the answer (which quotes the body as sent) invalid.
    const HttpResult r = HttpCall(server.Port(), "POST", "/backtest/run", "\xEF\xBB\xBF \n{\"a\": [1, 2.5e3]}\n ");
    ASSERT_EQ(r.status, 200) << r.body;
    const json answer = json::parse(r.body);
    EXPECT_EQ(answer["request"], json::parse(R"({"a":[1,2500.0]})"));
    // The JSON parser would stop at a NUL byte and take what follows for nothing: refused.
    const HttpResult nul = HttpCall(server.Port(), "POST", "/backtest/run", std::string("{\"a\":1}\0\"]}}", 12));
    EXPECT_EQ(nul.status, 400) << nul.body;
    EXPECT_EQ(json::parse(nul.body)["error"]["details"]["reason"], "MALFORMED_JSON");
}

TEST_F(Robustness, NumbersBeyondDoubleAreABadRequestNotAnInternalError) {
    ServerProcess server(directory_);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const std::string body =
        R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","feeBps":1e400})";
    for (const char* route : {"run", "optimize", "walkforward", "portfolio"}) {
        const HttpResult r = HttpCall(server.Port(), "POST", std::string("/backtest/") + route, body);
        ASSERT_EQ(r.status, 400) << route << ": " << r.body;
        EXPECT_EQ(json::parse(r.body)["error"]["details"]["reason"], "NUMBER_OUT_OF_RANGE");
    }
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_http_rejections_total{reason="NUMBER_OUT_OF_RANGE",route="run"})"), 1);
}

TEST_F(Robustness, EchoedInputIsTruncated) {
    ServerProcess server(directory_);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const std::string key(500'000, 'k');
    const std::string value(500'000, 'v');
    for (const std::string& body : {R"({")" + key + R"(":1})", R"({"symbol":")" + value + R"("})",
                                    R"({"symbol":"BTCUSDT","timeframe":"1h","start":")" + value + R"("})"}) {
        const HttpResult r = HttpCall(server.Port(), "POST", "/backtest/run", body);
        ASSERT_EQ(r.status, 400) << r.body.substr(0, 300);
        EXPECT_LT(r.body.size(), 2000u) << r.body.substr(0, 300);
        EXPECT_NE(r.body.find("bytes)"), std::string::npos) << r.body;  // says how much was cut
    }
}

TEST_F(Robustness, AFloodOfResearchJobsIsBoundedAndDoesNotStarveRuns) {
    ServerProcess server(directory_, /*seed=*/true, {"--max-queued-jobs", "6"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    std::atomic<bool> stop{false};
    std::atomic<int> optimize_ok{0};
    std::atomic<int> optimize_full{0};
    std::vector<std::future<void>> flood;
    for (int c = 0; c < 24; ++c) {
        flood.push_back(std::async(std::launch::async, [&] {
            HttpConnection connection(server.Port());
            while (!stop) {
                const HttpResult r = connection.Call("POST", "/backtest/optimize", kOptimize);
                if (r.status == 200) ++optimize_ok;
                if (r.status == 503) ++optimize_full;
                if (r.status == 0) break;
            }
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    int runs_ok = 0;
    double slowest_ms = 0;
    HttpConnection runs(server.Port());
    for (int i = 0; i < 20; ++i) {
        const Clock::time_point started = Clock::now();
        const HttpResult r = runs.Call("POST", "/backtest/run", kPlanRequest);
        slowest_ms = std::max(slowest_ms, std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        runs_ok += r.status == 200 ? 1 : 0;
    }
    const std::string during = HttpCall(server.Port(), "GET", "/metrics").body;
    stop = true;
    for (auto& f : flood) f.get();
    // Every small run is answered: the flood fills its own lane and gate, not theirs.
    EXPECT_EQ(runs_ok, 20);
    EXPECT_LT(slowest_ms, 5000);
    EXPECT_GT(optimize_ok.load(), 0);
    EXPECT_GT(optimize_full.load(), 0);  // the flood is bounded: the excess is refused at once
    EXPECT_LE(MetricValue(during, "spark_batch_jobs_running"), 2);  // at most --workers jobs at once
    EXPECT_GT(MetricValue(during, R"(spark_http_rejections_total{reason="QUEUE_FULL",route="optimize"})"), 0);
}

TEST_F(Robustness, ConnectionsBeyondTheCapAreRefusedClearlyAndHealthReturns) {
    ServerProcess server(directory_, /*seed=*/false, {"--max-connections", "8"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    {
        std::vector<std::unique_ptr<HttpConnection>> idle;
        for (int i = 0; i < 8; ++i) {
            idle.push_back(std::make_unique<HttpConnection>(server.Port()));
            ASSERT_EQ(idle.back()->Call("GET", "/healthz").status, 200);  // open and served
        }
        const HttpResult refused = HttpCall(server.Port(), "GET", "/healthz");
        EXPECT_EQ(refused.status, 503);
        EXPECT_NE(refused.body.find("TOO_MANY_CONNECTIONS"), std::string::npos) << refused.body;
    }
    // The idle ones closed: the server answers again.
    bool healthy = false;
    for (int i = 0; i < 50 && !healthy; ++i) {
        healthy = HttpCall(server.Port(), "GET", "/healthz").status == 200;
        if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_TRUE(healthy);
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_GE(MetricValue(metrics, R"(spark_http_rejections_total{reason="TOO_MANY_CONNECTIONS",route="unmatched"})"),
              1);
}

TEST_F(Robustness, AFloodOfRefusalsNeverDisplacesJobRecordsAndItsLogIsBounded) {
    ServerProcess server(directory_, /*seed=*/true, {"--audit-max-bytes", "4096", "--audit-keep", "1"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    for (int i = 0; i < 3; ++i) ASSERT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest).status, 200);
    const size_t stderr_before = server.Stderr().size();
    HttpConnection connection(server.Port());
    for (int i = 0; i < 3000; ++i) ASSERT_EQ(connection.Call("POST", "/backtest/run", "{}").status, 400);
    const std::vector<json> lines = AuditLines();
    ASSERT_EQ(lines.size(), 3u);
    for (const json& line : lines) EXPECT_EQ(line["status"], 200);
    EXPECT_FALSE(fs::exists(directory_ + "/audit.jsonl.1"));
    // 3,000 refusals in well under a minute: the log holds the burst and a few a second, not 3,000.
    const std::string log = server.Stderr().substr(stderr_before);
    const size_t logged = static_cast<size_t>(std::count(log.begin(), log.end(), '\n'));
    EXPECT_LT(logged, 200u) << log.substr(0, 500);
    EXPECT_GE(logged, 1u);
    EXPECT_NE(log.find("suppressedBefore"), std::string::npos);
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_http_rejections_total{reason="MISSING_FIELD",route="run"})"), 3000);
}

TEST_F(Robustness, ReadinessFailsOnACacheThatCannotBeRead) {
    {
        ServerProcess seeded(directory_);
        ASSERT_TRUE(seeded.Started()) << seeded.Stderr();
        EXPECT_EQ(seeded.Stop(), 0);
    }
    const std::string db = directory_ + "/cache.duckdb";
    fs::resize_file(db, fs::file_size(db) / 2);
    ServerProcess server(directory_, /*seed=*/false);
    if (!server.Started()) {
        // Refusing to start on a damaged file is an honest answer too; it must say why.
        EXPECT_NE(server.Stderr().find("cache"), std::string::npos) << server.Stderr();
        EXPECT_EQ(server.Stderr().find("another spark-executor"), std::string::npos) << server.Stderr();
        return;
    }
    const HttpResult ready = HttpCall(server.Port(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(HttpCall(server.Port(), "GET", "/healthz").status, 200);  // alive, not ready
}

TEST_F(Robustness, TheTokenGuardsEveryRouteButTheProbes) {
    ServerProcess server(directory_, /*seed=*/true,
                         {"--api-token", "s3cret-token", "--binance-base-url", "http://user:PASSWORD@127.0.0.1:9"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const HttpHeaders bearer = {{"Authorization", "Bearer s3cret-token"}};
    const HttpResult anonymous = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
    EXPECT_EQ(anonymous.status, 401);
    EXPECT_EQ(json::parse(anonymous.body)["error"]["code"], "UNAUTHORIZED");
    EXPECT_EQ(anonymous.headers.at("www-authenticate"), R"(Bearer realm="spark-executor")");
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest, {{"Authorization", "Bearer s3cret-tokeN"}})
                  .status,
              401);
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest, bearer).status, 200);
    EXPECT_EQ(HttpCall(server.Port(), "GET", "/backtest/runs").status, 401);
    EXPECT_EQ(HttpCall(server.Port(), "GET", "/backtest/runs", "", bearer).status, 200);
    for (const char* probe : {"/healthz", "/readyz", "/metrics"}) {
        EXPECT_EQ(HttpCall(server.Port(), "GET", probe).status, 200) << probe;
    }
    // /version: no credentials for anyone, file-system paths only for token holders.
    const HttpResult reduced = HttpCall(server.Port(), "GET", "/version", "", {{"Authorization", "Bearer nope"}});
    EXPECT_EQ(reduced.status, 401);
    const std::string full = HttpCall(server.Port(), "GET", "/version", "", bearer).body;
    EXPECT_EQ(full.find("PASSWORD"), std::string::npos) << full;
    EXPECT_EQ(full.find("s3cret"), std::string::npos) << full;
    EXPECT_NE(full.find(directory_), std::string::npos) << full;
    EXPECT_EQ(json::parse(full)["config"]["apiToken"], "set");
}

TEST_F(Robustness, VersionRevealsNoPathsOrCredentialsWithoutTheToken) {
    ServerProcess server(
        directory_, /*seed=*/false,
        {"--binance-base-url", "http://user:PASSWORD@127.0.0.1:9/x", "--binance-connect-timeout-ms", "1234"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const std::string body = HttpCall(server.Port(), "GET", "/version").body;
    EXPECT_EQ(body.find("PASSWORD"), std::string::npos) << body;
    EXPECT_EQ(body.find(directory_), std::string::npos) << body;
    const json config = json::parse(body)["config"];
    EXPECT_EQ(config["binanceBaseUrl"], "http://***@127.0.0.1:9/x");
    EXPECT_EQ(config["db"], "cache.duckdb");
    EXPECT_EQ(config["apiToken"], "unset");
    // Settings that are not secrets show as set, the Binance connect timeout included.
    EXPECT_EQ(config["binanceConnectTimeoutMs"], "1234");
}

TEST_F(Robustness, BrowserRequestsFromOtherSitesAreRefusedBeforeAnythingRuns) {
    ServerProcess server(directory_, /*seed=*/true, {"--allowed-origins", "https://research.example.com"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    // A page on another site posting text/plain (no preflight): refused, even the crash body.
    const HttpResult foreign = HttpCall(server.Port(), "POST", "/backtest/walkforward", NestedBody(60'000),
                                        {{"Content-Type", "text/plain"}, {"Origin", "https://evil.example"}});
    EXPECT_EQ(foreign.status, 403);
    EXPECT_EQ(json::parse(foreign.body)["error"]["code"], "ORIGIN_NOT_ALLOWED");
    // The service's own page (Origin matches Host) and a listed origin are served.
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest, {{"Origin", "http://127.0.0.1"}}).status,
              200);
    const HttpResult listed =
        HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest, {{"Origin", "https://research.example.com"}});
    EXPECT_EQ(listed.status, 200);
    EXPECT_EQ(listed.headers.at("access-control-allow-origin"), "https://research.example.com");
    const HttpResult preflight =
        HttpCall(server.Port(), "OPTIONS", "/backtest/run", "",
                 {{"Origin", "https://research.example.com"}, {"Access-Control-Request-Method", "POST"}});
    EXPECT_EQ(preflight.status, 204);
    EXPECT_NE(preflight.headers.at("access-control-allow-headers").find("Authorization"), std::string::npos);
    // DNS rebinding: a page whose name now points at 127.0.0.1 is "same-origin" by the letter,
    // but its Host is not one of ours.
    const HttpResult rebound = HttpCall(server.Port(), "GET", "/version", "", {{"Host", "evil.example:4001"}});
    EXPECT_EQ(rebound.status, 403);
    EXPECT_EQ(json::parse(rebound.body)["error"]["details"]["reason"], "HOST_NOT_ALLOWED");
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest,
                       {{"Host", "evil.example:4001"}, {"Origin", "http://evil.example:4001"}})
                  .status,
              403);
    EXPECT_EQ(HttpCall(server.Port(), "GET", "/healthz", "", {{"Host", "localhost:4001"}}).status, 200);
    // No Origin at all (curl, scripts): served as before.
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest).status, 200);
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_http_rejections_total{reason="ORIGIN_NOT_ALLOWED",route="unmatched"})"), 1);
    EXPECT_EQ(MetricValue(metrics, R"(spark_http_rejections_total{reason="HOST_NOT_ALLOWED",route="unmatched"})"), 2);
}

}  // namespace
}  // namespace spark::testing
