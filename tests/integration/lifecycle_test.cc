// Process-level behaviour: restart with a warm cache, the file lock, graceful shutdown.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Lifecycle : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }
    std::string directory_;
};

TEST_F(Lifecycle, TheCacheSurvivesARestartAndAnswersWarm) {
    {
        ServerProcess first(directory_);
        ASSERT_TRUE(first.Started()) << first.Stderr();
        ASSERT_EQ(HttpCall(first.Port(), "POST", "/backtest/run", kPlanRequest).status, 200);
        EXPECT_EQ(first.Stop(), 0);
    }
    ServerProcess second(directory_, /*seed=*/false);
    ASSERT_TRUE(second.Started()) << second.Stderr();
    const HttpResult result = HttpCall(second.Port(), "POST", "/backtest/run", kPlanRequest);
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = json::parse(result.body);
    EXPECT_EQ(body["bars"]["count"], 168);
    EXPECT_EQ(body["bars"]["source"], "cache");
    EXPECT_EQ(body["bars"]["cacheHit"], true);
}

TEST_F(Lifecycle, ASecondInstanceOnTheSameCacheFailsClearly) {
    ServerProcess first(directory_, /*seed=*/false);
    ASSERT_TRUE(first.Started()) << first.Stderr();
    const CommandResult second =
        RunCommand(std::string(SPARK_EXECUTOR_PATH) + " serve --port 0 --db " + directory_ + "/cache.duckdb");
    EXPECT_EQ(second.status, 1) << second.output;
    EXPECT_NE(second.output.find("lock"), std::string::npos) << second.output;
    EXPECT_NE(second.output.find("another spark-executor"), std::string::npos) << second.output;
    EXPECT_EQ(HttpCall(first.Port(), "GET", "/readyz").status, 200);  // the first one is unharmed
}

TEST_F(Lifecycle, ImportCommandLoadsZipDumpsAndFailsOnJunk) {
    const std::string db = directory_ + "/import.duckdb";
    const CommandResult ok = RunCommand(std::string(SPARK_EXECUTOR_PATH) +
                                        " import --exchange binance --symbol BTCUSDT "
                                        "--interval 1h --db " +
                                        db + " " + SPARK_TEST_DATA_DIR + "/BTCUSDT-1h-2024-01.zip");
    EXPECT_EQ(ok.status, 0) << ok.output;
    EXPECT_NE(ok.output.find("744 bars imported, 0 rejected"), std::string::npos) << ok.output;
    const std::string junk = directory_ + "/junk.csv";
    std::ofstream(junk) << "not,a,kline\n";
    const CommandResult bad =
        RunCommand(std::string(SPARK_EXECUTOR_PATH) + " import --symbol BTCUSDT --interval 1h --db " + db + " " + junk);
    EXPECT_EQ(bad.status, 1) << bad.output;
    EXPECT_NE(bad.output.find("expected 12 fields"), std::string::npos) << bad.output;
}

TEST_F(Lifecycle, BadConfigurationFailsAtStart) {
    const CommandResult result = RunCommand("PORT=99999 " + std::string(SPARK_EXECUTOR_PATH) + " serve");
    EXPECT_EQ(result.status, 2);
    EXPECT_NE(result.output.find("PORT"), std::string::npos) << result.output;
    const CommandResult optimizer =
        RunCommand("OPTIMIZER_MAX_COMBINATIONS=0 " + std::string(SPARK_EXECUTOR_PATH) + " serve");
    EXPECT_EQ(optimizer.status, 2);
    EXPECT_NE(optimizer.output.find("OPTIMIZER_MAX_COMBINATIONS"), std::string::npos) << optimizer.output;
}

TEST_F(Lifecycle, SigtermDrainsAndExitsCleanly) {
    ServerProcess server(directory_);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    HttpConnection idle(server.Port());  // an idle keep-alive connection must not hold shutdown up
    ASSERT_EQ(idle.Call("GET", "/healthz").status, 200);
    // Requests in flight when the signal lands still get complete answers.
    std::vector<std::future<int>> clients;
    for (int c = 0; c < 4; ++c) {
        clients.push_back(std::async(std::launch::async, [port = server.Port()] {
            HttpConnection connection(port);
            return connection
                .Call("POST", "/backtest/run",
                      R"({"symbol":"BTCUSDT","timeframe":"1m","start":"2024-01-01","end":"2024-01-20"})")
                .status;
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(server.Stop(), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    for (auto& client : clients) {
        const int status = client.get();
        EXPECT_TRUE(status == 200 || status == 0) << status;  // answered, or refused before being read
    }
    EXPECT_NE(server.Stderr().find("stopped"), std::string::npos);
    // The cache was closed cleanly: it reopens.
    ServerProcess again(directory_, /*seed=*/false);
    EXPECT_TRUE(again.Started()) << again.Stderr();
}

}  // namespace
}  // namespace spark::testing
