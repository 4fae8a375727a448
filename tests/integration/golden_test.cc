// The server's answers against golden results computed by an independent implementation
// (tests/golden/reference_backtest.py, Python, written from SEMANTICS.md alone).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

constexpr double kRelativeTolerance = 1e-9;

json LoadGolden(const std::string& name) {
    std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/" + name);
    return json::parse(in);
}

void ExpectClose(const json& actual, const json& expected, const std::string& what) {
    if (expected.is_null()) {
        EXPECT_TRUE(actual.is_null()) << what;
        return;
    }
    const double a = actual.get<double>();
    const double e = expected.get<double>();
    EXPECT_LE(std::abs(a - e), kRelativeTolerance * std::max(1.0, std::abs(e))) << what << ": " << a << " vs " << e;
}

class Golden : public SeededServer {
  protected:
    void Check(const std::string& golden_file, const json& request) {
        const json golden = LoadGolden(golden_file);
        const HttpResult result = Post("/backtest/run", request.dump());
        ASSERT_EQ(result.status, 200) << result.body;
        const json body = Json(result);

        EXPECT_EQ(body["bars"]["count"], golden["bars"]);
        EXPECT_EQ(body["bars"]["firstOpenTime"], golden["firstOpenTime"]);
        EXPECT_EQ(body["bars"]["lastOpenTime"], golden["lastOpenTime"]);

        const json& trades = body["trades"];
        const json& expected_trades = golden["trades"];
        ASSERT_EQ(trades.size(), expected_trades.size());
        for (size_t i = 0; i < trades.size(); ++i) {
            const std::string at = "trade " + std::to_string(i);
            for (const char* exact : {"side", "entryTime", "entryBar", "exitTime", "exitBar", "open"}) {
                EXPECT_EQ(trades[i][exact], expected_trades[i][exact]) << at << " " << exact;
            }
            if (expected_trades[i].contains("exitReason")) {
                EXPECT_EQ(trades[i]["exitReason"], expected_trades[i]["exitReason"]) << at;
            }
            for (const char* number : {"entryPrice", "exitPrice", "quantity", "fees", "pnl", "return"}) {
                ExpectClose(trades[i][number], expected_trades[i][number], at + " " + number);
            }
        }
        for (const auto& [name, value] : golden["metrics"].items()) {
            if (name == "years") continue;  // an intermediate the reference prints, not a metric
            ASSERT_TRUE(body["metrics"].contains(name)) << name;
            ExpectClose(body["metrics"][name], value, name);
        }
        EXPECT_EQ(body["metrics"]["numTrades"], golden["metrics"]["numTrades"]);
        EXPECT_EQ(body["metrics"]["maxDrawdownDurationBars"], golden["metrics"]["maxDrawdownDurationBars"]);

        // The golden equity is sampled every 24th bar plus the last: find each point by open time.
        std::map<int64_t, double> equity;
        for (const json& point : body["equity"]) equity[point[0].get<int64_t>()] = point[1].get<double>();
        for (const json& point : golden["equity"]) {
            const int64_t t = point[0].get<int64_t>();
            ASSERT_TRUE(equity.contains(t)) << t;
            ExpectClose(equity[t], point[1], "equity at " + std::to_string(t));
        }
    }
};

TEST_F(Golden, Btcusdt1h2024SmaCross10_30) {
    Check("btcusdt_1h_2024_sma_10_30.json",
          {{"symbol", "BTCUSDT"},
           {"timeframe", "1h"},
           {"start", "2024-01-01"},
           {"end", "2024-12-31"},
           {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 10}, {"slow", 30}}}}},
           {"feeBps", 10}});
}

TEST_F(Golden, Btcusdt1h2024BuyAndHold) {
    Check("btcusdt_1h_2024_buy_and_hold.json", {{"symbol", "BTCUSDT"},
                                                {"timeframe", "1h"},
                                                {"start", "2024-01-01"},
                                                {"end", "2024-12-31"},
                                                {"strategy", {{"name", "buy_and_hold"}}}});
}

TEST_F(Golden, Btcusdt1hMarch2023AcrossTheGapWithSlippageAndHalfSize) {
    Check("btcusdt_1h_2023_03_sma_5_20_slip.json",
          {{"symbol", "BTCUSDT"},
           {"timeframe", "1h"},
           {"start", "2023-03-01T00:00:00Z"},
           {"end", "2023-04-01T00:00:00Z"},
           {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 5}, {"slow", 20}}}}},
           {"feeBps", 10},
           {"slippageBps", 5},
           {"positionSize", 0.5}});
}

// Every strategy, shorts, stops and targets, fill modes and costs: tests/golden/strategies/, from
// the independent tests/golden/reference_strategies.py.
TEST_F(Golden, EveryStrategyCase) {
    std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/strategies/cases.json");
    const json cases = json::parse(in);
    ASSERT_GE(cases.size(), 14u);
    for (const json& c : cases) {
        SCOPED_TRACE(c["file"].get<std::string>());
        Check("strategies/" + c["file"].get<std::string>(), c["request"]);
    }
}

}  // namespace
}  // namespace spark::testing
