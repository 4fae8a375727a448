// POST /backtest/walkforward against the real server.
#include <gtest/gtest.h>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class WalkForward : public SeededServer {};

json Request() {
    return {{"symbol", "BTCUSDT"},
            {"timeframe", "1h"},
            {"start", "2023-01-01"},
            {"end", "2023-12-31"},
            {"strategy", "sma_cross"},
            {"grid", {{"fast", {5, 10, 20}}, {"slow", {{"from", 30}, {"to", 90}, {"step", 30}}}}},
            {"windows", {{"inSample", "60d"}, {"outOfSample", "30d"}}}};
}

TEST_F(WalkForward, FoldsVerdictAndStitchedCurve) {
    const HttpResult result = Post("/backtest/walkforward", Request().dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["request"]["windows"]["inSample"], 1440);  // 60 days of hours
    EXPECT_EQ(body["request"]["windows"]["step"], 720);
    EXPECT_EQ(body["request"]["threshold"], 0.6);
    const json& folds = body["folds"];
    ASSERT_EQ(folds.size(), 10u);  // (8759 - 1440) / 720 whole folds
    size_t oos_bars = 0;
    for (size_t k = 0; k < folds.size(); ++k) {
        EXPECT_EQ(folds[k]["fold"], k + 1);  // numbered from 1 (docs/walkforward.md, Folds)
        EXPECT_EQ(folds[k]["inSample"]["endExclusive"], folds[k]["outOfSample"]["start"]);
        if (k > 0) {
            EXPECT_EQ(folds[k]["outOfSample"]["start"], folds[k - 1]["outOfSample"]["endExclusive"]);
        }
        oos_bars += folds[k]["outOfSample"]["bars"].get<size_t>();
        EXPECT_EQ(folds[k]["evaluated"], 9);
    }
    EXPECT_EQ(body["outOfSample"]["equity"].size(), oos_bars);
    const json& verdict = body["verdict"];
    ASSERT_TRUE(verdict["efficiency"].is_number()) << verdict.dump();
    EXPECT_EQ(verdict["pass"], verdict["efficiency"].get<double>() >= 0.6);
    EXPECT_FALSE(verdict["reason"].get<std::string>().empty());
    EXPECT_TRUE(body["stability"]["params"].contains("fast"));
}

// A fold's out-of-sample result is a /backtest/run of its parameters on its window, with its
// in-sample bars as warm-up.
TEST_F(WalkForward, AFoldIsARunWithTheSameWarmUp) {
    const json body = Json(Post("/backtest/walkforward", Request().dump()));
    for (const size_t k : {0u, 4u, 9u}) {
        const json& fold = body["folds"][k];
        const json run = {{"symbol", "BTCUSDT"},
                          {"timeframe", "1h"},
                          {"start", fold["outOfSample"]["start"]},
                          {"end", fold["outOfSample"]["endExclusive"]},
                          {"strategy", {{"name", "sma_cross"}, {"params", fold["params"]}}},
                          {"warmupBars", fold["inSample"]["bars"]},
                          {"includeEquity", false}};
        const HttpResult result = Post("/backtest/run", run.dump());
        ASSERT_EQ(result.status, 200) << result.body;
        const json single = Json(result);
        EXPECT_EQ(single["warmupBars"], fold["inSample"]["bars"]);
        EXPECT_EQ(single["metrics"], fold["outOfSampleMetrics"]) << "fold " << k;
        EXPECT_EQ(single["trades"], fold["trades"]) << "fold " << k;
    }
}

TEST_F(WalkForward, ThresholdFromTheRequest) {
    json request = Request();
    request["threshold"] = -50;
    const json body = Json(Post("/backtest/walkforward", request.dump()));
    EXPECT_EQ(body["verdict"]["threshold"], -50);
    if (!body["verdict"]["efficiency"].is_null()) {
        EXPECT_EQ(body["verdict"]["pass"], true);
    }
}

TEST_F(WalkForward, AnchoredMode) {
    json request = Request();
    request["windows"]["mode"] = "anchored";
    const json body = Json(Post("/backtest/walkforward", request.dump()));
    ASSERT_TRUE(body.contains("folds")) << body.dump();
    const int64_t first = body["folds"][0]["inSample"]["start"];
    for (const json& fold : body["folds"]) EXPECT_EQ(fold["inSample"]["start"], first);
    EXPECT_GT(body["folds"][9]["inSample"]["bars"].get<int>(), body["folds"][0]["inSample"]["bars"].get<int>());
}

TEST_F(WalkForward, WindowsThatDoNotFit) {
    json request = Request();
    request["windows"] = {{"inSample", "300d"}, {"outOfSample", "90d"}};
    const HttpResult result = Post("/backtest/walkforward", request.dump());
    ASSERT_EQ(result.status, 400);
    const json error = Json(result)["error"];
    EXPECT_EQ(error["details"]["reason"], "RANGE_TOO_SHORT");
    EXPECT_EQ(error["details"]["barsNeeded"], 9360);
    EXPECT_EQ(error["details"]["barsAvailable"], 8759);
    request["windows"] = {{"inSample", "60d"}, {"outOfSample", "30d"}, {"step", "10d"}};
    const HttpResult overlapping = Post("/backtest/walkforward", request.dump());
    ASSERT_EQ(overlapping.status, 400);
    EXPECT_EQ(Json(overlapping)["error"]["details"]["field"], "windows.step");
    request["windows"] = {{"inSample", "60d"}, {"outOfSample", "30d"}};
    request["topN"] = 3;
    EXPECT_EQ(Post("/backtest/walkforward", request.dump()).status, 400);
    request.erase("topN");
    for (const json& windows :
         {json{{"inSample", "60d"}}, json{{"inSample", "7x"}, {"outOfSample", 10}},
          json{{"inSample", 0}, {"outOfSample", 10}}, json{{"inSample", 100}, {"outOfSample", 10}, {"mode", "sliding"}},
          json{{"inSample", "90m"}, {"outOfSample", 10}}}) {
        request["windows"] = windows;
        EXPECT_EQ(Post("/backtest/walkforward", request.dump()).status, 400) << windows.dump();
    }
}

}  // namespace
}  // namespace spark::testing
