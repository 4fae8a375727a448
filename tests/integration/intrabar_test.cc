// `intrabar: "1m"` on the bundled overlap of BTCUSDT 1h and 1m (2024-01-01 to 2024-01-21 19:59):
// every exit is checked against the one-minute bars read here straight from the sample file,
// independently of the server: the first minute to reach a level decides, at its open when it
// opens beyond the level, and no earlier minute of the trade reached either level.
#include <gtest/gtest.h>

#include <sstream>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Intrabar : public SeededServer {};

struct Minute {
    int64_t open_time;
    double open, high, low, close;
};

//! The bundled one-minute bars, parsed here with nothing of the server's code.
std::vector<Minute> Minutes() {
    const CommandResult text = RunCommand(std::string("zcat ") + SPARK_SAMPLE_DIR + "/BTCUSDT-1m.csv.gz");
    std::vector<Minute> out;
    std::istringstream lines(text.output);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string f[5];
        for (std::string& x : f) std::getline(fields, x, ',');
        out.push_back({std::stoll(f[0]), std::stod(f[1]), std::stod(f[2]), std::stod(f[3]), std::stod(f[4])});
    }
    return out;
}

constexpr int64_t kMillisPerHour = 3'600'000;
constexpr double kStop = 0.004;
constexpr double kTarget = 0.006;

json Request(bool intrabar) {
    json request = {{"symbol", "BTCUSDT"},
                    {"timeframe", "1h"},
                    {"start", "2024-01-01"},
                    {"end", "2024-01-21T20:00:00Z"},
                    {"strategy", {{"name", "ema_cross"}, {"params", {{"fast", 5}, {"slow", 20}}}}},
                    {"allowShort", true},
                    {"stopLossPct", kStop},
                    {"takeProfitPct", kTarget},
                    {"includeEquity", false}};
    if (intrabar) request["intrabar"] = "1m";
    return request;
}

TEST_F(Intrabar, EveryExitIsTheFirstMinuteToReachALevel) {
    const HttpResult result = Post("/backtest/run", Request(true).dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["request"]["intrabar"], "1m");
    EXPECT_EQ(body["intrabar"]["timeframe"], "1m");
    EXPECT_EQ(body["intrabar"]["count"], 30000);
    EXPECT_EQ(body["intrabar"]["incompleteBars"], 0);
    EXPECT_EQ(body["intrabar"]["source"], "cache");
    EXPECT_NE(body["semantics"]["intrabarExits"].get<std::string>().find("1m bars"), std::string::npos);

    const std::vector<Minute> minutes = Minutes();
    ASSERT_EQ(minutes.size(), 30000u);
    const auto first_minute_of = [&](int64_t hour_ms) {
        return static_cast<size_t>(std::lower_bound(minutes.begin(), minutes.end(), hour_ms,
                                                    [](const Minute& m, int64_t t) { return m.open_time < t; }) -
                                   minutes.begin());
    };
    int level_exits = 0;
    for (const json& trade : body["trades"]) {
        if (trade["open"].get<bool>()) continue;
        const bool is_long = trade["side"] == "long";
        const double entry = trade["entryPrice"];
        const double stop = is_long ? entry * (1 - kStop) : entry * (1 + kStop);
        const double target = is_long ? entry * (1 + kTarget) : entry * (1 - kTarget);
        const std::string reason = trade["exitReason"];
        const int64_t entry_hour = trade["entryTime"];
        const int64_t exit_hour = trade["exitTime"];
        // A signal exit fills at the exit hour's open: the minutes held end before it.
        const size_t end =
            reason == "signal" ? first_minute_of(exit_hour) : first_minute_of(exit_hour + kMillisPerHour);
        std::string found = "none";
        double price = 0;
        for (size_t m = first_minute_of(entry_hour); m < end; ++m) {
            const Minute& bar = minutes[m];
            const bool entry_minute = m == first_minute_of(entry_hour);
            const double worst = is_long ? bar.low : bar.high;
            const double best = is_long ? bar.high : bar.low;
            const auto beyond = [&](double a, double b) { return is_long ? a >= b : a <= b; };
            if (!entry_minute && beyond(stop, bar.open)) {
                found = "stop_loss", price = bar.open;
            } else if (!entry_minute && beyond(bar.open, target)) {
                found = "take_profit", price = bar.open;
            } else if (beyond(stop, worst)) {
                found = "stop_loss", price = stop;
            } else if (beyond(best, target)) {
                found = "take_profit", price = target;
            } else {
                continue;
            }
            EXPECT_EQ(bar.open_time - bar.open_time % kMillisPerHour, exit_hour) << trade.dump();
            break;
        }
        if (reason == "signal") {
            EXPECT_EQ(found, "none") << "a level was reached before the signal's exit: " << trade.dump();
        } else {
            ++level_exits;
            EXPECT_EQ(found, reason) << trade.dump();
            EXPECT_NEAR(trade["exitPrice"].get<double>(), price, 1e-9 * price) << trade.dump();
        }
    }
    EXPECT_GT(level_exits, 20);
}

TEST_F(Intrabar, TheMinutesChangeWhatTheHoursAloneWouldDecide) {
    const json with = Json(Post("/backtest/run", Request(true).dump()));
    const json without = Json(Post("/backtest/run", Request(false).dump()));
    EXPECT_TRUE(without["intrabar"].is_null());
    ASSERT_TRUE(with["trades"].is_array());
    ASSERT_TRUE(without["trades"].is_array());
    // Hours alone resolve a bar reaching both levels as a stop; minutes know which came first.
    int first_difference = -1;
    for (size_t i = 0; i < std::min(with["trades"].size(), without["trades"].size()); ++i) {
        if (with["trades"][i] != without["trades"][i]) {
            first_difference = static_cast<int>(i);
            break;
        }
    }
    ASSERT_GE(first_difference, 0);
    const json& fine = with["trades"][first_difference];
    const json& coarse = without["trades"][first_difference];
    EXPECT_EQ(fine["entryTime"], coarse["entryTime"]);
    EXPECT_EQ(coarse["exitReason"], "stop_loss");
    EXPECT_EQ(fine["exitReason"], "take_profit") << fine.dump() << " vs " << coarse.dump();
}

TEST_F(Intrabar, OptimizeAndWalkForwardFoldsAreTheMatchingSingleRuns) {
    json optimize = Request(true);
    optimize.erase("includeEquity");
    optimize["strategy"] = "ema_cross";
    optimize["grid"] = {{"fast", {5, 8}}, {"slow", {20}}, {"takeProfitPct", {0.006, 0.01}}};
    optimize["topN"] = 4;
    optimize["minTrades"] = 0;
    const HttpResult result = Post("/backtest/optimize", optimize.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["intrabar"]["count"], 30000);
    for (const json& row : body["topN"]) {
        json single = Request(true);
        single["strategy"] = {{"name", "ema_cross"}, {"params", {{"fast", row["params"]["fast"]}, {"slow", 20}}}};
        single["takeProfitPct"] = row["params"]["takeProfitPct"];
        EXPECT_EQ(Json(Post("/backtest/run", single.dump()))["metrics"], row["metrics"]) << row["params"].dump();
    }

    json walkforward = optimize;
    walkforward.erase("topN");
    walkforward["windows"] = {{"inSample", "7d"}, {"outOfSample", "3d"}};
    const HttpResult folds = Post("/backtest/walkforward", walkforward.dump());
    ASSERT_EQ(folds.status, 200) << folds.body;
    const json wf = Json(folds);
    EXPECT_EQ(wf["intrabar"]["count"], 30000);
    ASSERT_FALSE(wf["folds"].empty());
    for (const json& fold : wf["folds"]) {
        json single = Request(true);
        single["start"] = fold["outOfSample"]["start"];
        single["end"] = fold["outOfSample"]["endExclusive"];
        single["warmupBars"] = fold["inSample"]["bars"];
        single["strategy"] = {{"name", "ema_cross"}, {"params", {{"fast", fold["params"]["fast"]}, {"slow", 20}}}};
        single["takeProfitPct"] = fold["params"]["takeProfitPct"];
        const json run = Json(Post("/backtest/run", single.dump()));
        EXPECT_EQ(run["trades"], fold["trades"]) << "fold " << fold["fold"];
    }
}

TEST_F(Intrabar, AGridThatSetsTheOnlyLevelStillResolvesOnMinutes) {
    json optimize = Request(true);
    optimize.erase("includeEquity");
    optimize.erase("stopLossPct");
    optimize.erase("takeProfitPct");
    optimize["strategy"] = Request(true)["strategy"];
    optimize["grid"] = {{"trailingStopPct", {0.01}}};
    const HttpResult result = Post("/backtest/optimize", optimize.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json body = Json(result);
    EXPECT_EQ(body["intrabar"]["count"], 30000) << body["warnings"].dump();
    json single = Request(true);
    single.erase("stopLossPct");
    single.erase("takeProfitPct");
    single["trailingStopPct"] = 0.01;
    EXPECT_EQ(Json(Post("/backtest/run", single.dump()))["metrics"], body["topN"][0]["metrics"]);
}

TEST_F(Intrabar, APortfolioSleeveResolvesOnItsAssetsMinutes) {
    json portfolio = {{"assets", {{{"symbol", "BTCUSDT"}, {"weight", 1}, {"strategy", Request(true)["strategy"]}}}},
                      {"timeframe", "1h"},
                      {"start", "2024-01-01"},
                      {"end", "2024-01-21T20:00:00Z"},
                      {"allowShort", true},
                      {"stopLossPct", kStop},
                      {"takeProfitPct", kTarget},
                      {"intrabar", "1m"}};
    const HttpResult result = Post("/backtest/portfolio", portfolio.dump());
    ASSERT_EQ(result.status, 200) << result.body;
    const json sleeve = Json(result);
    EXPECT_EQ(sleeve["assets"][0]["trades"], Json(Post("/backtest/run", Request(true).dump()))["trades"]);
    EXPECT_NE(sleeve["assets"][0]["trades"], Json(Post("/backtest/run", Request(false).dump()))["trades"]);
}

TEST_F(Intrabar, BadOrUselessIntrabarIsSaid) {
    json same = Request(true);
    same["intrabar"] = "1h";
    const HttpResult not_finer = Post("/backtest/run", same.dump());
    ASSERT_EQ(not_finer.status, 400) << not_finer.body;
    EXPECT_EQ(Json(not_finer)["error"]["details"]["field"], "intrabar");
    EXPECT_EQ(Json(not_finer)["error"]["details"]["reason"], "OUT_OF_RANGE");
    EXPECT_NE(Json(not_finer)["error"]["message"].get<std::string>().find("1m"), std::string::npos);

    json unknown = Request(true);
    unknown["intrabar"] = "7m";
    EXPECT_EQ(Json(Post("/backtest/run", unknown.dump()))["error"]["details"]["reason"], "UNKNOWN_TIMEFRAME");

    json no_levels = Request(true);
    no_levels.erase("stopLossPct");
    no_levels.erase("takeProfitPct");
    const HttpResult unused = Post("/backtest/run", no_levels.dump());
    ASSERT_EQ(unused.status, 200) << unused.body;
    EXPECT_TRUE(Json(unused)["intrabar"].is_null());
    EXPECT_EQ(Json(unused)["warnings"][0]["code"], "INTRABAR_UNUSED") << unused.body;

    // No one-minute bars in March (and no upstream here): the request fails naming intrabar.
    json march = Request(true);
    march["start"] = "2024-03-01";
    march["end"] = "2024-03-07";
    const HttpResult missing = Post("/backtest/run", march.dump());
    ASSERT_EQ(missing.status, 404) << missing.body;
    EXPECT_EQ(Json(missing)["error"]["details"]["field"], "intrabar");
}

}  // namespace
}  // namespace spark::testing
