// POST /backtest/portfolio against the real server.
#include <gtest/gtest.h>

#include <cmath>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Portfolio : public SeededServer {};

TEST_F(Portfolio, ThreeAssetsWithMonthlyRebalancing) {
    const json request = {{"assets",
                           {{{"symbol", "BTCUSDT"}, {"weight", 0.5}},
                            {{"symbol", "ETHUSDT"}, {"weight", 0.3}, {"strategy", {{"name", "ema_cross"}}}},
                            {{"symbol", "SOLUSDT"}, {"weight", 0.2}}}},
                          {"timeframe", "1h"},
                          {"start", "2024-01-01"},
                          {"end", "2024-12-31"},
                          {"rebalance", "monthly"}};
    const HttpResult result = Post("/backtest/portfolio", request.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["timeline"]["bars"], 8784);
    EXPECT_EQ(body["rebalancing"]["rebalances"], 11);
    EXPECT_GT(body["rebalancing"]["turnover"].get<double>(), 0);
    EXPECT_GT(body["rebalancing"]["fees"].get<double>(), 0);
    double contributions = 0;
    for (const json& asset : body["assets"]) contributions += asset["contribution"].get<double>();
    EXPECT_NEAR(contributions, body["metrics"]["totalReturn"].get<double>(), 1e-12);
    EXPECT_EQ(body["request"]["assets"][0]["strategy"]["name"], "buy_and_hold");
    // The echo is a portfolio request: the symbols are the assets', none at the top level.
    EXPECT_FALSE(body["request"].contains("symbol")) << body["request"].dump();
    EXPECT_EQ(body["request"]["assets"][0]["symbol"], "BTCUSDT");
    EXPECT_EQ(body["request"]["assets"][1]["symbol"], "ETHUSDT");
    EXPECT_EQ(body["request"]["assets"][2]["symbol"], "SOLUSDT");
    EXPECT_EQ(body["request"]["timeframe"], "1h");
    EXPECT_EQ(body["request"]["rebalance"], "monthly");
    EXPECT_EQ(body["correlation"]["matrix"].size(), 3u);
    EXPECT_EQ(body["equity"].size(), 8784u);
    EXPECT_EQ(body["equity"].back()[1], body["metrics"]["finalEquity"]);
}

TEST_F(Portfolio, EachSleevesEquityCurveAddsUpToThePortfolios) {
    const json request = {{"assets",
                           {{{"symbol", "BTCUSDT"}, {"weight", 0.6}},
                            {{"symbol", "ETHUSDT"}, {"weight", 0.4}, {"strategy", {{"name", "ema_cross"}}}}}},
                          {"timeframe", "1h"},
                          {"start", "2024-01-01"},
                          {"end", "2024-03-31"},
                          {"rebalance", "weekly"}};
    const json body = Json(Post("/backtest/portfolio", request.dump()));
    const json& equity = body["equity"];
    ASSERT_EQ(body["assets"][0]["equity"].size(), equity.size());
    ASSERT_EQ(body["assets"][1]["equity"].size(), equity.size());
    for (size_t u = 0; u < equity.size(); ++u) {
        const double sum =
            body["assets"][0]["equity"][u][1].get<double>() + body["assets"][1]["equity"][u][1].get<double>();
        ASSERT_NEAR(sum, equity[u][1].get<double>(), 1e-9 * equity[u][1].get<double>()) << u;
        ASSERT_EQ(body["assets"][0]["equity"][u][0], equity[u][0]);
    }
    EXPECT_NEAR(body["assets"][0]["equity"][0][1].get<double>(), 6000, 1e-6);  // 60 % of 10,000 at the start
}

TEST_F(Portfolio, TheRealGapOf2023_03_24) {
    const json request = {
        {"assets", {{{"symbol", "BTCUSDT"}, {"weight", 0.5}}, {{"symbol", "ETHUSDT"}, {"weight", 0.5}}}},
        {"timeframe", "1h"},
        {"start", "2023-03-01"},
        {"end", "2023-03-31"},
        {"rebalance", "daily"}};
    const json body = Json(Post("/backtest/portfolio", request.dump()));
    ASSERT_TRUE(body.contains("assets")) << body.dump();
    EXPECT_EQ(body["timeline"]["bars"], 743);  // both miss 13:00Z, so the union does too
    for (const json& asset : body["assets"]) {
        EXPECT_EQ(asset["bars"]["missing"], 1);
        EXPECT_EQ(asset["bars"]["missingOpenTimes"], json::array({1679662800000}));
        EXPECT_EQ(asset["missingOnTimeline"], 0);
    }
    EXPECT_EQ(body["rebalancing"]["rebalances"], 30);
}

TEST_F(Portfolio, WeightsAndAssetsAreValidated) {
    const std::string tail = R"(,"timeframe":"1h","start":"2024-01-01","end":"2024-01-31"})";
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {R"({"assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"ETHUSDT","weight":0.4}])" + tail, "assets",
         "WEIGHTS_DO_NOT_SUM_TO_ONE"},
        {R"({"assets":[{"symbol":"BTCUSDT","weight":1.2},{"symbol":"ETHUSDT","weight":-0.2}])" + tail,
         "assets[0].weight", "OUT_OF_RANGE"},
        {R"({"assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"BTCUSDT","weight":0.5}])" + tail,
         "assets[1].symbol", "DUPLICATE_SYMBOL"},
        {R"({"assets":[{"symbol":"BTCUSDT","weight":1,"strategy":{"name":"nope"}}])" + tail, "assets[0].strategy.name",
         "UNKNOWN_STRATEGY"},
        {R"({"assets":[])" + tail, "assets", "WRONG_TYPE"},
        {R"({"assets":[{"symbol":"BTCUSDT","weight":1}],"rebalance":"hourly")" + tail, "rebalance", "OUT_OF_RANGE"},
    };
    for (const auto& [body, field, reason] : cases) {
        const HttpResult result = Post("/backtest/portfolio", body);
        ASSERT_EQ(result.status, 400) << body << " -> " << result.body;
        EXPECT_EQ(Json(result)["error"]["details"]["field"], field) << body;
        EXPECT_EQ(Json(result)["error"]["details"]["reason"], reason) << body;
    }
    const HttpResult weights_within_tolerance = Post(
        "/backtest/portfolio",
        R"({"assets":[{"symbol":"BTCUSDT","weight":0.3333333333333333},{"symbol":"ETHUSDT","weight":0.6666666666666667}])" +
            tail);
    EXPECT_EQ(weights_within_tolerance.status, 200) << weights_within_tolerance.body;
    const HttpResult missing = Post("/backtest/portfolio", R"({"assets":[{"symbol":"XRPUSDT","weight":1}])" + tail);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(Json(missing)["error"]["details"]["field"], "assets[0].symbol");
}

}  // namespace
}  // namespace spark::testing
