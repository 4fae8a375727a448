// Trailing stops, ATR levels, time exits and sizing through every backtesting route of the real
// server: gridded in optimize, chosen per fold in walk-forward, per sleeve in a portfolio, each
// equal to the matching single run.
#include <gtest/gtest.h>

#include <set>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class ExitOptions : public SeededServer {};

json RunBody() {
    return {{"symbol", "BTCUSDT"},
            {"timeframe", "1h"},
            {"start", "2024-01-01"},
            {"end", "2024-06-30"},
            {"strategy", {{"name", "ema_cross"}, {"params", {{"fast", 12}, {"slow", 26}}}}},
            {"allowShort", true},
            {"includeEquity", false}};
}

TEST_F(ExitOptions, ARunEchoesTheOptionsStatesTheRulesAndNamesTheNewExits) {
    json request = RunBody();
    request["trailingStopAtr"] = {{"period", 14}, {"multiple", 3}};
    request["stopLossPct"] = 0.02;
    request["maxBarsInTrade"] = 48;
    request["sizing"] = {{"mode", "risk"}, {"value", 0.01}};
    const HttpResult result = Post("/backtest/run", request.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["request"]["sizing"], (json{{"mode", "risk"}, {"value", 0.01}}));
    EXPECT_TRUE(body["request"]["positionSize"].is_null());
    EXPECT_EQ(body["request"]["trailingStopAtr"], (json{{"period", 14}, {"multiple", 3}}));
    EXPECT_EQ(body["request"]["maxBarsInTrade"], 48);
    EXPECT_TRUE(body["request"]["stopLossAtr"].is_null());
    const json& semantics = body["semantics"];
    EXPECT_EQ(semantics["sizing"]["mode"], "risk");
    EXPECT_EQ(semantics["maxBarsInTrade"], 48);
    EXPECT_TRUE(semantics.contains("exitOrder"));
    EXPECT_TRUE(semantics.contains("atr"));
    EXPECT_TRUE(semantics.contains("riskSizing"));
    std::set<std::string> reasons;
    std::set<double> quantities;
    for (const json& trade : body["trades"]) {
        reasons.insert(trade["exitReason"].get<std::string>());
        quantities.insert(trade["quantity"].get<double>());
    }
    EXPECT_TRUE(reasons.contains("trailing_stop")) << body["trades"].dump();
    EXPECT_TRUE(reasons.contains("stop_loss"));
    EXPECT_TRUE(reasons.contains("time"));
    EXPECT_GT(quantities.size(), 10u);  // sized by each trade's own stop distance
}

TEST_F(ExitOptions, OptimizeOverStopAndSizingOptionsEqualsTheMatchingSingleRuns) {
    json request = RunBody();
    request.erase("includeEquity");
    request["strategy"] = "ema_cross";
    request["stopLossAtr"] = {{"period", 14}, {"multiple", 2}};
    request["sizing"] = {{"mode", "risk"}, {"value", 0.01}};
    request["grid"] = {{"fast", {8, 12}},
                       {"trailingStopPct", {0.02, 0.05}},
                       {"stopLossAtr.multiple", {1.5, 3}},
                       {"sizing.value", {0.01, 0.02}}};
    request["topN"] = 100;
    request["minTrades"] = 0;
    const HttpResult optimize = Post("/backtest/optimize", request.dump());
    ASSERT_EQ(optimize.status, 200) << optimize.body;
    const json body = Json(optimize);
    EXPECT_EQ(body["evaluated"], 16);
    ASSERT_EQ(body["topN"].size(), 16u);
    std::set<double> objectives;
    for (const json& row : body["topN"]) {
        const json& p = row["params"];
        json run = RunBody();
        run["strategy"] = {{"name", "ema_cross"}, {"params", {{"fast", p["fast"]}, {"slow", p["slow"]}}}};
        run["trailingStopPct"] = p["trailingStopPct"];
        run["stopLossAtr"] = {{"period", 14}, {"multiple", p["stopLossAtr.multiple"]}};
        run["sizing"] = {{"mode", "risk"}, {"value", p["sizing.value"]}};
        const HttpResult single = Post("/backtest/run", run.dump());
        ASSERT_EQ(single.status, 200) << single.body;
        EXPECT_EQ(Json(single)["metrics"], row["metrics"]) << p.dump();
        objectives.insert(row["objective"].get<double>());
    }
    EXPECT_GT(objectives.size(), 8u);  // the options change the results, not only the labels
}

TEST_F(ExitOptions, WalkForwardChoosesOptionsPerFoldAndEachFoldIsARun) {
    const json request = {{"symbol", "BTCUSDT"},
                          {"timeframe", "1h"},
                          {"start", "2023-01-01"},
                          {"end", "2023-06-30"},
                          {"strategy", "sma_cross"},
                          {"grid", {{"fast", {5, 10}}, {"slow", {30}}, {"trailingStopPct", {0.01, 0.03, 0.08}}}},
                          {"maxBarsInTrade", 72},
                          {"windows", {{"inSample", "60d"}, {"outOfSample", "30d"}}}};
    const HttpResult result = Post("/backtest/walkforward", request.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    ASSERT_FALSE(body["folds"].empty());
    EXPECT_TRUE(body["stability"]["params"].contains("trailingStopPct")) << body["stability"].dump();
    for (const json& fold : body["folds"]) {
        const json& p = fold["params"];
        ASSERT_TRUE(p.contains("trailingStopPct")) << p.dump();
        const json run = {{"symbol", "BTCUSDT"},
                          {"timeframe", "1h"},
                          {"start", fold["outOfSample"]["start"]},
                          {"end", fold["outOfSample"]["endExclusive"]},
                          {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", p["fast"]}, {"slow", p["slow"]}}}}},
                          {"trailingStopPct", p["trailingStopPct"]},
                          {"maxBarsInTrade", 72},
                          {"warmupBars", fold["inSample"]["bars"]},
                          {"includeEquity", false}};
        const HttpResult single = Post("/backtest/run", run.dump());
        ASSERT_EQ(single.status, 200) << single.body;
        EXPECT_EQ(Json(single)["metrics"], fold["outOfSampleMetrics"]) << "fold " << fold["fold"];
        EXPECT_EQ(Json(single)["trades"], fold["trades"]) << "fold " << fold["fold"];
    }
}

TEST_F(ExitOptions, AOneAssetPortfolioSleeveIsTheSingleRun) {
    const json options = {{"trailingStopAtr", {{"period", 20}, {"multiple", 2.5}}},
                          {"takeProfitAtr", {{"period", 20}, {"multiple", 6}}},
                          {"sizing", {{"mode", "notional"}, {"value", 4000}}},
                          {"maxBarsInTrade", 96}};
    json portfolio = {{"assets", {{{"symbol", "ETHUSDT"}, {"weight", 1}, {"strategy", "ema_cross"}}}},
                      {"timeframe", "1h"},
                      {"start", "2024-01-01"},
                      {"end", "2024-06-30"}};
    json run = {{"symbol", "ETHUSDT"}, {"timeframe", "1h"},       {"start", "2024-01-01"},
                {"end", "2024-06-30"}, {"strategy", "ema_cross"}, {"includeEquity", false}};
    for (const auto& [key, value] : options.items()) {
        portfolio[key] = value;
        run[key] = value;
    }
    const HttpResult sleeve = Post("/backtest/portfolio", portfolio.dump());
    ASSERT_EQ(sleeve.status, 200) << sleeve.body;
    const HttpResult single = Post("/backtest/run", run.dump());
    ASSERT_EQ(single.status, 200) << single.body;
    const json answer = Json(sleeve);
    const json& trades = answer["assets"][0]["trades"];
    EXPECT_EQ(trades, Json(single)["trades"]);
    std::set<std::string> reasons;
    for (const json& trade : trades) reasons.insert(trade["exitReason"].get<std::string>());
    EXPECT_TRUE(reasons.contains("trailing_stop")) << trades.dump();
    EXPECT_EQ(answer["request"]["sizing"]["mode"], "notional");
}

TEST_F(ExitOptions, BadOptionsNameTheirFieldAndSayWhatToSend) {
    const auto run_with = [](const json& extra) {
        json body = RunBody();
        for (const auto& [key, value] : extra.items()) body[key] = value;
        return body;
    };
    const std::vector<std::tuple<json, std::string, std::string>> run_cases = {
        {{{"stopLossPct", 0.02}, {"stopLossAtr", {{"period", 14}, {"multiple", 2}}}},
         "stopLossAtr",
         "CONFLICTING_FIELDS"},
        {{{"trailingStopPct", 0.02}, {"trailingStopAtr", {{"period", 14}, {"multiple", 2}}}},
         "trailingStopAtr",
         "CONFLICTING_FIELDS"},
        {{{"positionSize", 0.5}, {"sizing", {{"mode", "fraction"}, {"value", 0.5}}}}, "sizing", "CONFLICTING_FIELDS"},
        {{{"sizing", {{"mode", "risk"}, {"value", 0.01}}}}, "sizing.mode", "MISSING_FIELD"},
        {{{"sizing", {{"mode", "kelly"}, {"value", 0.5}}}}, "sizing.mode", "OUT_OF_RANGE"},
        {{{"sizing", {{"value", 0.5}}}}, "sizing.mode", "MISSING_FIELD"},
        {{{"sizing", {{"mode", "fraction"}, {"value", 2}}}}, "sizing.value", "OUT_OF_RANGE"},
        {{{"sizing", {{"mode", "notional"}}}}, "sizing.value", "MISSING_FIELD"},
        {{{"sizing", {{"mode", "fraction"}, {"value", 1}, {"vaule", 1}}}}, "sizing.vaule", "UNKNOWN_FIELD"},
        {{{"sizing", 0.5}}, "sizing", "WRONG_TYPE"},
        {{{"stopLossAtr", {{"period", 0}, {"multiple", 2}}}}, "stopLossAtr.period", "OUT_OF_RANGE"},
        {{{"stopLossAtr", {{"period", 14.5}, {"multiple", 2}}}}, "stopLossAtr.period", "WRONG_TYPE"},
        {{{"stopLossAtr", {{"period", 14}}}}, "stopLossAtr.multiple", "MISSING_FIELD"},
        {{{"takeProfitAtr", {{"period", 14}, {"multiple", 0}}}}, "takeProfitAtr.multiple", "OUT_OF_RANGE"},
        {{{"trailingStopAtr", 3}}, "trailingStopAtr", "WRONG_TYPE"},
        {{{"trailingStopPct", 1}}, "trailingStopPct", "OUT_OF_RANGE"},
        {{{"maxBarsInTrade", 0}}, "maxBarsInTrade", "OUT_OF_RANGE"},
        {{{"maxBarsInTrade", 2.5}}, "maxBarsInTrade", "WRONG_TYPE"},
        {{{"maxbarsintrade", 5}}, "maxbarsintrade", "UNKNOWN_FIELD"},
    };
    for (const auto& [extra, field, reason] : run_cases) {
        const HttpResult result = Post("/backtest/run", run_with(extra).dump());
        ASSERT_EQ(result.status, 400) << extra.dump() << " -> " << result.body;
        const json error = Json(result)["error"];
        EXPECT_EQ(error["details"]["field"], field) << extra.dump() << " -> " << result.body;
        EXPECT_EQ(error["details"]["reason"], reason) << extra.dump() << " -> " << result.body;
        EXPECT_NE(error["message"].get<std::string>().find(field.substr(0, field.find('.'))), std::string::npos)
            << error.dump();
    }
    const auto optimize_with = [](const json& extra) {
        json body = RunBody();
        body.erase("includeEquity");
        body["strategy"] = "ema_cross";
        for (const auto& [key, value] : extra.items()) body[key] = value;
        return body;
    };
    const std::vector<std::tuple<json, std::string, std::string>> grid_cases = {
        {{{"grid", {{"stopLossAtr.multiple", {1, 2}}}}}, "grid.stopLossAtr.multiple", "MISSING_FIELD"},
        {{{"grid", {{"trailingStopPct", {0.02, 1.5}}}}}, "grid.trailingStopPct", "INVALID_PARAMETER"},
        {{{"grid", {{"maxBarsInTrade", {2.5}}}}}, "grid.maxBarsInTrade", "INVALID_PARAMETER"},
        {{{"grid", {{"stopLossPct", {0.01}}}}, {"stopLossAtr", {{"period", 14}, {"multiple", 2}}}},
         "grid.stopLossPct",
         "CONFLICTING_FIELDS"},
        {{{"grid", {{"trailingStop", {0.01}}}}}, "grid.trailingStop", "UNKNOWN_PARAMETER"},
    };
    for (const auto& [extra, field, reason] : grid_cases) {
        const HttpResult result = Post("/backtest/optimize", optimize_with(extra).dump());
        ASSERT_EQ(result.status, 400) << extra.dump() << " -> " << result.body;
        const json error = Json(result)["error"];
        EXPECT_EQ(error["details"]["field"], field) << extra.dump() << " -> " << result.body;
        EXPECT_EQ(error["details"]["reason"], reason) << extra.dump() << " -> " << result.body;
    }
    // Risk sizing may take its stop from the grid.
    const HttpResult gridded =
        Post("/backtest/optimize",
             optimize_with({{"sizing", {{"mode", "risk"}, {"value", 0.01}}}, {"grid", {{"stopLossPct", {0.01, 0.02}}}}})
                 .dump());
    EXPECT_EQ(gridded.status, 200) << gridded.body;
}

}  // namespace
}  // namespace spark::testing

namespace spark::testing {
namespace {

json RulesRun(const json& levels, const json& options) {
    json strategy = {{"entry", "crossover(sma(close, 10), sma(close, 30))"},
                     {"exit", "crossunder(sma(close, 10), sma(close, 30))"}};
    for (const auto& [key, value] : levels.items()) strategy[key] = value;
    json body = {{"symbol", "BTCUSDT"},  {"timeframe", "1h"}, {"start", "2024-01-01"}, {"end", "2024-06-30"},
                 {"strategy", strategy}, {"fill", "close"},   {"includeEquity", false}};
    for (const auto& [key, value] : options.items()) body[key] = value;
    return body;
}

//! Two answers' trades: the same bars, sides and reasons, prices within 1e-9.
void ExpectSameTrades(const json& a, const json& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i]["entryBar"], b[i]["entryBar"]) << i;
        EXPECT_EQ(a[i]["exitBar"], b[i]["exitBar"]) << i;
        EXPECT_EQ(a[i]["exitReason"], b[i]["exitReason"]) << i;
        const double pa = a[i]["exitPrice"], pb = b[i]["exitPrice"];
        EXPECT_NEAR(pa, pb, 1e-9 * pb) << i;
    }
}

// Under fill "close" without slippage the fill is the decision's close, so rule levels written as
// the close moved by a fraction or by an ATR multiple must give exactly the option's trades.
TEST_F(ExitOptions, RulesPriceTheirOwnStopAndTargetAsTheOptionsWould) {
    const json by_rules = Json(Post(
        "/backtest/run",
        RulesRun({{"stopLoss", "close * (1 - 0.02)"}, {"takeProfit", "close * (1 + 0.05)"}}, json::object()).dump()));
    const json by_options =
        Json(Post("/backtest/run", RulesRun(json::object(), {{"stopLossPct", 0.02}, {"takeProfitPct", 0.05}}).dump()));
    ASSERT_TRUE(by_rules.contains("trades")) << by_rules.dump();
    ExpectSameTrades(by_rules["trades"], by_options["trades"]);
    EXPECT_EQ(by_rules["request"]["strategy"]["stopLoss"], "close * (1 - 0.02)");

    const json atr_rules =
        Json(Post("/backtest/run", RulesRun({{"stopLoss", "close - 2 * atr(14)"}}, json::object()).dump()));
    const json atr_option = Json(
        Post("/backtest/run", RulesRun(json::object(), {{"stopLossAtr", {{"period", 14}, {"multiple", 2}}}}).dump()));
    ExpectSameTrades(atr_rules["trades"], atr_option["trades"]);
    int stops = 0;
    for (const json& t : atr_rules["trades"]) stops += t["exitReason"] == "stop_loss";
    EXPECT_GT(stops, 5);
}

TEST_F(ExitOptions, ARuleLevelOnTheWrongSideOfAFillIsNotUsed) {
    // Below the close: a long's stop, never a short's.
    const json body =
        Json(Post("/backtest/run", RulesRun({{"stopLoss", "close * 0.99"}},
                                            {{"allowShort", true},
                                             {"strategy",
                                              {{"entry", "crossover(sma(close, 10), sma(close, 30))"},
                                               {"entryShort", "crossunder(sma(close, 10), sma(close, 30))"},
                                               {"stopLoss", "close * 0.99"}}}})
                                       .dump()));
    int long_stops = 0;
    for (const json& t : body["trades"]) {
        if (t["side"] == "short") EXPECT_NE(t["exitReason"], "stop_loss") << t.dump();
        long_stops += t["side"] == "long" && t["exitReason"] == "stop_loss";
    }
    EXPECT_GT(long_stops, 0);
}

// Shorts take their own rules where written: both sides priced by rules give the options' trades.
TEST_F(ExitOptions, ShortsHaveTheirOwnRuleLevels) {
    const json both_sides = {{"entry", "crossover(sma(close, 10), sma(close, 30))"},
                             {"entryShort", "crossunder(sma(close, 10), sma(close, 30))"},
                             {"stopLoss", "close * (1 - 0.02)"},
                             {"takeProfit", "close * (1 + 0.05)"},
                             {"stopLossShort", "close * (1 + 0.02)"},
                             {"takeProfitShort", "close * (1 - 0.05)"}};
    const json by_rules =
        Json(Post("/backtest/run", RulesRun(json::object(), {{"allowShort", true}, {"strategy", both_sides}}).dump()));
    json plain = both_sides;
    for (const char* key : {"stopLoss", "takeProfit", "stopLossShort", "takeProfitShort"}) plain.erase(key);
    const json by_options =
        Json(Post("/backtest/run",
                  RulesRun(json::object(),
                           {{"allowShort", true}, {"strategy", plain}, {"stopLossPct", 0.02}, {"takeProfitPct", 0.05}})
                      .dump()));
    ASSERT_TRUE(by_rules.contains("trades")) << by_rules.dump();
    ExpectSameTrades(by_rules["trades"], by_options["trades"]);
    int short_stops = 0;
    for (const json& t : by_rules["trades"]) short_stops += t["side"] == "short" && t["exitReason"] == "stop_loss";
    EXPECT_GT(short_stops, 0);
    EXPECT_EQ(by_rules["request"]["strategy"]["stopLossShort"], "close * (1 + 0.02)");
}

TEST_F(ExitOptions, RuleLevelsAreCheckedAndExclusive) {
    const HttpResult condition = Post("/backtest/run", RulesRun({{"stopLoss", "close > open"}}, json::object()).dump());
    ASSERT_EQ(condition.status, 400) << condition.body;
    EXPECT_EQ(Json(condition)["error"]["details"]["field"], "strategy.stopLoss");
    EXPECT_EQ(Json(condition)["error"]["details"]["reason"], "TYPE_MISMATCH");

    const HttpResult both =
        Post("/backtest/run", RulesRun({{"stopLoss", "close * 0.98"}}, {{"stopLossPct", 0.02}}).dump());
    ASSERT_EQ(both.status, 400) << both.body;
    EXPECT_EQ(Json(both)["error"]["details"]["field"], "stopLossPct");
    EXPECT_EQ(Json(both)["error"]["details"]["reason"], "CONFLICTING_FIELDS");

    // Nor can a grid search a level the rules price.
    json gridded = RulesRun({{"stopLoss", "close * 0.98"}}, {{"grid", {{"stopLossPct", {0.01, 0.02}}}}});
    gridded.erase("includeEquity");
    const HttpResult searched = Post("/backtest/optimize", gridded.dump());
    ASSERT_EQ(searched.status, 400) << searched.body;
    EXPECT_EQ(Json(searched)["error"]["details"]["field"], "grid.stopLossPct");
    EXPECT_EQ(Json(searched)["error"]["details"]["reason"], "CONFLICTING_FIELDS");

    // In a portfolio, every sleeve needs a stop to size by: one asset's rule is not enough.
    const json portfolio = {
        {"assets",
         {{{"symbol", "BTCUSDT"},
           {"weight", 0.5},
           {"strategy", {{"entry", "close > sma(close, 20)"}, {"stopLoss", "close - 2 * atr(14)"}}}},
          {{"symbol", "ETHUSDT"}, {"weight", 0.5}, {"strategy", "ema_cross"}}}},
        {"timeframe", "1h"},
        {"start", "2024-01-01"},
        {"end", "2024-03-31"},
        {"sizing", {{"mode", "risk"}, {"value", 0.01}}}};
    const HttpResult sleeve_without = Post("/backtest/portfolio", portfolio.dump());
    ASSERT_EQ(sleeve_without.status, 400) << sleeve_without.body;
    EXPECT_EQ(Json(sleeve_without)["error"]["details"]["field"], "sizing.mode");
    EXPECT_NE(Json(sleeve_without)["error"]["message"].get<std::string>().find("assets[1]"), std::string::npos);

    // Risk sizing takes the rule's stop as its stop.
    const HttpResult risk =
        Post("/backtest/run",
             RulesRun({{"stopLoss", "close - 2 * atr(14)"}}, {{"sizing", {{"mode", "risk"}, {"value", 0.01}}}}).dump());
    ASSERT_EQ(risk.status, 200) << risk.body;
    std::set<double> quantities;
    const json risk_answer = Json(risk);
    for (const json& t : risk_answer["trades"]) quantities.insert(t["quantity"].get<double>());
    EXPECT_GT(quantities.size(), 5u);
}

}  // namespace
}  // namespace spark::testing
