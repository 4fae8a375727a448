// The server's answers against golden results computed by an independent implementation
// (tests/golden/reference_backtest.py, Python, written from SEMANTICS.md alone).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
    ASSERT_TRUE(actual.is_number()) << what << ": " << actual.dump() << " vs " << expected;
    const double a = actual.get<double>();
    const double e = expected.get<double>();
    EXPECT_LE(std::abs(a - e), kRelativeTolerance * std::max(1.0, std::abs(e))) << what << ": " << a << " vs " << e;
}

//! One /backtest/run answer against its golden file: bars, every trade, every metric, the equity.
void ExpectMatchesGolden(const json& body, const json& golden) {
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
        // Futures goldens (tests/golden/futures/): funding paid and the liquidation price
        // (null for a long that cannot be liquidated).
        for (const char* futures : {"funding", "liquidationPrice"}) {
            if (!expected_trades[i].contains(futures)) continue;
            ASSERT_TRUE(trades[i].contains(futures)) << at << " " << futures;
            ExpectClose(trades[i][futures], expected_trades[i][futures], at + " " + futures);
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

class Golden : public SeededServer {
  protected:
    void Check(const std::string& golden_file, const json& request) {
        const json golden = LoadGolden(golden_file);
        const HttpResult result = Post("/backtest/run", request.dump());
        ASSERT_EQ(result.status, 200) << result.body;
        ExpectMatchesGolden(Json(result), golden);
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

// Perpetual futures (docs/futures.md): tests/golden/futures/, from the independent
// tests/golden/reference_futures.py, on the synthetic USD-M klines and funding history of
// tests/data/futures served by the replay server (as in futures_route_test.cc).
class GoldenFutures : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_suite()->name());
        std::filesystem::create_directories(directory_ + "/spot");
        replay_ = std::make_unique<ReplayProcess>(
            directory_ + "/spot", 0,
            std::vector<std::string>{"--futures-data-dir", std::string(SPARK_TEST_DATA_DIR) + "/futures"});
        ASSERT_NE(replay_->Port(), 0);
        server_ =
            std::make_unique<ServerProcess>(directory_, /*seed=*/false,
                                            std::vector<std::string>{"--binance-futures-base-url", replay_->BaseUrl(),
                                                                     "--binance-max-retry-ms", "3000"});
        ASSERT_TRUE(server_->Started()) << server_->Stderr();
    }
    static void TearDownTestSuite() {
        server_.reset();
        replay_.reset();
        std::filesystem::remove_all(directory_);
    }

    static inline std::unique_ptr<ReplayProcess> replay_;
    static inline std::unique_ptr<ServerProcess> server_;
    static inline std::string directory_;
};

// Leverage 3, 10, 20 and 50; long-only and reversals; a 1 % stop; funding every 8h, every 4h and
// across a day without settlements, some stamped a few ms after the hour; 15 liquidations in the
// 50x case, in BTCUSDT's first and second maintenance tiers.
TEST_F(GoldenFutures, EveryFuturesCase) {
    ASSERT_TRUE(server_ != nullptr && server_->Started());
    std::ifstream in(std::string(SPARK_GOLDEN_DIR) + "/futures/cases.json");
    const json cases = json::parse(in);
    ASSERT_EQ(cases.size(), 4u);
    int liquidations = 0;
    for (const json& c : cases) {
        SCOPED_TRACE(c["file"].get<std::string>());
        const json golden = LoadGolden("futures/" + c["file"].get<std::string>());
        const HttpResult result = HttpCall(server_->Port(), "POST", "/backtest/run", c["request"].dump());
        ASSERT_EQ(result.status, 200) << result.body;
        const json body = json::parse(result.body);
        EXPECT_EQ(body["futures"]["leverage"], c["request"]["leverage"]);
        EXPECT_EQ(body["futures"]["fundingApplied"], true);
        ExpectMatchesGolden(body, golden);
        for (const json& t : golden["trades"]) {
            if (t["exitReason"] == "liquidation") ++liquidations;
        }
    }
    EXPECT_GT(liquidations, 0);
}

}  // namespace
}  // namespace spark::testing
