// The Binance fallback against the replay server: cache-first loading, faults, errors, metrics.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class Binance : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(directory_ + "/replay");
        for (const char* name : {"BTCUSDT-1h.csv.gz", "ETHUSDT-1h.csv.gz"}) {
            fs::create_symlink(std::string(SPARK_SAMPLE_DIR) + "/" + name, directory_ + "/replay/" + name);
        }
        replay_ = std::make_unique<ReplayProcess>(directory_ + "/replay");
        ASSERT_NE(replay_->Port(), 0);
    }
    void TearDown() override {
        server_.reset();
        replay_.reset();
        fs::remove_all(directory_);
    }

    //! An executor with an empty cache whose Binance is the replay server.
    void StartServer(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--binance-base-url", replay_->BaseUrl(), "--binance-max-retry-ms", "5000"};
        args.insert(args.end(), extra.begin(), extra.end());
        server_ = std::make_unique<ServerProcess>(directory_, /*seed=*/false, args);
        ASSERT_TRUE(server_->Started()) << server_->Stderr();
    }

    json Run(const std::string& body, int expected_status = 200) {
        const HttpResult result = HttpCall(server_->Port(), "POST", "/backtest/run", body);
        EXPECT_EQ(result.status, expected_status) << result.body;
        return json::parse(result.body);
    }
    int64_t UpstreamRequests() {
        return json::parse(HttpCall(replay_->Port(), "GET", "/__stats").body)["klinesRequests"].get<int64_t>();
    }
    void Inject(const json& fault) { HttpCall(replay_->Port(), "POST", "/__faults", fault.dump()); }

    std::string directory_;
    std::unique_ptr<ReplayProcess> replay_;
    std::unique_ptr<ServerProcess> server_;
};

const std::string kWeek =
    R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","includeEquity":false})";

TEST_F(Binance, ColdFetchesThenWarmServesFromTheCacheEvenAfterARestart) {
    StartServer();
    json cold = Run(kWeek);
    EXPECT_EQ(cold["bars"]["source"], "binance");
    EXPECT_EQ(cold["bars"]["count"], 168);
    EXPECT_EQ(cold["bars"]["fetched"], 168);
    EXPECT_EQ(cold["bars"]["upstreamRequests"], 1);
    EXPECT_EQ(cold["bars"]["cacheHit"], false);
    const json warm = Run(kWeek);
    EXPECT_EQ(warm["bars"]["source"], "cache");
    EXPECT_EQ(warm["bars"]["cacheHit"], true);
    EXPECT_EQ(warm["metrics"], cold["metrics"]);
    EXPECT_EQ(UpstreamRequests(), 1);
    server_.reset();
    StartServer();
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "cache");
    EXPECT_EQ(UpstreamRequests(), 1);
    const std::string metrics = HttpCall(server_->Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_backtest_cache_hits_total{layer="duckdb"})"), 1);
}

TEST_F(Binance, OnlyTheMissingPartsAreFetchedAndPagesAreFollowed) {
    StartServer();
    Run(kWeek);
    // Three months around the cached week: two uncovered parts, the later one over 1000 bars.
    const json mixed =
        Run(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2023-12-25","end":"2024-03-31","includeEquity":false})");
    EXPECT_EQ(mixed["bars"]["source"], "mixed");
    EXPECT_EQ(mixed["bars"]["count"], 2352);
    EXPECT_EQ(mixed["bars"]["fetched"], 2352 - 168);
    EXPECT_EQ(mixed["bars"]["upstreamRequests"], 1 + 3);  // 168 bars before; 2016 after: pages of 1000, 1000, 16
}

TEST_F(Binance, ARealGapIsKnownAndNeverFetchedAgain) {
    StartServer();
    const std::string march = R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2023-03-24","end":"2023-03-24"})";
    const json first = Run(march);
    EXPECT_EQ(first["bars"]["missing"], 1);
    EXPECT_EQ(first["bars"]["missingOpenTimes"], json::array({1679662800000}));
    const int64_t requests = UpstreamRequests();
    const json second = Run(march);
    EXPECT_EQ(second["bars"]["cacheHit"], true);
    EXPECT_EQ(second["bars"]["missing"], 1);
    EXPECT_EQ(UpstreamRequests(), requests);
}

// The range is served, the warm-up before it is not: the run fails instead of trading on cold
// indicators, which would give other trades than the same request with the upstream up.
TEST_F(Binance, AWarmUpTheUpstreamFailsToDeliverFailsTheRun) {
    StartServer({"--binance-max-attempts", "1"});
    Run(kWeek);
    const auto metric = [this](const std::string& name) {
        return MetricValue(HttpCall(server_->Port(), "GET", "/metrics").body, name);
    };
    const std::string misses = "spark_backtest_cache_misses_total";
    const std::string fetched = "spark_backtest_bars_fetched_total";
    const std::string served = R"(spark_backtest_bars_served_total{source="binance"})";
    EXPECT_EQ(metric(misses), 1);
    EXPECT_EQ(metric(fetched), 168);
    EXPECT_EQ(metric(served), 168);
    Inject({{"status", 500}, {"count", 1}});
    json request = json::parse(kWeek);
    request["warmupBars"] = 48;
    const json down = Run(request.dump(), 502);
    EXPECT_EQ(down["error"]["code"], "MARKET_DATA_UNAVAILABLE");
    EXPECT_EQ(down["error"]["details"]["field"], "warmupBars");
    EXPECT_EQ(down["error"]["details"]["reason"], "WARMUP_UNAVAILABLE");
    // The range was a hit; the warm-up's failed fetch is a miss like any other.
    EXPECT_EQ(metric(misses), 2);
    const json up = Run(request.dump());
    EXPECT_EQ(up["warmupBars"], 48);
    EXPECT_EQ(up["warnings"], json::array());
    // The warm-up load (twice the bars looked back) is counted as a miss, fetched and served.
    EXPECT_EQ(metric(misses), 3);
    EXPECT_EQ(metric(fetched), 168 + 96);
    EXPECT_EQ(metric(served), 168 + 96);
}

TEST_F(Binance, RateLimitsAreRetriedHonouringRetryAfter) {
    StartServer();
    Inject({{"status", 429}, {"count", 1}, {"retryAfter", 1}});
    Inject({{"status", 429}, {"count", 1}, {"retryAfter", 0}});
    const auto started = std::chrono::steady_clock::now();
    const json ok = Run(kWeek);
    // The 1-second Retry-After was waited out (the backoff alone is far shorter).
    EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
    EXPECT_EQ(ok["bars"]["upstreamRequests"], 3);
    const std::string metrics = HttpCall(server_->Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_binance_rate_limited_total{status="429"})"), 2);
    EXPECT_EQ(MetricValue(metrics, "spark_binance_retries_total"), 2);
}

TEST_F(Binance, FailuresNeverLeaveTheCacheClaimingData) {
    StartServer({"--binance-max-attempts", "3"});
    Inject({{"status", 500}, {"count", 3}});
    const json down = Run(kWeek, 502);
    EXPECT_EQ(down["error"]["code"], "MARKET_DATA_UNAVAILABLE");
    Inject({{"malformed", true}});
    EXPECT_EQ(Run(kWeek, 502)["error"]["code"], "MARKET_DATA_UNAVAILABLE");
    // Nothing was recorded as covered: the next request fetches again, and succeeds.
    const json recovered = Run(kWeek);
    EXPECT_EQ(recovered["bars"]["source"], "binance");
    EXPECT_EQ(recovered["bars"]["count"], 168);
    EXPECT_EQ(HttpCall(server_->Port(), "GET", "/healthz").status, 200);
}

TEST_F(Binance, TheReplayDyingMidFetchLeavesTheCacheUnchanged) {
    StartServer({"--binance-max-attempts", "2", "--binance-max-retry-ms", "1000"});
    const std::string quarter =
        R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31","includeEquity":false})";
    Inject({{"delayMs", 0}});     // page 1 answers
    Inject({{"delayMs", 3000}});  // page 2 hangs: the replay dies meanwhile
    const uint16_t port = replay_->Port();
    auto request =
        std::async(std::launch::async, [&] { return HttpCall(server_->Port(), "POST", "/backtest/run", quarter); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    replay_.reset();
    const HttpResult failed = request.get();
    EXPECT_EQ(failed.status, 502) << failed.body;
    // Page 1 arrived but was not cached: once Binance is back, all three pages are fetched again.
    replay_ = std::make_unique<ReplayProcess>(directory_ + "/replay", port);
    ASSERT_EQ(replay_->Port(), port);
    const json again = Run(quarter);
    EXPECT_EQ(again["bars"]["source"], "binance");
    EXPECT_EQ(again["bars"]["upstreamRequests"], 3);
}

TEST_F(Binance, ABanIsNotRetried) {
    StartServer();
    Inject({{"status", 418}, {"count", 5}, {"retryAfter", 120}});
    const json banned = Run(kWeek, 503);
    EXPECT_EQ(banned["error"]["code"], "MARKET_DATA_BANNED");
    EXPECT_NE(banned["error"]["message"].get<std::string>().find("120"), std::string::npos);
    EXPECT_EQ(UpstreamRequests(), 1);
}

TEST_F(Binance, ABanIsRememberedUntilItsRetryAfterPasses) {
    StartServer();
    ASSERT_EQ(Run(kWeek)["bars"]["source"], "binance");  // the week is cached now
    Inject({{"status", 418}, {"count", 5}, {"retryAfter", 120}});
    const std::string cold = R"({"symbol":"ETHUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})";
    EXPECT_EQ(Run(cold, 503)["error"]["code"], "MARKET_DATA_BANNED");
    EXPECT_EQ(UpstreamRequests(), 2);
    // During the ban: refused at once without asking Binance, and cached ranges still answer.
    const auto started = std::chrono::steady_clock::now();
    const json again = Run(cold, 503);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(500));
    EXPECT_EQ(again["error"]["code"], "MARKET_DATA_BANNED");
    EXPECT_NE(again["error"]["message"].get<std::string>().find("no request is sent"), std::string::npos);
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "cache");
    EXPECT_EQ(UpstreamRequests(), 2);
}

TEST_F(Binance, CachedRunsAnswerInMillisecondsWhileColdRequestsWaitOnASlowUpstream) {
    StartServer();  // two compute workers
    ASSERT_EQ(Run(kWeek)["bars"]["source"], "binance");
    Inject({{"delayMs", 2000}, {"count", 3}});
    // More cold requests than workers, each waiting seconds on the replay.
    std::vector<std::future<int>> cold;
    for (const char* month : {"02", "03", "04"}) {
        cold.push_back(std::async(std::launch::async, [this, month] {
            const std::string body = std::string(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-)") + month +
                                     R"(-01","end":"2024-)" + month + R"(-07"})";
            return HttpCall(server_->Port(), "POST", "/backtest/run", body).status;
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    double slowest_ms = 0;
    for (int i = 0; i < 5; ++i) {
        const auto started = std::chrono::steady_clock::now();
        EXPECT_EQ(Run(kWeek)["bars"]["source"], "cache");
        slowest_ms = std::max(
            slowest_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    }
    EXPECT_LT(slowest_ms, 250) << "a cached run waited behind the upstream";
    const std::string metrics = HttpCall(server_->Port(), "GET", "/metrics").body;
    EXPECT_GE(MetricValue(metrics, "spark_compute_tasks_waiting_upstream"), 1);
    for (auto& c : cold) EXPECT_EQ(c.get(), 200);
}

TEST_F(Binance, AnExhaustedWeightBudgetNeitherStallsCachedRunsNorShutdown) {
    // 10 of weight a minute: five one-page fetches, then the client waits for the next minute.
    StartServer({"--binance-weight-budget", "10", "--shutdown-grace-ms", "500"});
    ASSERT_EQ(Run(kWeek)["bars"]["source"], "binance");
    std::vector<std::future<int>> cold;
    for (const char* month : {"02", "03", "04", "05", "06", "07"}) {
        cold.push_back(std::async(std::launch::async, [this, month] {
            const std::string body = std::string(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-)") + month +
                                     R"(-01","end":"2024-)" + month + R"(-07"})";
            return HttpCall(server_->Port(), "POST", "/backtest/run", body).status;
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "cache");
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
    // Stopping does not wait out the minute: the waits end, the process exits.
    const auto stopping = std::chrono::steady_clock::now();
    EXPECT_EQ(server_->Stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(5));
    for (auto& c : cold) c.wait();
}

TEST_F(Binance, ATimeoutIs504) {
    StartServer({"--binance-timeout-ms", "300", "--binance-max-attempts", "1"});
    Inject({{"delayMs", 1500}});
    EXPECT_EQ(Run(kWeek, 504)["error"]["code"], "MARKET_DATA_TIMEOUT");
}

TEST_F(Binance, ABaseUrlThatIsNotBinanceIsAMisconfigurationNamingIt) {
    // A path prefix the replay does not serve answers 404, as a proxy's or a wrong host's would.
    server_ = std::make_unique<ServerProcess>(
        directory_, /*seed=*/false,
        std::vector<std::string>{"--binance-base-url", replay_->BaseUrl() + "/not-binance"});
    ASSERT_TRUE(server_->Started()) << server_->Stderr();
    const json error = Run(kWeek, 502);
    EXPECT_EQ(error["error"]["code"], "MARKET_DATA_UNAVAILABLE");
    EXPECT_EQ(error["error"]["details"]["reason"], "UPSTREAM_MISCONFIGURED");
    const std::string message = error["error"]["message"];
    EXPECT_NE(message.find(replay_->BaseUrl() + "/not-binance answered HTTP 404 to /api/v3/klines"), std::string::npos)
        << message;
    EXPECT_NE(message.find("BINANCE_BASE_URL must be Binance's API root"), std::string::npos) << message;
}

TEST_F(Binance, ARestrictedLocationIsNotCalledAMisconfiguration) {
    StartServer();
    Inject({{"status", 451}});  // Binance's own answer: {"code":0,"msg":"Service unavailable from a restricted ..."}
    const json error = Run(kWeek, 502);
    EXPECT_EQ(error["error"]["details"]["reason"], "UPSTREAM_REFUSED_HOST");
    EXPECT_NE(error["error"]["message"].get<std::string>().find("HTTP 451, restricted location"), std::string::npos)
        << error;
}

TEST_F(Binance, AnUnreachableUpstreamSaysWhatIsMissingWhatIsCachedAndWhatToDo) {
    // The seeded cache holds BTCUSDT 1h for 2023-2024; the request runs into January 2025.
    server_ = std::make_unique<ServerProcess>(
        directory_, /*seed=*/true,
        std::vector<std::string>{"--binance-base-url", "http://127.0.0.1:1", "--binance-max-attempts", "1"});
    ASSERT_TRUE(server_->Started()) << server_->Stderr();
    const json error = Run(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-12-25","end":"2025-01-05"})", 502);
    EXPECT_EQ(error["error"]["code"], "MARKET_DATA_UNAVAILABLE");
    const std::string message = error["error"]["message"];
    EXPECT_NE(message.find("The cache lacks binance BTCUSDT 1h bars for 2025-01-01T00:00:00Z .. 2025-01-06T00:00:00Z "
                           "(it holds 2023-01-01T00:00:00Z .. 2025-01-01T00:00:00Z)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("spark-executor import"), std::string::npos) << message;
    EXPECT_NE(message.find("send a range the cache holds"), std::string::npos) << message;
    const json nothing = Run(R"({"symbol":"SOLUSDT","timeframe":"4h","start":"2023-06-01","end":"2023-06-05"})", 502);
    EXPECT_NE(nothing["error"]["message"].get<std::string>().find("(it holds nothing)"), std::string::npos)
        << nothing.dump();
}

TEST_F(Binance, TheEvidenceCommandRecordsAColdAndAWarmRunWithTheirAuditLines) {
    StartServer();
    const std::string out = directory_ + "/evidence";
    const auto evidence = [&](const std::string& route) {
        const CommandResult result =
            RunCommand(fmt::format("{}/scripts/evidence.sh --url http://127.0.0.1:{} --route {} --start 2024-03-01 "
                                   "--out {} --notes 'wired {}' 2>/dev/null",
                                   SPARK_SOURCE_DIR, server_->Port(), route, out, route));
        EXPECT_EQ(result.status, 0) << result.output;
        std::string folder = result.output;
        while (!folder.empty() && folder.back() == '\n') folder.pop_back();
        return folder;
    };
    const std::string folder = evidence("run");
    EXPECT_EQ(folder.rfind(out + "/run/", 0), 0u) << folder;
    std::ifstream summary_file(folder + "/summary.json");
    const json summary = json::parse(summary_file);
    EXPECT_EQ(summary["cold"]["barSource"], "binance");
    EXPECT_GE(summary["cold"]["upstreamRequests"], 1);
    EXPECT_EQ(summary["warm"]["barSource"], "cache");
    EXPECT_EQ(summary["warm"]["upstreamRequests"], 0);
    EXPECT_GT(summary["coldWarmRatio"].get<double>(), 0);
    EXPECT_EQ(summary["auditLines"], 2);
    EXPECT_EQ(summary["payload"]["start"], "2024-03-01");
    std::ifstream audit(folder + "/audit.jsonl");
    int audit_lines = 0;
    for (std::string line; std::getline(audit, line); ++audit_lines) {
        const json parsed = json::parse(line);
        EXPECT_TRUE(parsed["runId"] == summary["cold"]["runId"] || parsed["runId"] == summary["warm"]["runId"]);
    }
    EXPECT_EQ(audit_lines, 2);
    std::ifstream metrics(folder + "/metrics.txt");
    EXPECT_NE(std::string(std::istreambuf_iterator<char>(metrics), {}).find("spark_backtest_run_jobs_total"),
              std::string::npos);
    std::ifstream version(folder + "/version.json");
    EXPECT_TRUE(json::parse(version).contains("config"));
    std::ifstream notes(folder + "/notes.md");
    EXPECT_NE(std::string(std::istreambuf_iterator<char>(notes), {}).find("wired run"), std::string::npos);
    // The same start again: that week is cached now, so the cold run moves a week back.
    std::ifstream again(evidence("run") + "/summary.json");
    const json second = json::parse(again);
    EXPECT_EQ(second["payload"]["start"], "2024-02-23");
    EXPECT_EQ(second["cold"]["barSource"], "binance");
    // A portfolio's evidence: two assets, cold then warm.
    std::ifstream portfolio(evidence("portfolio") + "/summary.json");
    const json sleeves = json::parse(portfolio);
    EXPECT_NE(sleeves["cold"]["barSource"], "cache");
    EXPECT_EQ(sleeves["warm"]["barSource"], "cache");
    EXPECT_EQ(RunCommand(std::string(SPARK_SOURCE_DIR) + "/scripts/evidence.sh --route run").status, 2);
    // With a token: sent (from curl's standard input, never its command line) on every call.
    server_.reset();
    StartServer({"--api-token", "s3cret\"token"});
    const std::string with_token =
        fmt::format("{}/scripts/evidence.sh --url http://127.0.0.1:{} --start 2024-05-01 --out {}", SPARK_SOURCE_DIR,
                    server_->Port(), out);
    EXPECT_EQ(RunCommand(with_token + " 2>&1").status, 1);  // no token: 401
    const CommandResult authorised = RunCommand(with_token + " --token 's3cret\"token' 2>/dev/null");
    EXPECT_EQ(authorised.status, 0) << authorised.output;
}

TEST_F(Binance, ACachedFinerTimeframeServesACoarserOneWithoutAskingBinance) {
    StartServer();
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "binance");  // 1h for the week, fetched and cached
    const int64_t asked = UpstreamRequests();
    const json four_hours = Run(R"({"symbol":"BTCUSDT","timeframe":"4h","start":"2024-01-01","end":"2024-01-07"})");
    EXPECT_EQ(four_hours["bars"]["source"], "resampled");
    EXPECT_EQ(four_hours["bars"]["resampledFrom"], "1h");
    EXPECT_EQ(four_hours["bars"]["count"], 42);
    EXPECT_EQ(UpstreamRequests(), asked);
    // Beyond what the 1h bars cover, the 4h bars come from Binance itself.
    const json wider = Run(R"({"symbol":"BTCUSDT","timeframe":"4h","start":"2024-01-01","end":"2024-01-14"})");
    EXPECT_EQ(wider["bars"]["source"], "binance");
    EXPECT_EQ(wider["bars"]["resampledFrom"], nullptr);
    EXPECT_GT(UpstreamRequests(), asked);
}

TEST_F(Binance, AnInvalidSymbolIsBinancesOwnMessage) {
    StartServer();
    const json error = Run(R"({"symbol":"NOPEUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})", 400);
    EXPECT_EQ(error["error"]["code"], "INVALID_SYMBOL");
    EXPECT_NE(error["error"]["message"].get<std::string>().find("Invalid symbol."), std::string::npos);
}

TEST_F(Binance, UseCacheFalseNeitherReadsNorWritesTheCache) {
    StartServer();
    const json direct = Run(
        R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","useCache":false,"includeEquity":false})");
    EXPECT_EQ(direct["bars"]["source"], "binance");
    EXPECT_EQ(direct["bars"]["count"], 168);
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "binance");  // nothing was cached by the direct request
}

TEST_F(Binance, FuturesUseTheirOwnEndpointAndCacheSeries) {
    StartServer({"--binance-futures-base-url", replay_->BaseUrl()});
    const std::string futures =
        R"({"symbol":"BTCUSDT","exchange":"binance-futures","timeframe":"1h","start":"2024-01-01","end":"2024-03-31",
            "includeEquity":false,"funding":false})";  // the klines are under test: funding has its own tests
    const json first = Run(futures);
    EXPECT_EQ(first["bars"]["source"], "binance");
    EXPECT_EQ(first["bars"]["upstreamRequests"], 2);  // 2184 bars in pages of 1500
    EXPECT_EQ(Run(futures)["bars"]["source"], "cache");
    EXPECT_EQ(Run(kWeek)["bars"]["source"], "binance");  // spot is another series
    const std::string metrics = HttpCall(server_->Port(), "GET", "/metrics").body;
    EXPECT_GE(MetricValue(metrics, R"(spark_binance_requests_total{endpoint="/fapi/v1/klines",status="200"})"), 2);
}

TEST_F(Binance, ConcurrentRequestsForTheSameMissingRangeShareOneFetch) {
    StartServer();
    Inject({{"delayMs", 300}});  // keep the first fetch in flight while the others arrive
    std::vector<std::future<json>> clients;
    for (int i = 0; i < 20; ++i) {
        clients.push_back(std::async(std::launch::async, [this] { return Run(kWeek); }));
    }
    for (auto& c : clients) EXPECT_EQ(c.get()["bars"]["count"], 168);
    EXPECT_EQ(UpstreamRequests(), 1);
}

}  // namespace
}  // namespace spark::testing
