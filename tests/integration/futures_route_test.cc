// Perpetual futures through HTTP (docs/futures.md), against the replay server serving the
// synthetic USD-M klines and funding history of tests/data/futures: funding per trade re-derived
// here from Binance's own JSON file, liquidations re-derived from Binance's formula, cold and warm
// funding loads, every route, and the refusals.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kFuturesData = std::string(SPARK_TEST_DATA_DIR) + "/futures";

//! The settlements of tests/data/futures/BTCUSDT-fundingRate.json: time -> (rate, mark price).
std::map<int64_t, std::pair<double, double>> Settlements() {
    std::ifstream in(kFuturesData + "/BTCUSDT-fundingRate.json");
    std::stringstream text;
    text << in.rdbuf();
    std::map<int64_t, std::pair<double, double>> out;
    for (const json& row : json::parse(text.str())) {
        const std::string mark = row["markPrice"].get<std::string>();
        out[row["fundingTime"].get<int64_t>()] = {std::stod(row["fundingRate"].get<std::string>()),
                                                  mark.empty() ? NAN : std::stod(mark)};
    }
    return out;
}

class Futures : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(directory_ + "/spot");
        replay_ = std::make_unique<ReplayProcess>(directory_ + "/spot", 0,
                                                  std::vector<std::string>{"--futures-data-dir", kFuturesData});
        ASSERT_NE(replay_->Port(), 0);
    }
    void TearDown() override {
        server_.reset();
        replay_.reset();
        fs::remove_all(directory_);
    }
    void StartServer(bool upstream = true) {
        std::vector<std::string> args = {"--binance-futures-base-url", upstream ? replay_->BaseUrl() : "",
                                         "--binance-max-retry-ms", "3000"};
        server_ = std::make_unique<ServerProcess>(directory_, /*seed=*/false, args);
        ASSERT_TRUE(server_->Started()) << server_->Stderr();
    }
    json Post(const std::string& path, const json& body, int expected_status = 200) {
        const HttpResult result = HttpCall(server_->Port(), "POST", path, body.dump());
        EXPECT_EQ(result.status, expected_status) << result.body;
        return json::parse(result.body);
    }
    int64_t FundingRequests() {
        return json::parse(HttpCall(replay_->Port(), "GET", "/__stats").body)["fundingRequests"].get<int64_t>();
    }

    std::string directory_;
    std::unique_ptr<ReplayProcess> replay_;
    std::unique_ptr<ServerProcess> server_;
};

json Request(double leverage) {
    return {{"exchange", "binance-futures"},
            {"symbol", "BTCUSDT"},
            {"timeframe", "1h"},
            {"start", "2024-01-10"},
            {"end", "2024-01-31"},
            {"strategy", {{"name", "sma_cross"}, {"params", {{"fast", 5}, {"slow", 20}}}}},
            {"allowShort", true},
            {"leverage", leverage},
            {"includeEquity", false}};
}

TEST_F(Futures, EachTradePaysTheFundingOfBinancesHistoryWhileItIsHeld) {
    StartServer();
    const json answer = Post("/backtest/run", Request(5));
    EXPECT_EQ(answer["request"]["feeBps"], 5);  // Binance USD-M's taker fee by default
    EXPECT_EQ(answer["request"]["leverage"], 5);
    const json& futures = answer["futures"];
    EXPECT_EQ(futures["leverage"], 5);
    EXPECT_EQ(futures["marginMode"], "isolated");
    const json& funding = futures["symbols"][0]["funding"];
    EXPECT_EQ(funding["source"], "binance");
    EXPECT_EQ(funding["cacheHit"], false);
    // 8-hourly, and every 4 hours from 2024-01-15 to 2024-01-22.
    EXPECT_EQ(funding["intervalsHours"], json::array({4, 8}));
    EXPECT_TRUE(answer["semantics"].contains("futures"));

    // Each trade's funding re-derived from the file: settlements after its entry fill up to its
    // exit fill (a settlement at a fill's own open is paid by the position held before it), at
    // the row's mark price, paid by longs and received by shorts.
    const auto settlements = Settlements();
    double total = 0;
    const json& trades = answer["trades"];
    ASSERT_GT(trades.size(), 10u);
    int longs = 0;
    int shorts = 0;
    for (const json& t : trades) {
        const int64_t entry = t["entryTime"].get<int64_t>();
        const int64_t exit = t["exitTime"].get<int64_t>();
        const double side = t["side"] == "long" ? 1 : -1;
        (side > 0 ? longs : shorts)++;
        double expected = 0;
        for (auto it = settlements.upper_bound(entry + 999); it != settlements.end() && it->first < exit + 1000; ++it) {
            expected += side * t["quantity"].get<double>() * it->second.second * it->second.first;
        }
        EXPECT_NEAR(t["funding"].get<double>(), expected, 1e-9 * std::max(1.0, std::abs(expected))) << t.dump();
        total += expected;
        ASSERT_TRUE(t.contains("liquidationPrice"));
    }
    EXPECT_GT(longs, 0);
    EXPECT_GT(shorts, 0);
    EXPECT_NE(total, 0);
    EXPECT_NEAR(answer["metrics"]["totalFunding"].get<double>(), total, 1e-9 * std::abs(total));

    // Warm: the funding comes from the cache, nothing more is asked of Binance, the same result.
    const int64_t requests = FundingRequests();
    EXPECT_GE(requests, 1);
    const json warm = Post("/backtest/run", Request(5));
    EXPECT_EQ(warm["futures"]["symbols"][0]["funding"]["cacheHit"], true);
    EXPECT_EQ(warm["futures"]["symbols"][0]["funding"]["source"], "cache");
    EXPECT_EQ(FundingRequests(), requests);
    EXPECT_EQ(warm["trades"], answer["trades"]);
    EXPECT_EQ(warm["metrics"], answer["metrics"]);
}

TEST_F(Futures, LiquidationsHappenAtBinancesLiquidationPriceAndCostTheMargin) {
    StartServer();
    json request = Request(100);
    request["feeBps"] = 0;
    request["initialCash"] = 1000;
    request["positionSize"] = 0.2;  // a liquidation costs a fifth of the equity, and trading goes on
    request["funding"] = false;     // margin unchanged by funding: the price follows from the fill alone
    const json answer = Post("/backtest/run", request);
    EXPECT_EQ(answer["futures"]["fundingApplied"], false);
    EXPECT_TRUE(answer["futures"]["symbols"][0]["funding"].is_null());
    int liquidations = 0;
    for (const json& t : answer["trades"]) {
        if (t["exitReason"] != "liquidation") continue;
        ++liquidations;
        // Binance's isolated formula with BTCUSDT's first tiers (cap, rate, amount).
        const double q = t["quantity"].get<double>();
        const double entry = t["entryPrice"].get<double>();
        const double notional = q * entry;
        const double margin = notional / 100;
        const double tiers[4][3] = {
            {50'000, 0.004, 0}, {250'000, 0.005, 50}, {1'000'000, 0.01, 1'300}, {10'000'000, 0.025, 16'300}};
        size_t tier = 0;
        while (tier < 3 && notional > tiers[tier][0]) ++tier;
        const double rate = tiers[tier][1];
        const double amount = tiers[tier][2];
        const double expected = t["side"] == "long" ? (notional - margin - amount) / (q * (1 - rate))
                                                    : (notional + margin + amount) / (q * (1 + rate));
        EXPECT_NEAR(t["exitPrice"].get<double>(), expected, 1e-9 * expected) << t.dump();
        EXPECT_EQ(t["liquidationPrice"], t["exitPrice"]);
        EXPECT_NEAR(t["return"].get<double>(), -1, 1e-12);
        EXPECT_NEAR(t["pnl"].get<double>(), -margin, 1e-6);
    }
    EXPECT_GT(liquidations, 0) << "100x on hourly bars liquidates";
}

TEST_F(Futures, EveryRouteTakesLeverageAndFunding) {
    StartServer();
    json optimize = Request(3);
    optimize.erase("strategy");
    optimize["strategy"] = "sma_cross";
    optimize["grid"] = {{"fast", {5, 8}}, {"slow", {20, 30}}};
    optimize.erase("includeEquity");
    const json o = Post("/backtest/optimize", optimize);
    EXPECT_EQ(o["futures"]["leverage"], 3);
    EXPECT_TRUE(o["topN"][0]["metrics"].contains("totalFunding"));

    json walkforward = optimize;
    walkforward["start"] = "2024-01-01";
    walkforward["end"] = "2024-02-28";
    walkforward["windows"] = {{"inSample", "14d"}, {"outOfSample", "7d"}};
    const json w = Post("/backtest/walkforward", walkforward);
    EXPECT_EQ(w["futures"]["leverage"], 3);
    EXPECT_TRUE(w["outOfSample"]["metrics"].contains("totalFunding"));

    const json portfolio = {{"exchange", "binance-futures"},
                            {"timeframe", "1h"},
                            {"start", "2024-01-10"},
                            {"end", "2024-01-31"},
                            {"leverage", 2},
                            {"assets", {{{"symbol", "BTCUSDT"}, {"weight", 1}, {"strategy", "sma_cross"}}}}};
    const json p = Post("/backtest/portfolio", portfolio);
    EXPECT_EQ(p["futures"]["symbols"][0]["symbol"], "BTCUSDT");
    ASSERT_FALSE(p["assets"][0]["trades"].empty());
    EXPECT_TRUE(p["assets"][0]["trades"][0].contains("funding"));
}

TEST_F(Futures, TheFieldsAreRefusedWhereTheyCannotApply) {
    StartServer();
    json spot = Request(2);
    spot["exchange"] = "binance";
    json error = Post("/backtest/run", spot, 400);
    EXPECT_EQ(error["error"]["details"]["field"], "leverage");
    EXPECT_EQ(error["error"]["details"]["reason"], "FUTURES_ONLY");

    json unknown_tiers = Request(5);
    unknown_tiers["symbol"] = "SOLUSDT";
    error = Post("/backtest/run", unknown_tiers, 400);
    EXPECT_EQ(error["error"]["details"]["field"], "maintenanceMarginRate");

    json too_much = Request(126);
    error = Post("/backtest/run", too_much, 400);
    EXPECT_EQ(error["error"]["details"]["field"], "leverage");

    json eth = Request(101);
    eth["symbol"] = "ETHUSDT";  // ETHUSDT's first tier allows 100x
    error = Post("/backtest/run", eth, 400);
    EXPECT_EQ(error["error"]["details"]["field"], "leverage");
}

TEST_F(Futures, WithoutFundingHistoryTheRunFailsUnlessFundingIsTurnedOff) {
    // No futures upstream and an empty cache: the klines are missing too, so import them first.
    const CommandResult imported =
        RunCommand(fmt::format("{} import --exchange binance-futures --symbol BTCUSDT --interval 1h --db "
                               "{}/cache.duckdb {}/BTCUSDT-1h.csv 2>&1",
                               SPARK_EXECUTOR_PATH, directory_, kFuturesData));
    ASSERT_EQ(imported.status, 0) << imported.output;
    StartServer(/*upstream=*/false);
    const json error = Post("/backtest/run", Request(5), 404);
    EXPECT_EQ(error["error"]["details"]["field"], "funding");
    json off = Request(5);
    off["funding"] = false;
    const json answer = Post("/backtest/run", off);
    EXPECT_EQ(answer["futures"]["fundingApplied"], false);
    EXPECT_EQ(answer["metrics"]["totalFunding"], 0);

    // Binance's monthly dump imported: January's settlements are there (no mark price in dumps).
    server_.reset();
    const CommandResult funding =
        RunCommand(fmt::format("{} import --exchange binance-futures --symbol BTCUSDT --funding --db {}/cache.duckdb "
                               "{}/BTCUSDT-fundingRate-2024-01.csv 2>&1",
                               SPARK_EXECUTOR_PATH, directory_, kFuturesData));
    ASSERT_EQ(funding.status, 0) << funding.output;
    StartServer(/*upstream=*/false);
    const json imported_run = Post("/backtest/run", Request(5));
    const json& loaded = imported_run["futures"]["symbols"][0]["funding"];
    EXPECT_EQ(loaded["source"], "cache");
    EXPECT_EQ(loaded["withMarkPrice"], 0);
    EXPECT_GT(loaded["settlements"].get<int64_t>(), 40);
}

}  // namespace
}  // namespace spark::testing
