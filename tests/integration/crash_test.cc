// Crash safety, proven: the process killed with SIGKILL inside an import and inside a cold fetch's
// write. Each time the file reopens, its coverage matches its bars (`cache verify`), and the next
// run is correct. The exact moments come from SPARK_FAILPOINT (common/failpoint.h); one test also
// kills imports from outside at moments spread over their whole length.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kExe = SPARK_EXECUTOR_PATH;

class Crash : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
        db_ = directory_ + "/cache.duckdb";
    }
    void TearDown() override { fs::remove_all(directory_); }

    CommandResult Import(const std::string& symbol, const std::string& file, const std::string& env = "") const {
        return RunCommand(fmt::format("{} {} import --symbol {} --interval 1h --db {} {}/{}", env, kExe, symbol, db_,
                                      SPARK_SAMPLE_DIR, file));
    }
    //! symbol -> bars, from `cache list --json`.
    std::map<std::string, int64_t> Bars() const {
        const CommandResult listed = RunCommand(kExe + " cache list --json --db " + db_ + " 2>/dev/null");
        EXPECT_EQ(listed.status, 0) << listed.output;
        std::map<std::string, int64_t> out;
        for (const json& series : json::parse(listed.output)) out[series["symbol"]] = series["bars"];
        return out;
    }
    //! `cache verify`: every bar aligned, sane and inside coverage.
    void ExpectVerified() const {
        const CommandResult verified = RunCommand(kExe + " cache verify --db " + db_);
        EXPECT_EQ(verified.status, 0) << verified.output;
        EXPECT_EQ(verified.output.find("PROBLEMS"), std::string::npos) << verified.output;
    }

    std::string directory_;
    std::string db_;
};

//! Killed by SIGKILL: the shell reports 128 + 9, or the status is not an exit at all.
bool Killed(const CommandResult& result) { return result.status == 137 || result.status == -1; }

TEST_F(Crash, AnImportKilledInsideItsTransactionLeavesNothingOfIt) {
    ASSERT_EQ(Import("ETHUSDT", "ETHUSDT-1h.csv.gz").status, 0);
    const CommandResult killed = Import("BTCUSDT", "BTCUSDT-1h.csv.gz", "SPARK_FAILPOINT=cache-store-mid-transaction");
    ASSERT_TRUE(Killed(killed)) << killed.status << killed.output;
    // The bars were inserted, their coverage not yet: after the crash, neither is there.
    EXPECT_EQ(Bars(), (std::map<std::string, int64_t>{{"ETHUSDT", 17543}}));
    ExpectVerified();
    {
        // The next run knows the bars are not there (no upstream: a clear 404, never stray bars).
        ServerProcess server(directory_, /*seed=*/false);
        ASSERT_TRUE(server.Started()) << server.Stderr();
        const HttpResult missing = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
        EXPECT_EQ(missing.status, 404) << missing.body;
        EXPECT_EQ(server.Stop(), 0);
    }
    ASSERT_EQ(Import("BTCUSDT", "BTCUSDT-1h.csv.gz").status, 0);
    EXPECT_EQ(Bars(), (std::map<std::string, int64_t>{{"BTCUSDT", 17543}, {"ETHUSDT", 17543}}));
    ExpectVerified();
    // A run on the imported range answers as one on the bundled data seeded directly.
    json answer;
    {
        ServerProcess server(directory_, /*seed=*/false);
        ASSERT_TRUE(server.Started()) << server.Stderr();
        const HttpResult run = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
        ASSERT_EQ(run.status, 200) << run.body;
        answer = json::parse(run.body);
        EXPECT_EQ(answer["bars"]["source"], "cache");
        EXPECT_EQ(answer["bars"]["count"], 168);
        EXPECT_EQ(answer["bars"]["missing"], 0);
        EXPECT_EQ(server.Stop(), 0);
    }
    const std::string reference_directory = directory_ + "/reference";
    fs::create_directories(reference_directory);
    ServerProcess reference(reference_directory, /*seed=*/true);
    ASSERT_TRUE(reference.Started()) << reference.Stderr();
    const json expected = json::parse(HttpCall(reference.Port(), "POST", "/backtest/run", kPlanRequest).body);
    EXPECT_EQ(answer["metrics"], expected["metrics"]);
    EXPECT_EQ(answer["trades"], expected["trades"]);
    EXPECT_EQ(answer["bars"]["count"], expected["bars"]["count"]);
}

TEST_F(Crash, AnImportKilledRightAfterItsCommitKeepsAllOfIt) {
    const CommandResult killed = Import("BTCUSDT", "BTCUSDT-1h.csv.gz", "SPARK_FAILPOINT=cache-store-after-commit");
    ASSERT_TRUE(Killed(killed)) << killed.status << killed.output;
    EXPECT_EQ(Bars(), (std::map<std::string, int64_t>{{"BTCUSDT", 17543}}));
    ExpectVerified();
}

TEST_F(Crash, AnImportKilledWhileCreatingTheFileLeavesNoFileAndNothingInTheWay) {
    // DuckDB writes a new file's headers after creating it: killed in between, the file would be
    // one DuckDB refuses to open. A new file is complete before it takes the cache's name.
    const CommandResult killed = Import("BTCUSDT", "BTCUSDT-1h.csv.gz", "SPARK_FAILPOINT=cache-create-before-link");
    ASSERT_TRUE(Killed(killed)) << killed.status << killed.output;
    EXPECT_FALSE(fs::exists(db_));
    std::vector<std::string> left;
    for (const auto& entry : fs::directory_iterator(directory_)) left.push_back(entry.path().filename().string());
    ASSERT_EQ(left.size(), 1u);  // the killed creator's own file, under its private name
    EXPECT_TRUE(left[0].starts_with("cache.duckdb.creating-")) << left[0];
    ASSERT_EQ(Import("BTCUSDT", "BTCUSDT-1h.csv.gz").status, 0);
    EXPECT_EQ(Bars(), (std::map<std::string, int64_t>{{"BTCUSDT", 17543}}));
    ExpectVerified();
    left.clear();  // the abandoned creation was cleared away by the next one
    for (const auto& entry : fs::directory_iterator(directory_)) left.push_back(entry.path().filename().string());
    EXPECT_EQ(left, std::vector<std::string>{"cache.duckdb"});
}

TEST_F(Crash, ImportsKilledAtMomentsSpreadOverTheirLengthAreAllOrNothing) {
    const std::string import = fmt::format("{} import --symbol BTCUSDT --interval 1m --db {} {}/BTCUSDT-1m.csv.gz",
                                           kExe, db_, SPARK_SAMPLE_DIR);
    // How long a whole import takes here (a sanitizer build is several times slower): the kills
    // are spread from its start to past its end.
    const auto started = std::chrono::steady_clock::now();
    ASSERT_EQ(RunCommand(import).status, 0);
    const double whole_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    fs::remove(db_);
    fs::remove(db_ + ".wal");
    int complete = 0;
    int absent = 0;
    for (const double fraction : {0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2}) {
        RunCommand(fmt::format("{} >/dev/null 2>&1 & pid=$!; sleep {:.3f}; kill -9 $pid 2>/dev/null; wait $pid", import,
                               fraction * whole_s));
        if (!fs::exists(db_)) {  // killed before the file was created
            ++absent;
            continue;
        }
        const std::map<std::string, int64_t> bars = Bars();
        const int64_t held = bars.contains("BTCUSDT") ? bars.at("BTCUSDT") : 0;
        EXPECT_TRUE(held == 0 || held == 30000) << "after " << fraction * whole_s << " s: " << held << " bars";
        if (held == 30000) {
            ExpectVerified();
            ++complete;
            ASSERT_EQ(RunCommand(kExe + " cache delete --symbol BTCUSDT --interval 1m --db " + db_).status, 0);
        } else {
            ++absent;
        }
    }
    // Both outcomes happened: the kills landed before and after the commit.
    EXPECT_GT(complete, 0);
    EXPECT_GT(absent, 0);
}

TEST_F(Crash, AColdFetchKilledWhileWritingLeavesAMissTheNextRunFetchesAgain) {
    fs::create_directories(directory_ + "/replay");
    fs::create_symlink(std::string(SPARK_SAMPLE_DIR) + "/BTCUSDT-1h.csv.gz", directory_ + "/replay/BTCUSDT-1h.csv.gz");
    ReplayProcess replay(directory_ + "/replay");
    ASSERT_NE(replay.Port(), 0);
    const std::vector<std::string> upstream = {"--binance-base-url", replay.BaseUrl()};
    {
        setenv("SPARK_FAILPOINT", "cache-store-mid-transaction", 1);
        ServerProcess dying(directory_, /*seed=*/false, upstream);
        unsetenv("SPARK_FAILPOINT");
        ASSERT_TRUE(dying.Started()) << dying.Stderr();
        EXPECT_EQ(HttpCall(dying.Port(), "POST", "/backtest/run", kPlanRequest).status, 0);  // no answer: it died
        EXPECT_NE(dying.Stop(), 0);
    }
    ExpectVerified();  // the file opens; nothing of the fetch is there
    EXPECT_TRUE(Bars().empty());
    json answer;
    {
        ServerProcess server(directory_, /*seed=*/false, upstream);
        ASSERT_TRUE(server.Started()) << server.Stderr();
        const HttpResult cold = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
        ASSERT_EQ(cold.status, 200) << cold.body;
        answer = json::parse(cold.body);
        EXPECT_EQ(answer["bars"]["source"], "binance");
        EXPECT_EQ(answer["bars"]["count"], 168);
        EXPECT_EQ(server.Stop(), 0);
    }
    ExpectVerified();
    // The same answer as from the bundled file imported directly.
    const std::string reference_directory = directory_ + "/reference";
    fs::create_directories(reference_directory);
    ServerProcess reference(reference_directory, /*seed=*/true);
    ASSERT_TRUE(reference.Started()) << reference.Stderr();
    const json expected = json::parse(HttpCall(reference.Port(), "POST", "/backtest/run", kPlanRequest).body);
    EXPECT_EQ(answer["metrics"], expected["metrics"]);
    EXPECT_EQ(answer["trades"], expected["trades"]);
}

}  // namespace
}  // namespace spark::testing
