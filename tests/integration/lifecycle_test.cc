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

TEST_F(Lifecycle, ImportRefusesMislabelledFilesAndWritesNothing) {
    const std::string exe = SPARK_EXECUTOR_PATH;
    const std::string db = directory_ + "/import.duckdb";
    const std::string dump = std::string(SPARK_TEST_DATA_DIR) + "/BTCUSDT-1h-2024-01.zip";
    // The dump's name says BTCUSDT 1h: importing it as ETHUSDT, or as 4h, is refused.
    const CommandResult wrong_symbol =
        RunCommand(exe + " import --symbol ETHUSDT --interval 1h --db " + db + " " + dump);
    EXPECT_EQ(wrong_symbol.status, 1) << wrong_symbol.output;
    EXPECT_NE(wrong_symbol.output.find("named for BTCUSDT but --symbol is ETHUSDT"), std::string::npos)
        << wrong_symbol.output;
    EXPECT_NE(wrong_symbol.output.find("nothing imported"), std::string::npos) << wrong_symbol.output;
    EXPECT_FALSE(std::filesystem::exists(db));  // refused before the cache was even opened
    // Renamed, the rows themselves give a 1h file away as 4h: three in four are misaligned and the
    // rest are 1h apart.
    const std::string renamed = directory_ + "/export.csv";
    std::filesystem::copy_file(std::string(SPARK_SAMPLE_DIR) + "/SOLUSDT-1h.csv.gz", directory_ + "/export.csv.gz");
    ASSERT_EQ(RunCommand("gunzip " + directory_ + "/export.csv.gz").status, 0);
    const CommandResult as_4h = RunCommand(exe + " import --symbol SOLUSDT --interval 4h --db " + db + " " + renamed);
    EXPECT_EQ(as_4h.status, 1) << as_4h.output;
    EXPECT_NE(as_4h.output.find("are 1h apart, not 4h: the file looks like 1h bars"), std::string::npos)
        << as_4h.output;
    // One good file and one bad file in one command: nothing at all is written.
    const CommandResult mixed = RunCommand(exe + " import --symbol SOLUSDT --interval 1h --db " + db + " " + renamed +
                                           " " + directory_ + "/missing.csv");
    EXPECT_EQ(mixed.status, 2) << mixed.output;  // a missing file is a usage error, found before reading any
    const std::string bad_row = directory_ + "/one-bad-row.csv";
    std::ofstream(bad_row) << "1704067200000,1,2,0.5,1.5,10,1704070799999,15,3,5,7,0\n"
                              "1704070800000,1,1.2,0.5,1.5,10,1704074399999,15,3,5,7,0\n"
                              "1704074400000,1,2,0.5,1.5,10,1704077999999,15,3,5,7,0\n";
    const CommandResult refused =
        RunCommand(exe + " import --symbol SOLUSDT --interval 1h --db " + db + " " + renamed + " " + bad_row);
    EXPECT_EQ(refused.status, 1) << refused.output;
    EXPECT_NE(refused.output.find("--allow-rejects"), std::string::npos) << refused.output;
    EXPECT_FALSE(std::filesystem::exists(db));
    const CommandResult allowed =
        RunCommand(exe + " import --symbol SOLUSDT --interval 1h --allow-rejects --db " + db + " " + bad_row);
    EXPECT_EQ(allowed.status, 0) << allowed.output;
    const CommandResult listed = RunCommand(exe + " cache list --json --db " + db + " 2>/dev/null");
    ASSERT_EQ(listed.status, 0) << listed.output;
    const json series = json::parse(listed.output);
    ASSERT_EQ(series.size(), 1u) << listed.output;
    EXPECT_EQ(series[0]["symbol"], "SOLUSDT");
    EXPECT_EQ(series[0]["bars"], 2);
    EXPECT_EQ(series[0]["coverage"].size(), 2u);  // the rejected slot stays a miss, to fetch later
}

TEST_F(Lifecycle, CacheCommandsListVerifyAndDelete) {
    const std::string exe = SPARK_EXECUTOR_PATH;
    const std::string db = directory_ + "/cache.duckdb";
    ASSERT_EQ(RunCommand(exe + " import --symbol BTCUSDT --interval 1h --db " + db + " " + SPARK_SAMPLE_DIR +
                         "/BTCUSDT-1h.csv.gz")
                  .status,
              0);
    const CommandResult list = RunCommand(exe + " cache list --db " + db);
    EXPECT_EQ(list.status, 0) << list.output;
    EXPECT_NE(list.output.find("BTCUSDT"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("17543"), std::string::npos) << list.output;
    EXPECT_NE(list.output.find("coverage: 2023-01-01T00:00:00Z .. 2025-01-01T00:00:00Z"), std::string::npos)
        << list.output;
    const CommandResult verify = RunCommand(exe + " cache verify --db " + db);
    EXPECT_EQ(verify.status, 0) << verify.output;
    EXPECT_NE(verify.output.find("binance BTCUSDT 1h: ok (17543 bars, 1 known gaps, 1 short (halt) bars)"),
              std::string::npos)
        << verify.output;
    const CommandResult none = RunCommand(exe + " cache verify --symbol ETHUSDT --db " + db);
    EXPECT_EQ(none.status, 1) << none.output;
    const CommandResult deleted =
        RunCommand(exe + " cache delete --symbol BTCUSDT --interval 1h --from 2024-01-01 --to 2024-01-31 --db " + db);
    EXPECT_EQ(deleted.status, 0) << deleted.output;
    EXPECT_NE(deleted.output.find("deleted 744 bars; coverage removed: 2024-01-01T00:00:00Z .. 2024-02-01T00:00:00Z"),
              std::string::npos)
        << deleted.output;
    // The service then treats January as never loaded: with no upstream, a 404 that says so.
    ServerProcess server(directory_, /*seed=*/false);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const HttpResult january = HttpCall(server.Port(), "POST", "/backtest/run",
                                        R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-05","end":"2024-01-10",
                                            "strategy":{"name":"buy_and_hold"}})");
    EXPECT_EQ(january.status, 404) << january.body;
    EXPECT_EQ(server.Stop(), 0);
    // While a service holds the file, the commands say what to do.
    ServerProcess holder(directory_, /*seed=*/false);
    ASSERT_TRUE(holder.Started()) << holder.Stderr();
    const CommandResult locked = RunCommand(exe + " cache list --db " + db);
    EXPECT_EQ(locked.status, 1) << locked.output;
    EXPECT_NE(locked.output.find("stop the service"), std::string::npos) << locked.output;
}

TEST_F(Lifecycle, EveryCommandHasHelpWithDefaultsAndAVersion) {
    const std::string exe = SPARK_EXECUTOR_PATH;
    const std::vector<std::pair<std::string, std::vector<std::string>>> commands = {
        {"serve --help", {"--port", "4001", "--db", "var/spark.duckdb", "SPARK_WORKERS"}},
        // Anywhere among serve's flags, even beside one that would stop the start.
        {"serve --port 4002 --workers=2 --help", {"--port", "4001", "SPARK_WORKERS"}},
        {"serve --no-such-flag -h", {"--port", "4001"}},
        {"import --help", {"--symbol", "--interval", "--exchange", "=binance", "--db", "--allow-rejects"}},
        {"cache --help", {"list", "verify", "delete", "--db"}},
        {"cache list --help", {"--json", "--db"}},
        {"cache verify --help", {"--symbol", "--interval", "--exchange"}},
        {"cache delete --help", {"--symbol", "--interval", "--from", "--to", "=binance"}},
        {"--help", {"serve", "import", "cache"}},
    };
    for (const auto& [command, expected] : commands) {
        // stdout only: help is the answer asked for, not an error.
        const CommandResult help = RunCommand(exe + " " + command + " 2>/dev/null");
        EXPECT_EQ(help.status, 0) << command << "\n" << help.output;
        for (const std::string& text : expected) {
            EXPECT_NE(help.output.find(text), std::string::npos) << command << " lacks " << text << "\n" << help.output;
        }
    }
    for (const std::string command :
         {"--version", "serve --version", "serve --port 4002 --version",
          "serve --workers=many --db /nonexistent/x.duckdb --version", "import --version", "cache --version"}) {
        const CommandResult version = RunCommand(exe + " " + command + " 2>/dev/null");
        EXPECT_EQ(version.status, 0) << command;
        EXPECT_NE(version.output.find("spark-executor "), std::string::npos) << command << ": " << version.output;
    }
    const std::string replay = SPARK_REPLAY_PATH;
    const CommandResult replay_help = RunCommand(replay + " --help 2>/dev/null");
    EXPECT_EQ(replay_help.status, 0) << replay_help.output;
    EXPECT_NE(replay_help.output.find("--data-dir"), std::string::npos) << replay_help.output;
    EXPECT_NE(replay_help.output.find("--futures-data-dir"), std::string::npos) << replay_help.output;
    const CommandResult replay_version = RunCommand(replay + " --version 2>/dev/null");
    EXPECT_EQ(replay_version.status, 0) << replay_version.output;
    EXPECT_EQ(replay_version.output.rfind("binance-replay ", 0), 0u) << replay_version.output;
    const CommandResult replay_bad_dir = RunCommand(replay + " --data-dir " + directory_ + "/absent");
    EXPECT_EQ(replay_bad_dir.status, 2) << replay_bad_dir.output;
    EXPECT_NE(replay_bad_dir.output.find("Directory does not exist"), std::string::npos) << replay_bad_dir.output;
    const CommandResult replay_bad_port = RunCommand(replay + " --port 99999 --data-dir " + directory_);
    EXPECT_EQ(replay_bad_port.status, 2) << replay_bad_port.output;
    const CommandResult unknown = RunCommand(exe + " import --symbol BTCUSDT --interval 7h x.csv");
    EXPECT_EQ(unknown.status, 2) << unknown.output;
    EXPECT_NE(unknown.output.find("send a Binance interval"), std::string::npos) << unknown.output;
}

TEST_F(Lifecycle, TheInstalledBinaryRunsFromItsPrefixAlone) {
    const std::string prefix = directory_ + "/prefix";
    const CommandResult install =
        RunCommand(std::string(SPARK_CMAKE) + " --install " + SPARK_BUILD_DIR + " --prefix " + prefix + " 2>&1");
    ASSERT_EQ(install.status, 0) << install.output;
    for (const char* file :
         {"bin/spark-executor", "lib/libduckdb.so", "share/doc/spark-executor/operations.md",
          "share/doc/spark-executor/README.md", "share/spark-executor/systemd/spark-executor.service",
          "share/spark-executor/systemd/spark-executor.env.example",
          "share/spark-executor/deploy/prometheus/alerts.yml",
          "share/spark-executor/deploy/grafana/spark-executor.json", "share/spark-executor/sample/BTCUSDT-1h.csv.gz"}) {
        EXPECT_TRUE(std::filesystem::exists(prefix + "/" + file)) << file;
    }
    // The binary finds DuckDB relative to itself, never in the build or source tree.
    const CommandResult dynamic = RunCommand("readelf -d " + prefix + "/bin/spark-executor");
    EXPECT_NE(dynamic.output.find("RUNPATH"), std::string::npos) << dynamic.output;
    EXPECT_NE(dynamic.output.find("[$ORIGIN/../lib]"), std::string::npos) << dynamic.output;
    EXPECT_EQ(dynamic.output.find(SPARK_SOURCE_DIR), std::string::npos) << dynamic.output;
    // Moved elsewhere, with the source tree's DuckDB out of reach, it still starts and answers.
    const std::string moved = directory_ + "/moved";
    std::filesystem::rename(prefix, moved);
    const std::string executable = moved + "/bin/spark-executor";
    EXPECT_EQ(RunCommand("env -u LD_LIBRARY_PATH " + executable + " --version").status, 0);
    ServerProcess server(directory_, /*seed=*/false, {"--seed-dir", moved + "/share/spark-executor/sample"},
                         executable);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const HttpResult run = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
    EXPECT_EQ(run.status, 200) << run.body;
    EXPECT_EQ(server.Stop(), 0);
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
