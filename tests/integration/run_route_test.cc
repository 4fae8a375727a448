#include <gtest/gtest.h>

#include <future>
#include <vector>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class RunRoute : public SeededServer {};

TEST_F(RunRoute, ThePlansRequestAnswersFromTheCache) {
    const HttpResult result = Post("/backtest/run", kPlanRequest);
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.content_type, "application/json");
    const json body = Json(result);
    EXPECT_EQ(body["runId"].get<std::string>().rfind("run_", 0), 0u);
    EXPECT_EQ(body["bars"]["count"], 168);
    EXPECT_EQ(body["bars"]["expected"], 168);
    EXPECT_EQ(body["bars"]["missing"], 0);
    EXPECT_EQ(body["bars"]["source"], "cache");
    EXPECT_EQ(body["bars"]["cacheHit"], true);
    EXPECT_EQ(body["bars"]["firstOpenTime"], 1704067200000);
    EXPECT_EQ(body["bars"]["lastOpenTime"], 1704668400000);
    EXPECT_EQ(body["request"]["strategy"]["name"], "sma_cross");
    EXPECT_EQ(body["request"]["strategy"]["params"]["fast"], 10);
    EXPECT_EQ(body["request"]["strategy"]["params"]["slow"], 30);
    EXPECT_EQ(body["request"]["feeBps"], 10);
    EXPECT_EQ(body["request"]["endTimeExclusive"], 1704672000000);
    EXPECT_EQ(body["semantics"]["fill"], "next_open");
    EXPECT_EQ(body["semantics"]["periodsPerYear"], 8760);
    ASSERT_EQ(body["equity"].size(), 168u);
    EXPECT_EQ(body["equity"][0][0], 1704067200000);
    EXPECT_EQ(body["equity"][0][1], 10000);
    for (const char* name :
         {"totalReturn", "finalEquity", "cagr", "sharpe", "sortino", "calmar", "volatility", "maxDrawdown",
          "maxDrawdownDurationBars", "numTrades", "winRate", "profitFactor", "avgTradeReturn", "bestTrade",
          "worstTrade", "exposure", "totalFees", "buyAndHoldReturn"}) {
        ASSERT_TRUE(body["metrics"].contains(name)) << name;
        EXPECT_TRUE(body["metrics"][name].is_number() ||
                    (std::string(name) == "profitFactor" && body["metrics"][name].is_null()))
            << name;
    }
    EXPECT_EQ(body["metrics"]["finalEquity"], body["equity"][167][1]);
    for (const char* t : {"loadMs", "computeMs", "totalMs"}) EXPECT_TRUE(body["timing"][t].is_number()) << t;
}

TEST_F(RunRoute, IncludeEquityFalseOmitsTheCurve) {
    const HttpResult result = Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01",
        "end":"2024-01-07","includeEquity":false})");
    ASSERT_EQ(result.status, 200);
    EXPECT_FALSE(Json(result).contains("equity"));
}

TEST_F(RunRoute, ReportsTheRealGapOf2023_03_24) {
    const HttpResult result = Post("/backtest/run", R"({"symbol":"ETHUSDT","timeframe":"1h","start":"2023-03-24",
        "end":"2023-03-24","strategy":{"name":"buy_and_hold"}})");
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["bars"]["count"], 23);
    EXPECT_EQ(body["bars"]["expected"], 24);
    EXPECT_EQ(body["bars"]["missing"], 1);
    EXPECT_EQ(body["bars"]["missingOpenTimes"], json::array({1679662800000}));
    EXPECT_EQ(body["bars"]["cacheHit"], true);  // a known gap, not a miss
}

TEST_F(RunRoute, OneMinuteBarsAndOtherSymbols) {
    HttpResult result = Post("/backtest/run", R"({"symbol":"ETHUSDT","timeframe":"1m","start":"2024-01-01",
        "end":"2024-01-03T12:00:00Z","strategy":{"name":"sma_cross","params":{"fast":20,"slow":60}}})");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(Json(result)["bars"]["count"], 3600);
    EXPECT_EQ(Json(result)["semantics"]["periodsPerYear"], 525600);
    result = Post("/backtest/run", R"({"symbol":"SOLUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-12-31"})");
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(Json(result)["bars"]["count"], 8784);
}

TEST_F(RunRoute, AbsentDataIsDataNotFound) {
    const HttpResult result = Post("/backtest/run", R"({"symbol":"XRPUSDT","timeframe":"1h","start":"2024-01-01",
        "end":"2024-01-07"})");
    EXPECT_EQ(result.status, 404);
    EXPECT_EQ(Json(result)["error"]["code"], "DATA_NOT_FOUND");
}

// The sample cache starts on 2023-01-01: 96 hourly bars exist before 2023-01-05, not 500. A run
// must not quietly start its indicators cold (it changed ema_cross 5/60 from 7 to 8 trades).
TEST_F(RunRoute, AWarmUpThatCannotBeLoadedInFullFailsUnlessBestEffortIsAsked) {
    json request = {{"symbol", "BTCUSDT"},
                    {"timeframe", "1h"},
                    {"start", "2023-01-05"},
                    {"end", "2023-03-01"},
                    {"warmupBars", 500},
                    {"includeEquity", false},
                    {"strategy", {{"name", "ema_cross"}, {"params", {{"fast", 5}, {"slow", 60}}}}}};
    const HttpResult strict = Post("/backtest/run", request.dump());
    ASSERT_EQ(strict.status, 404) << strict.body;
    const json error = Json(strict)["error"];
    EXPECT_EQ(error["code"], "DATA_NOT_FOUND");
    EXPECT_EQ(error["details"]["field"], "warmupBars");
    EXPECT_EQ(error["details"]["reason"], "WARMUP_UNAVAILABLE");
    EXPECT_NE(error["message"].get<std::string>().find("only 96 of the 500"), std::string::npos) << error;
    EXPECT_NE(error["message"].get<std::string>().find("best_effort"), std::string::npos) << error;

    request["warmup"] = "best_effort";
    const HttpResult best = Post("/backtest/run", request.dump());
    ASSERT_EQ(best.status, 200) << best.body;
    const json body = Json(best);
    EXPECT_EQ(body["warmupBars"], 96);
    EXPECT_EQ(body["request"]["warmup"], "best_effort");
    ASSERT_EQ(body["warnings"].size(), 1u);
    EXPECT_EQ(body["warnings"][0]["code"], "WARMUP_SHORT");

    // A warm-up the cache holds in full is silent, and the strict default is echoed.
    request["warmupBars"] = 96;
    request.erase("warmup");
    const json full = Json(Post("/backtest/run", request.dump()));
    EXPECT_EQ(full["warmupBars"], 96);
    EXPECT_EQ(full["request"]["warmup"], "strict");
    EXPECT_EQ(full["warnings"], json::array());
    EXPECT_EQ(full["trades"], body["trades"]);

    request["warmup"] = "sometimes";
    const HttpResult bad = Post("/backtest/run", request.dump());
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(Json(bad)["error"]["details"]["field"], "warmup");
}

TEST_F(RunRoute, KeepAliveServesSeveralRequestsOnOneConnection) {
    HttpConnection connection(server_->Port());
    for (int i = 0; i < 3; ++i) {
        const HttpResult result = connection.Call("POST", "/backtest/run", kPlanRequest);
        ASSERT_EQ(result.status, 200) << "request " << i;
        EXPECT_NE(result.connection, "close");
    }
    EXPECT_EQ(connection.Call("GET", "/healthz").status, 200);
}

TEST_F(RunRoute, ConcurrentRunsAgreeByteForByteBesidesIdsAndTimings) {
    auto strip = [](json body) {
        body.erase("runId");
        body.erase("timing");
        return body.dump();
    };
    const std::string reference = strip(Json(Post("/backtest/run", kPlanRequest)));
    std::vector<std::future<bool>> clients;
    for (int c = 0; c < 8; ++c) {
        clients.push_back(std::async(std::launch::async, [&] {
            HttpConnection connection(server_->Port());
            for (int i = 0; i < 10; ++i) {
                const HttpResult r = connection.Call("POST", "/backtest/run", kPlanRequest);
                if (r.status != 200 || strip(json::parse(r.body)) != reference) return false;
            }
            return true;
        }));
    }
    for (auto& client : clients) EXPECT_TRUE(client.get());
}

TEST_F(RunRoute, ProbesAndVersion) {
    EXPECT_EQ(Get("/healthz").status, 200);
    const HttpResult ready = Get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(Json(ready)["status"], "ready");
    const json version = Json(Get("/version"));
    EXPECT_EQ(version["name"], "spark-executor");
    EXPECT_EQ(version["duckdb"], "v1.4.4");
    EXPECT_EQ(version["config"]["workers"], "2");
    // Every Binance setting is shown, the connect timeout included (defaults: 10 s and 3 s).
    EXPECT_EQ(version["config"]["binanceTimeoutMs"], "10000");
    EXPECT_EQ(version["config"]["binanceConnectTimeoutMs"], "3000");
}

}  // namespace
}  // namespace spark::testing

namespace spark::testing {
namespace {

TEST_F(RunRoute, PartlyLoadedRangesSayWhatIsUnknown) {
    // The sample starts on 2023-01-01: December 2022 was never loaded.
    const HttpResult result = Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2022-12-31",
        "end":"2023-01-01"})");
    ASSERT_EQ(result.status, 200) << result.body;
    const nlohmann::json body = Json(result);
    EXPECT_EQ(body["bars"]["count"], 24);
    EXPECT_EQ(body["bars"]["expected"], 48);
    // `missing` is expected - count: it includes the 24 never-loaded slots of the uncovered day
    // (unknown, not exchange gaps), and so does missingOpenTimes (docs/api.md, bars).
    EXPECT_EQ(body["bars"]["missing"], 24);
    EXPECT_EQ(body["bars"]["missingOpenTimes"].size(), 24u);
    EXPECT_EQ(body["bars"]["missingOpenTimes"][0], 1672444800000);
    EXPECT_EQ(body["bars"]["cacheHit"], false);
    EXPECT_EQ(body["bars"]["uncoveredRanges"], nlohmann::json::parse("[[1672444800000,1672531200000]]"));
    // Not silently: the answer says the result stands on half the range (and that 24 bars are
    // fewer than sma_cross's lookback).
    ASSERT_EQ(body["warnings"].size(), 2u) << body["warnings"];
    EXPECT_EQ(body["warnings"][0]["code"], "RANGE_NOT_LOADED");
    EXPECT_NE(body["warnings"][0]["message"].get<std::string>().find(
                  "24 of the range's 48 bars were never loaded (first from 2022-12-31T00:00:00Z)"),
              std::string::npos)
        << body["warnings"];
}

TEST_F(RunRoute, ATimeframeTheCacheLacksIsBuiltFromTheFinestOneThatCoversIt) {
    // The cache holds BTCUSDT 1m (2024-01-01 .. 01-21) and 1h (2023-2024), never 4h, 1d or 1w.
    const nlohmann::json january = Json(Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"4h",
        "start":"2024-01-01","end":"2024-01-31"})"));
    EXPECT_EQ(january["bars"]["source"], "resampled");
    EXPECT_EQ(january["bars"]["resampledFrom"], "1h");  // the minutes stop on the 21st
    EXPECT_EQ(january["bars"]["count"], 186);
    EXPECT_EQ(january["bars"]["missing"], 0);
    EXPECT_EQ(january["bars"]["cacheHit"], true);
    ASSERT_EQ(january["warnings"].size(), 1u) << january["warnings"];
    EXPECT_EQ(january["warnings"][0]["code"], "RESAMPLED");
    // Inside the minutes' span the finest wins; built from 1m or from 1h, the bars are the same.
    const char* early = R"({"symbol":"BTCUSDT","timeframe":"1d","start":"2024-01-02","end":"2024-01-19",
        "strategy":{"name":"sma_cross","params":{"fast":2,"slow":5}}})";
    const nlohmann::json from_minutes = Json(Post("/backtest/run", early));
    EXPECT_EQ(from_minutes["bars"]["resampledFrom"], "1m");
    EXPECT_EQ(from_minutes["bars"]["count"], 18);
    const nlohmann::json later = Json(Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1d",
        "start":"2024-01-02","end":"2024-01-25","strategy":{"name":"sma_cross","params":{"fast":2,"slow":5}}})"));
    EXPECT_EQ(later["bars"]["resampledFrom"], "1h");
    EXPECT_EQ(later["trades"][0], from_minutes["trades"][0]);  // the first trade closes before the 19th
    // Weeks open on Mondays: 2024-01-01 was one.
    const nlohmann::json weeks = Json(Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"1w",
        "start":"2024-01-01","end":"2024-03-31"})"));
    EXPECT_EQ(weeks["bars"]["firstOpenTime"], 1704067200000);
    EXPECT_EQ(weeks["bars"]["count"], 13);
    // A range the cache covers in no timeframe is still a miss (no upstream here: 404).
    EXPECT_EQ(Post("/backtest/run", R"({"symbol":"BTCUSDT","timeframe":"4h","start":"2022-06-01",
        "end":"2022-06-30"})")
                  .status,
              404);
}

TEST_F(RunRoute, ExchangeGapsInsideTheRangeAreWarnedAbout) {
    // 2023-03-24T13:00Z is missing from Binance's own data (data/sample/README.md).
    const char* body = R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2023-03-20","end":"2023-03-30"})";
    const nlohmann::json run = Json(Post("/backtest/run", body));
    ASSERT_EQ(run["warnings"].size(), 1u) << run["warnings"];
    EXPECT_EQ(run["warnings"][0]["code"], "BARS_MISSING");
    EXPECT_NE(run["warnings"][0]["message"].get<std::string>().find(
                  "1 of the range's 264 bars do not exist on the exchange (gaps in its data, the first at "
                  "2023-03-24T13:00:00Z)"),
              std::string::npos)
        << run["warnings"];
    // Every route says so, not only /backtest/run.
    const nlohmann::json optimize = Json(Post("/backtest/optimize", R"({"symbol":"BTCUSDT","timeframe":"1h",
        "start":"2023-03-20","end":"2023-03-30","strategy":"sma_cross","grid":{"fast":[5],"slow":[20]}})"));
    EXPECT_EQ(optimize["warnings"][0]["code"], "BARS_MISSING") << optimize["warnings"];
    const nlohmann::json portfolio = Json(Post("/backtest/portfolio", R"({"timeframe":"1h","start":"2023-03-20",
        "end":"2023-03-30","assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"ETHUSDT","weight":0.5}]})"));
    ASSERT_EQ(portfolio["warnings"].size(), 2u) << portfolio["warnings"];
    EXPECT_NE(portfolio["warnings"][0]["message"].get<std::string>().find("assets[0] (BTCUSDT): 1 of"),
              std::string::npos);
    // A range without gaps has none.
    EXPECT_TRUE(Json(Post("/backtest/run", kPlanRequest))["warnings"].empty());
}

}  // namespace
}  // namespace spark::testing

namespace spark::testing {
namespace {

TEST_F(RunRoute, StrategiesAreListedWithTheirSchemas) {
    const HttpResult result = Get("/strategies");
    ASSERT_EQ(result.status, 200);
    const nlohmann::json body = Json(result);
    std::vector<std::string> names;
    for (const auto& s : body["strategies"]) names.push_back(s["name"]);
    EXPECT_EQ(names, (std::vector<std::string>{"sma_cross", "ema_cross", "macd_cross", "rsi_reversion",
                                               "bollinger_reversion", "donchian_breakout", "buy_and_hold"}));
    const nlohmann::json& sma = body["strategies"][0];
    EXPECT_EQ(sma["constraint"], "fast < slow");
    EXPECT_EQ(sma["params"][0]["name"], "fast");
    EXPECT_EQ(sma["params"][0]["type"], "integer");
    EXPECT_EQ(sma["params"][0]["default"], 10);
    EXPECT_EQ(sma["params"][0]["min"], 1);
    EXPECT_EQ(sma["params"][0]["max"], 10000);
    EXPECT_TRUE(body["strategies"][6]["constraint"].is_null());
}

TEST_F(RunRoute, EveryStrategyRunsWithShortsAndStops) {
    for (const char* name : {"sma_cross", "ema_cross", "macd_cross", "rsi_reversion", "bollinger_reversion",
                             "donchian_breakout", "buy_and_hold"}) {
        const nlohmann::json request = {{"symbol", "ETHUSDT"}, {"timeframe", "1h"},     {"start", "2024-01-01"},
                                        {"end", "2024-06-30"}, {"strategy", name},      {"allowShort", true},
                                        {"stopLossPct", 0.03}, {"takeProfitPct", 0.06}, {"includeEquity", false}};
        const HttpResult result = Post("/backtest/run", request.dump());
        ASSERT_EQ(result.status, 200) << name << ": " << result.body;
        const nlohmann::json body = Json(result);
        EXPECT_EQ(body["semantics"]["sides"], "long-short");
        EXPECT_EQ(body["request"]["stopLossPct"], 0.03);
        for (const auto& trade : body["trades"]) {
            const std::string reason = trade["exitReason"];
            EXPECT_TRUE(reason == "signal" || reason == "stop_loss" || reason == "take_profit" || reason == "end")
                << reason;
        }
    }
}

}  // namespace
}  // namespace spark::testing
