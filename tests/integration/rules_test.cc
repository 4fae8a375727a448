// Strategies as rules through the HTTP API, in every route, against the real server.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Rules : public SeededServer {
  protected:
    static json RulesTwin(const std::string& builtin) {
        static const json strategies = json::parse(Get("/strategies").body)["strategies"];
        for (const json& s : strategies) {
            if (s["name"] == builtin) return s["rules"];
        }
        ADD_FAILURE() << "no twin for " << builtin;
        return json::object();
    }
    static json Week(json strategy) {
        return {{"symbol", "BTCUSDT"}, {"timeframe", "1h"},      {"start", "2024-03-01"},
                {"end", "2024-03-31"}, {"includeEquity", false}, {"strategy", std::move(strategy)}};
    }
};

// Every golden case of the built-ins, through its rules twin: the same trades and metrics,
// exactly (both run in this process on the same bars).
TEST_F(Rules, TwinsGiveTheBuiltInsAnswersOnEveryGoldenCase) {
    std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/strategies/cases.json");
    const json cases = json::parse(in);
    ASSERT_GE(cases.size(), 14u);
    for (const json& c : cases) {
        SCOPED_TRACE(c["file"].get<std::string>());
        const json& builtin_request = c["request"];
        json twin = RulesTwin(builtin_request["strategy"]["name"]);
        for (const auto& [name, value] : builtin_request["strategy"]["params"].items()) twin["params"][name] = value;
        json rules_request = builtin_request;
        rules_request["strategy"] = twin;
        const HttpResult builtin = Post("/backtest/run", builtin_request.dump());
        const HttpResult rules = Post("/backtest/run", rules_request.dump());
        ASSERT_EQ(builtin.status, 200) << builtin.body;
        ASSERT_EQ(rules.status, 200) << rules.body;
        const json a = Json(builtin), b = Json(rules);
        EXPECT_GT(a["trades"].size(), 0u);
        EXPECT_EQ(a["trades"], b["trades"]);
        EXPECT_EQ(a["metrics"], b["metrics"]);
        EXPECT_EQ(a["strategy"]["lookbackBars"], b["strategy"]["lookbackBars"]);
        EXPECT_EQ(b["strategy"]["name"], "rules");
    }
}

TEST_F(Rules, ARunEchoesTheRulesInNormalFormAndItsLookback) {
    const json strategy = {{"params", {{"fast", 10}, {"slow", 30}, {"rsiMax", 70}}},
                           {"let", {{"f", "ema(close,$fast)"}, {"s", "ema(close, $slow)"}}},
                           {"entry", "crossover(f,s) and rsi(close,14)<$rsiMax"},
                           {"exit", "crossunder(f, s)"}};
    const HttpResult result = Post("/backtest/run", Week(strategy).dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["request"]["strategy"]["entry"], "crossover(f, s) and rsi(close, 14) < $rsiMax");
    EXPECT_EQ(body["request"]["strategy"]["let"]["f"], "ema(close, $fast)");
    EXPECT_EQ(body["request"]["strategy"]["params"]["slow"], 30);
    EXPECT_EQ(body["strategy"]["lookbackBars"], 30);
    EXPECT_EQ(body["warnings"], json::array());
    EXPECT_GT(body["metrics"]["numTrades"].get<int>(), 0);
}

TEST_F(Rules, ARangeShorterThanTheLookbackIsWarnedAbout) {
    // sma 50/200 on 48 bars: no trade can ever happen, and the answer says why (built-in and rules).
    for (const json& strategy : {json{{"name", "sma_cross"}, {"params", {{"fast", 50}, {"slow", 200}}}},
                                 json{{"entry", "crossover(sma(close, 50), sma(close, 200))"}}}) {
        json request = Week(strategy);
        request["end"] = "2024-03-02";
        const json body = Json(Post("/backtest/run", request.dump()));
        EXPECT_EQ(body["strategy"]["lookbackBars"], 200);
        ASSERT_EQ(body["warnings"].size(), 1u) << body.dump();
        EXPECT_EQ(body["warnings"][0]["code"], "LOOKBACK_EXCEEDS_RANGE");
        EXPECT_EQ(body["metrics"]["numTrades"], 0);
    }
}

TEST_F(Rules, MistakesNameTheFieldThePositionAndTheReason) {
    struct Case {
        json strategy;
        std::string field;
        int position;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {{{"entry", "crossovr(close, open)"}}, "strategy.entry", 0, "UNKNOWN_FUNCTION"},
        {{{"entry", "close > sma(close, 20"}}, "strategy.entry", 21, "SYNTAX_ERROR"},
        {{{"entry", "close > clos"}}, "strategy.entry", 8, "UNKNOWN_NAME"},
        {{{"entry", "close > sma(close)"}}, "strategy.entry", 8, "WRONG_ARITY"},
        {{{"entry", "close + 1"}}, "strategy.entry", 6, "TYPE_MISMATCH"},
        {{{"entry", "close > sma(close, 0)"}}, "strategy.entry", 19, "INVALID_WINDOW"},
        {{{"entry", std::string(5000, ' ') + "close > 1"}}, "strategy.entry", 4096, "EXPRESSION_TOO_LARGE"},
        {{{"let", {{"a", "b"}, {"b", "a"}}}, {"entry", "a > 1"}}, "strategy.let.b", 0, "CYCLIC_LET"},
        {{{"let", {{"f", "ema(close, 10) >"}}}, {"entry", "f"}}, "strategy.let.f", 16, "SYNTAX_ERROR"},
        {{{"entry", "close > 1"}, {"exitShort", "close"}}, "strategy.exitShort", 0, "TYPE_MISMATCH"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.strategy.dump().substr(0, 200));
        const HttpResult result = Post("/backtest/run", Week(c.strategy).dump());
        ASSERT_EQ(result.status, 400) << result.body;
        const json error = Json(result)["error"];
        EXPECT_EQ(error["code"], "INVALID_REQUEST");
        EXPECT_EQ(error["details"]["field"], c.field);
        EXPECT_EQ(error["details"]["position"], c.position);
        EXPECT_EQ(error["details"]["reason"], c.reason);
        EXPECT_NE(error["message"].get<std::string>().find("\n  "), std::string::npos) << "no caret line";
    }
    const json typo = Json(Post("/backtest/run", Week({{"entry", "crossovr(close, open)"}}).dump()))["error"];
    EXPECT_EQ(typo["message"],
              "strategy.entry: unknown function `crossovr`; did you mean `crossover`?\n"
              "  crossovr(close, open)\n"
              "  ^");
    // Both a built-in name and rules, or neither.
    const json both = Json(Post("/backtest/run", Week({{"name", "sma_cross"}, {"entry", "close > 1"}}).dump()));
    EXPECT_EQ(both["error"]["details"]["reason"], "CONFLICTING_FIELDS");
    const json neither = Json(Post("/backtest/run", Week({{"params", {{"fast", 3}}}}).dump()));
    EXPECT_EQ(neither["error"]["details"]["reason"], "MISSING_FIELD");
}

TEST_F(Rules, OptimizeBindsTheGridToDeclaredParameters) {
    json request = Week({{"params", {{"fast", 10}, {"slow", 30}}},
                         {"entry", "crossover(ema(close, $fast), ema(close, $slow))"},
                         {"exit", "crossunder(ema(close, $fast), ema(close, $slow))"}});
    request.erase("includeEquity");
    request["grid"] = {{"fast", {{"from", 5}, {"to", 20}, {"step", 5}}}, {"slow", {30, 60}}};
    const HttpResult result = Post("/backtest/optimize", request.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["evaluated"], 8);
    EXPECT_EQ(body["strategy"]["lookbackBars"], 60);  // the longest of the grid: ema(60) at 59, cross at 60
    EXPECT_EQ(body["warnings"], json::array());
    EXPECT_EQ(body["request"]["strategy"]["entry"], "crossover(ema(close, $fast), ema(close, $slow))");
    // The best combination, run alone, gives the same metrics.
    const json best = body["topN"][0];
    json single = Week({{"params", best["params"]},
                        {"entry", "crossover(ema(close, $fast), ema(close, $slow))"},
                        {"exit", "crossunder(ema(close, $fast), ema(close, $slow))"}});
    const json run = Json(Post("/backtest/run", single.dump()));
    EXPECT_EQ(run["metrics"]["sharpe"], best["metrics"]["sharpe"]);

    request["grid"] = {{"fats", {5, 10}}};
    const json unknown = Json(Post("/backtest/optimize", request.dump()));
    EXPECT_EQ(unknown["error"]["details"]["field"], "grid.fats");
    request["grid"] = {{"fast", {5, 7.5}}};
    const json fractional = Json(Post("/backtest/optimize", request.dump()));
    EXPECT_EQ(fractional["error"]["details"]["field"], "grid.fast");
}

TEST_F(Rules, WalkForwardAndPortfolioTakeRules) {
    const json twin = RulesTwin("sma_cross");
    json walk = {{"symbol", "BTCUSDT"},
                 {"timeframe", "1h"},
                 {"start", "2023-01-01"},
                 {"end", "2023-06-30"},
                 {"strategy", twin},
                 {"grid", {{"fast", {5, 10}}, {"slow", {30, 60}}}},
                 {"windows", {{"inSample", "30d"}, {"outOfSample", "15d"}}}};
    const HttpResult rules_walk = Post("/backtest/walkforward", walk.dump());
    ASSERT_EQ(rules_walk.status, 200) << rules_walk.body;
    walk["strategy"] = "sma_cross";
    const HttpResult builtin_walk = Post("/backtest/walkforward", walk.dump());
    ASSERT_EQ(builtin_walk.status, 200) << builtin_walk.body;
    EXPECT_EQ(Json(rules_walk)["folds"], Json(builtin_walk)["folds"]);
    EXPECT_EQ(Json(rules_walk)["verdict"], Json(builtin_walk)["verdict"]);
    EXPECT_EQ(Json(rules_walk)["strategy"]["lookbackBars"], 60);
    // Only the data's own gap (2023-03-24T13:00Z) is warned about: the lookback fits each fold.
    ASSERT_EQ(Json(rules_walk)["warnings"].size(), 1u) << Json(rules_walk)["warnings"];
    EXPECT_EQ(Json(rules_walk)["warnings"][0]["code"], "BARS_MISSING");

    json portfolio = {{"timeframe", "1h"},
                      {"start", "2024-01-01"},
                      {"end", "2024-03-01"},
                      {"assets",
                       {{{"symbol", "BTCUSDT"}, {"weight", 0.5}, {"strategy", twin}},
                        {{"symbol", "ETHUSDT"},
                         {"weight", 0.5},
                         {"strategy", {{"entry", "close > sma(close, 50)"}, {"exit", "close < sma(close, 50)"}}}}}}};
    const HttpResult result = Post("/backtest/portfolio", portfolio.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(Json(result)["request"]["assets"][1]["strategy"]["entry"], "close > sma(close, 50)");
    EXPECT_EQ(Json(result)["warnings"], json::array());
    portfolio["assets"][1]["strategy"]["entry"] = "close > sma(close, 5000)";
    const json short_range = Json(Post("/backtest/portfolio", portfolio.dump()));
    ASSERT_EQ(short_range["warnings"].size(), 1u) << short_range.dump().substr(0, 500);
    EXPECT_EQ(short_range["warnings"][0]["code"], "LOOKBACK_EXCEEDS_RANGE");
    portfolio["assets"][1]["strategy"] = {{"entry", "close >"}};
    const json bad = Json(Post("/backtest/portfolio", portfolio.dump()));
    EXPECT_EQ(bad["error"]["details"]["field"], "assets[1].strategy.entry");
}

TEST_F(Rules, ValidateAnswersWhatAnEditorNeeds) {
    const HttpResult ok = Post("/strategies/validate", R"J({"params":{"n":20,"k":2},
        "entry":"close<bb_lower(close,$n,$k)","exit":"close>=bb_middle(close,$n)"})J");
    ASSERT_EQ(ok.status, 200) << ok.body;
    const json body = Json(ok);
    EXPECT_EQ(body["kind"], "rules");
    EXPECT_EQ(body["lookbackBars"], 19);
    EXPECT_EQ(body["strategy"]["entry"], "close < bb_lower(close, $n, $k)");
    EXPECT_EQ(body["functions"], json::array({"bb_lower", "bb_middle"}));
    ASSERT_EQ(body["params"].size(), 2u);
    for (const json& p : body["params"]) EXPECT_EQ(p["type"], p["name"] == "n" ? "integer" : "number") << p;
    const HttpResult wrapped = Post("/strategies/validate", R"({"strategy":"rsi_reversion"})");
    ASSERT_EQ(wrapped.status, 200) << wrapped.body;
    EXPECT_EQ(Json(wrapped)["kind"], "builtin");
    EXPECT_EQ(Json(wrapped)["lookbackBars"], 14);
    const HttpResult bad = Post("/strategies/validate", R"J({"entry":"rsi(close, 14) < "})J");
    ASSERT_EQ(bad.status, 400);
    EXPECT_EQ(Json(bad)["error"]["details"]["position"], 17);  // the end, where a value was expected
}

//! Every ```json block after "## Cookbook" in docs/strategy-language.md.
std::vector<json> CookbookStrategies() {
    std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/docs/strategy-language.md");
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    std::vector<json> out;
    size_t at = doc.find("\n## Cookbook");
    while (at != std::string::npos) {
        at = doc.find("```json\n", at);
        if (at == std::string::npos) break;
        const size_t end = doc.find("```", at + 8);
        out.push_back(json::parse(doc.substr(at + 8, end - at - 8)));
        at = end + 3;
    }
    return out;
}

TEST_F(Rules, EveryCookbookStrategyRunsOnTheBundledData) {
    const std::vector<json> cookbook = CookbookStrategies();
    ASSERT_GE(cookbook.size(), 10u);
    for (const json& strategy : cookbook) {
        SCOPED_TRACE(strategy.dump());
        json request = Week(strategy);
        request["start"] = "2023-01-01";
        request["end"] = "2023-12-31";
        request["allowShort"] = true;
        const HttpResult result = Post("/backtest/run", request.dump());
        ASSERT_EQ(result.status, 200) << result.body;
        EXPECT_GT(Json(result)["metrics"]["numTrades"].get<int>(), 0) << "the example never trades in 2023";
    }
}

// htf through the API: a 4h trend filter on 1h bars runs; a timeframe the run's bars do not
// build is refused before any data is loaded, naming the strategy; the same rules on 4h bars
// directly differ from the filter only in what the filter cannot know yet.
TEST_F(Rules, HigherTimeframeRulesRunAndAreCheckedAgainstTheTimeframe) {
    const json strategy = {
        {"entry", "crossover(ema(close, 12), ema(close, 26)) and close > htf(\"4h\", sma(close, 20))"},
        {"exit", "crossunder(ema(close, 12), ema(close, 26))"}};
    json request = {{"symbol", "BTCUSDT"}, {"timeframe", "1h"},    {"start", "2024-01-01"},
                    {"end", "2024-06-30"}, {"strategy", strategy}, {"includeEquity", false}};
    const HttpResult filtered = Post("/backtest/run", request.dump());
    ASSERT_EQ(filtered.status, 200) << filtered.body;
    const json body = Json(filtered);
    EXPECT_NE(body["request"]["strategy"]["entry"].get<std::string>().find("htf(\"4h\""), std::string::npos);
    EXPECT_NE(body["semantics"]["higherTimeframes"].get<std::string>().find("htf(4h)"), std::string::npos);
    json unfiltered = request;
    unfiltered["strategy"]["entry"] = "crossover(ema(close, 12), ema(close, 26))";
    const json plain = Json(Post("/backtest/run", unfiltered.dump()));
    EXPECT_GT(plain["trades"].size(), body["trades"].size());
    EXPECT_GT(body["trades"].size(), 10u);

    request["timeframe"] = "4h";
    request["strategy"]["entry"] = "close > htf(\"1h\", close)";
    const HttpResult finer = Post("/backtest/run", request.dump());
    ASSERT_EQ(finer.status, 400) << finer.body;
    EXPECT_EQ(Json(finer)["error"]["details"]["field"], "strategy");
    EXPECT_EQ(Json(finer)["error"]["details"]["reason"], "INVALID_PARAMETER");
    EXPECT_NE(Json(finer)["error"]["message"].get<std::string>().find("1d"), std::string::npos);
}

}  // namespace
}  // namespace spark::testing
