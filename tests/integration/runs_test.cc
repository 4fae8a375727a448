// Stored runs (docs/api.md "Stored runs"): every job's answer kept in the DuckDB file and read
// back exactly, listed with its headline metrics, deleted, exported as CSV, reported as HTML,
// and kept within SPARK_RUNS_KEEP; the audit line keeps the request so a run can be repeated.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kRun =
    R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31",
        "strategy":{"name":"sma_cross","params":{"fast":10,"slow":30}}})";
const std::string kOptimize =
    R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31","strategy":"sma_cross",
        "grid":{"fast":[5,10,15],"slow":[30,1000]},"topN":2})";

class Runs : public SeededServer {
  protected:
    static uint16_t Port() { return server_->Port(); }
};

//! CSV rows split on CRLF, the trailing empty line dropped.
std::vector<std::string> CsvLines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = text.find("\r\n", start);
        if (end == std::string::npos) break;
        lines.push_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

TEST_F(Runs, AStoredRunIsTheAnswerExactlyAndListsWithItsHeadlineMetrics) {
    const HttpResult answered = Post("/backtest/run", kRun);
    ASSERT_EQ(answered.status, 200) << answered.body;
    const json answer = Json(answered);
    const std::string run_id = answer["runId"].get<std::string>();
    ASSERT_FALSE(run_id.empty());

    const HttpResult stored = HttpCall(Port(), "GET", "/backtest/runs/" + run_id);
    ASSERT_EQ(stored.status, 200) << stored.body;
    EXPECT_EQ(stored.body, answered.body);  // byte for byte

    const json list = json::parse(HttpCall(Port(), "GET", "/backtest/runs?route=run&symbol=BTCUSDT").body);
    EXPECT_EQ(list["storing"], true);
    ASSERT_FALSE(list["runs"].empty());
    const json& first = list["runs"][0];
    EXPECT_EQ(first["runId"], run_id);
    EXPECT_EQ(first["route"], "run");
    EXPECT_EQ(first["strategy"], "sma_cross");
    EXPECT_EQ(first["timeframe"], "1h");
    EXPECT_EQ(first["totalReturn"], answer["metrics"]["totalReturn"]);
    EXPECT_EQ(first["sharpe"], answer["metrics"]["sharpe"]);
    EXPECT_EQ(first["numTrades"], answer["metrics"]["numTrades"]);
    EXPECT_TRUE(json::parse(HttpCall(Port(), "GET", "/backtest/runs?symbol=ETHUSDT").body)["runs"].empty());
    EXPECT_EQ(HttpCall(Port(), "GET", "/backtest/runs?limit=0").status, 400);
    EXPECT_EQ(HttpCall(Port(), "GET", "/backtest/runs?colour=red").status, 400);

    EXPECT_EQ(HttpCall(Port(), "DELETE", "/backtest/runs/" + run_id).status, 204);
    const HttpResult gone = HttpCall(Port(), "GET", "/backtest/runs/" + run_id);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(json::parse(gone.body)["error"]["details"]["reason"], "RUN_NOT_FOUND");
    EXPECT_EQ(HttpCall(Port(), "DELETE", "/backtest/runs/" + run_id).status, 404);
}

TEST_F(Runs, EveryJobAnswerCarriesItsRunIdAndIsStored) {
    const json optimize = Json(Post("/backtest/optimize", kOptimize));
    const json walkforward = Json(Post("/backtest/walkforward", R"({"symbol":"BTCUSDT","timeframe":"1h",
        "start":"2024-01-01","end":"2024-06-30","strategy":"sma_cross","grid":{"fast":[5,10],"slow":[30]},
        "windows":{"inSample":"60d","outOfSample":"30d"}})"));
    const json portfolio = Json(Post("/backtest/portfolio", R"({"timeframe":"1h","start":"2024-01-01",
        "end":"2024-03-31","assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"ETHUSDT","weight":0.5}]})"));
    for (const json* answer : {&optimize, &walkforward, &portfolio}) {
        ASSERT_TRUE(answer->contains("runId")) << answer->dump().substr(0, 300);
        const HttpResult stored = HttpCall(Port(), "GET", "/backtest/runs/" + (*answer)["runId"].get<std::string>());
        ASSERT_EQ(stored.status, 200);
        EXPECT_EQ(json::parse(stored.body), *answer);
    }
    const json list = json::parse(HttpCall(Port(), "GET", "/backtest/runs?route=optimize").body);
    ASSERT_EQ(list["runs"].size(), 1u);
    EXPECT_EQ(list["runs"][0]["totalReturn"], optimize["best"]["metrics"]["totalReturn"]);

    // Every evaluated combination as CSV, not only the top 2: 3 x 2 combinations.
    const std::string id = optimize["runId"].get<std::string>();
    const HttpResult combinations = HttpCall(Port(), "GET", "/backtest/runs/" + id + "/combinations.csv");
    ASSERT_EQ(combinations.status, 200) << combinations.body;
    const auto lines = CsvLines(combinations.body);
    ASSERT_EQ(lines.size(), 7u) << combinations.body;
    EXPECT_EQ(lines[0].rfind("fast,slow,", 0), 0u) << lines[0];
    const std::string run_id = portfolio["runId"].get<std::string>();
    EXPECT_EQ(HttpCall(Port(), "GET", "/backtest/runs/" + run_id + "/combinations.csv").status, 400);
}

TEST_F(Runs, TradesAndEquityExportAsCsvWithIsoAndEpochTimes) {
    const json answer = Json(Post("/backtest/run", kRun));
    const std::string id = answer["runId"].get<std::string>();
    const HttpResult trades = HttpCall(Port(), "GET", "/backtest/runs/" + id + "/trades.csv");
    ASSERT_EQ(trades.status, 200) << trades.body;
    const auto lines = CsvLines(trades.body);
    ASSERT_EQ(lines.size(), answer["trades"].size() + 1);
    EXPECT_NE(lines[0].find("entryTime"), std::string::npos);
    const json& t0 = answer["trades"][0];
    EXPECT_NE(lines[1].find(std::to_string(t0["entryTime"].get<int64_t>())), std::string::npos) << lines[1];
    EXPECT_NE(lines[1].find("2024-01-"), std::string::npos) << lines[1];  // ISO-8601 UTC beside the epoch ms

    const HttpResult equity = HttpCall(Port(), "GET", "/backtest/runs/" + id + "/equity.csv");
    ASSERT_EQ(equity.status, 200);
    EXPECT_EQ(CsvLines(equity.body).size(), answer["equity"].size() + 1);
    EXPECT_EQ(CsvLines(equity.body)[1].rfind("2024-01-01T00:00:00Z,1704067200000,", 0), 0u);

    // The run route itself answers CSV when asked, and still stores the JSON answer.
    const HttpResult csv = HttpCall(Port(), "POST", "/backtest/run", kRun, {{"Accept", "text/csv"}});
    ASSERT_EQ(csv.status, 200);
    EXPECT_EQ(CsvLines(csv.body), lines);
    const json list = json::parse(HttpCall(Port(), "GET", "/backtest/runs?limit=1").body);
    const json stored =
        json::parse(HttpCall(Port(), "GET", "/backtest/runs/" + list["runs"][0]["runId"].get<std::string>()).body);
    EXPECT_EQ(stored["metrics"], answer["metrics"]);
}

TEST_F(Runs, TheTearsheetIsOneSelfContainedHtmlFile) {
    const json answer = Json(Post("/backtest/run", kRun));
    const HttpResult report =
        HttpCall(Port(), "GET", "/backtest/runs/" + answer["runId"].get<std::string>() + "/report");
    ASSERT_EQ(report.status, 200) << report.body;
    EXPECT_EQ(report.body.rfind("<!DOCTYPE html>", 0), 0u) << report.body.substr(0, 100);
    EXPECT_EQ(report.body.find("http://"), std::string::npos);
    EXPECT_EQ(report.body.find("https://"), std::string::npos);
    EXPECT_EQ(report.body.find("<script"), std::string::npos);
    EXPECT_NE(report.body.find("<svg"), std::string::npos);
    EXPECT_NE(report.body.find("sma_cross"), std::string::npos);

    const std::string id = answer["runId"].get<std::string>();
    const HttpResult bars = HttpCall(Port(), "GET", "/backtest/runs/" + id + "/bars.json");
    ASSERT_EQ(bars.status, 200);
    EXPECT_EQ(json::parse(bars.body)["bars"].size(), answer["bars"]["count"]);
    // Only the run's own bars: another symbol is refused, never fetched.
    const HttpResult other = HttpCall(Port(), "GET", "/backtest/runs/" + id + "/bars.json?symbol=ETHUSDT");
    EXPECT_EQ(other.status, 400);
    EXPECT_EQ(json::parse(other.body)["error"]["details"]["field"], "symbol");
}

TEST_F(Runs, TheAuditLineKeepsTheRequestSoTheRunCanBeRepeated) {
    const json answer = Json(Post("/backtest/run", kRun));
    const json recent = json::parse(HttpCall(Port(), "GET", "/audit/recent?limit=1").body);
    ASSERT_EQ(recent["runs"].size(), 1u);
    const json& line = recent["runs"][0];
    EXPECT_EQ(line["runId"], answer["runId"]);
    EXPECT_EQ(line["request"], json::parse(kRun));
    const json again = Json(Post("/backtest/run", line["request"].dump()));
    EXPECT_EQ(again["metrics"], answer["metrics"]);
    EXPECT_EQ(again["trades"], answer["trades"]);
}

TEST(RunsStandIns, DeterministicAnswersComputedNothingAndAreNotStored) {
    const std::string directory = MakeTempDirectory("runs-stand-ins");
    {
        ServerProcess server(directory, /*seed=*/true, {"--real-routes", "run"});
        ASSERT_TRUE(server.Started()) << server.Stderr();
        ASSERT_EQ(HttpCall(server.Port(), "POST", "/backtest/optimize", kOptimize).status, 200);
        ASSERT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kRun).status, 200);
        const json list = json::parse(HttpCall(server.Port(), "GET", "/backtest/runs").body);
        ASSERT_EQ(list["runs"].size(), 1u) << list;
        EXPECT_EQ(list["runs"][0]["route"], "run");
    }
    fs::remove_all(directory);
}

TEST(RunsRetention, OnlyTheNewestAreKeptAndZeroStoresNothing) {
    const std::string directory = MakeTempDirectory("runs-retention");
    {
        ServerProcess server(directory, /*seed=*/true, {"--runs-keep", "2"});
        ASSERT_TRUE(server.Started()) << server.Stderr();
        std::vector<std::string> ids;
        for (int i = 0; i < 3; ++i) {
            const HttpResult r = HttpCall(server.Port(), "POST", "/backtest/run", kRun);
            ASSERT_EQ(r.status, 200);
            ids.push_back(json::parse(r.body)["runId"].get<std::string>());
        }
        EXPECT_EQ(server.Stop(), 0);  // writes what is queued
        ServerProcess again(directory, /*seed=*/false, {"--runs-keep", "2"});
        ASSERT_TRUE(again.Started()) << again.Stderr();
        const json list = json::parse(HttpCall(again.Port(), "GET", "/backtest/runs").body);
        ASSERT_EQ(list["runs"].size(), 2u) << list;
        EXPECT_EQ(list["runs"][0]["runId"], ids[2]);
        EXPECT_EQ(list["runs"][1]["runId"], ids[1]);
        EXPECT_EQ(HttpCall(again.Port(), "GET", "/backtest/runs/" + ids[0]).status, 404);
    }
    {
        ServerProcess off(directory, /*seed=*/false, {"--runs-keep", "0"});
        ASSERT_TRUE(off.Started()) << off.Stderr();
        const HttpResult r = HttpCall(off.Port(), "POST", "/backtest/run", kRun);
        ASSERT_EQ(r.status, 200);
        const json list = json::parse(HttpCall(off.Port(), "GET", "/backtest/runs").body);
        EXPECT_EQ(list["storing"], false);
        EXPECT_TRUE(list["runs"].empty());
        EXPECT_EQ(
            HttpCall(off.Port(), "GET", "/backtest/runs/" + json::parse(r.body)["runId"].get<std::string>()).status,
            404);
    }
    fs::remove_all(directory);
}

}  // namespace
}  // namespace spark::testing
