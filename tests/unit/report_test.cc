#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/candle.h"
#include "report/csv_export.h"
#include "report/monthly_returns.h"
#include "report/tearsheet.h"

namespace spark::report {
namespace {

using nlohmann::json;

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kJan1st2024 = 1704067200000;

//! Two trades, the second with an exit reason that needs quoting (synthetic: no engine writes it).
json TwoTrades() {
    return json::parse(R"([
        {"side": "long", "entryTime": 1704067200000, "entryBar": 0, "entryPrice": 42000.5,
         "exitTime": 1704153600000, "exitBar": 24, "exitPrice": 43000, "quantity": 0.25, "fees": 21.25,
         "pnl": 228.75, "return": 0.0228, "open": false, "exitReason": "signal"},
        {"side": "short", "entryTime": 1704240000000, "entryBar": 48, "entryPrice": 43500,
         "exitTime": 1704326400000, "exitBar": 72, "exitPrice": 44000, "quantity": 0.5, "fees": 0.1,
         "pnl": -250.1, "return": -0.05, "open": true, "exitReason": "stop, then \"end\""}])");
}

json RunAnswer() {
    json answer = json::parse(R"json({
        "runId": "run_00000000000000000000000000000001",
        "request": {"exchange": "binance", "symbol": "BTCUSDT", "timeframe": "1h", "start": "2024-01-01",
                    "end": "2024-02-29", "startTime": 1704067200000, "endTimeExclusive": 1709251200000,
                    "initialCash": 100, "strategy": {"params": {}, "let": {}, "entry": "close < sma(close, 20)"}},
        "semantics": {"version": "v1", "fill": "next_open", "sizing": {"mode": "fraction", "value": 1}},
        "futures": null,
        "warnings": [],
        "metrics": {"totalReturn": -0.01, "sharpe": 1.25, "maxDrawdown": 0.1, "numTrades": 2,
                    "profitFactor": null},
        "equity": [[1704067200000, 100], [1706659200000, 110], [1706745600000, 105], [1709164800000, 99]]})json");
    answer["trades"] = TwoTrades();
    return answer;
}

std::vector<std::string> Lines(const std::string& csv) {
    std::vector<std::string> lines;
    for (size_t start = 0; start < csv.size();) {
        const size_t end = csv.find("\r\n", start);
        if (end == std::string::npos) break;
        lines.push_back(csv.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

TEST(TradesCsv, RunAnswerIsExactRfc4180) {
    const Result<std::string> csv = TradesCsv(RunAnswer());
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    EXPECT_EQ(*csv,
              "side,entryTime,entryTimeMs,entryPrice,exitTime,exitTimeMs,exitPrice,quantity,fees,pnl,return,"
              "exitReason,open\r\n"
              "long,2024-01-01T00:00:00Z,1704067200000,42000.5,2024-01-02T00:00:00Z,1704153600000,43000,0.25,21.25,"
              "228.75,0.0228,signal,false\r\n"
              "short,2024-01-03T00:00:00Z,1704240000000,43500,2024-01-04T00:00:00Z,1704326400000,44000,0.5,0.1,"
              "-250.1,-0.05,\"stop, then \"\"end\"\"\",true\r\n");
}

TEST(TradesCsv, OptimizeTakesTheBestResultsTrades) {
    json answer = {{"topN", json::array()}, {"futures", nullptr}, {"best", {{"params", {{"fast", 10}}}}}};
    answer["best"]["trades"] = TwoTrades();
    const Result<std::string> csv = TradesCsv(answer);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    EXPECT_EQ(Lines(*csv).size(), 3u);

    answer["best"] = nullptr;
    EXPECT_FALSE(TradesCsv(answer).has_value());
}

TEST(TradesCsv, WalkForwardHasAFoldColumn) {
    json answer = json::parse(R"({"futures": null, "outOfSample": {"metrics": {}, "equity": []},
        "folds": [{"fold": 1}, {"fold": 2, "params": null}, {"fold": 3}]})");
    answer["folds"][0]["trades"] = json::array({TwoTrades()[0]});
    answer["folds"][2]["trades"] = json::array({TwoTrades()[1]});
    const Result<std::string> csv = TradesCsv(answer);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    const std::vector<std::string> lines = Lines(*csv);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].rfind("fold,side,entryTime,", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1].rfind("1,long,2024-01-01T00:00:00Z,", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind("3,short,2024-01-03T00:00:00Z,", 0), 0u) << lines[2];
}

TEST(TradesCsv, PortfolioHasASymbolColumn) {
    json answer = json::parse(R"({"futures": null, "correlation": {"symbols": [], "matrix": []}, "equity": [],
        "assets": [{"symbol": "BTCUSDT"}, {"symbol": "ETHUSDT"}]})");
    answer["assets"][0]["trades"] = json::array({TwoTrades()[0]});
    answer["assets"][1]["trades"] = json::array({TwoTrades()[1]});
    const Result<std::string> csv = TradesCsv(answer);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    const std::vector<std::string> lines = Lines(*csv);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0].rfind("symbol,side,", 0), 0u) << lines[0];
    EXPECT_EQ(lines[1].rfind("BTCUSDT,long,", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind("ETHUSDT,short,", 0), 0u) << lines[2];
}

TEST(TradesCsv, FuturesColumnsOnlyForFutures) {
    const Result<std::string> spot = TradesCsv(RunAnswer());
    ASSERT_TRUE(spot.has_value());
    EXPECT_EQ(spot->find("funding"), std::string::npos);
    EXPECT_EQ(spot->find("liquidationPrice"), std::string::npos);

    json answer = RunAnswer();
    answer["futures"] = {{"leverage", 3}, {"marginMode", "isolated"}};
    answer["trades"][0]["funding"] = 1.5;
    answer["trades"][0]["liquidationPrice"] = 28000.25;
    answer["trades"][1]["funding"] = -0.5;
    answer["trades"][1]["liquidationPrice"] = nullptr;
    const Result<std::string> futures = TradesCsv(answer);
    ASSERT_TRUE(futures.has_value()) << futures.error().message;
    const std::vector<std::string> lines = Lines(*futures);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0],
              "side,entryTime,entryTimeMs,entryPrice,exitTime,exitTimeMs,exitPrice,quantity,fees,funding,"
              "liquidationPrice,pnl,return,exitReason,open");
    EXPECT_NE(lines[1].find(",21.25,1.5,28000.25,228.75,"), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find(",0.1,-0.5,,-250.1,"), std::string::npos) << lines[2];
}

TEST(EquityCsv, DrawdownFromTheRunningMaximum) {
    json answer = RunAnswer();
    answer["equity"] = json::array();
    for (const double e : {100.0, 120.0, 90.0, 120.0, 60.0}) {
        answer["equity"].push_back({kJan1st2024 + static_cast<int64_t>(answer["equity"].size()) * kHour, e});
    }
    const Result<std::string> csv = EquityCsv(answer);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    EXPECT_EQ(*csv,
              "time,timeMs,equity,drawdown\r\n"
              "2024-01-01T00:00:00Z,1704067200000,100,0\r\n"
              "2024-01-01T01:00:00Z,1704070800000,120,0\r\n"
              "2024-01-01T02:00:00Z,1704074400000,90,0.25\r\n"
              "2024-01-01T03:00:00Z,1704078000000,120,0\r\n"
              "2024-01-01T04:00:00Z,1704081600000,60,0.5\r\n");
}

TEST(EquityCsv, MissingCurvesAreErrorsThatSayWhy) {
    json answer = RunAnswer();
    answer.erase("equity");
    const Result<std::string> run = EquityCsv(answer);
    ASSERT_FALSE(run.has_value());
    EXPECT_NE(run.error().message.find("includeEquity"), std::string::npos) << run.error().message;

    const json optimize = {{"topN", json::array()}, {"best", nullptr}};
    const Result<std::string> none = EquityCsv(optimize);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(none.error().code, ErrorCode::kInvalidRequest);
}

TEST(EquityCsv, WalkForwardUsesTheStitchedOutOfSampleCurve) {
    const json answer = json::parse(R"({"folds": [], "outOfSample": {"metrics": {},
        "equity": [[1704067200000, 10000], [1704070800000, 7500]]}})");
    const Result<std::string> csv = EquityCsv(answer);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    EXPECT_EQ(Lines(*csv).back(), "2024-01-01T01:00:00Z,1704070800000,7500,0.25");
}

TEST(CombinationsCsv, OneRowPerCombinationWithSkippedRows) {
    const json combinations = json::parse(R"([
        {"params": {"slow": 30, "fast": 10}, "metrics": {"sharpe": 1.5, "numTrades": 12},
         "skipped": false, "belowMinTrades": false},
        {"params": {"fast": 30, "slow": 10}, "metrics": null, "skipped": true, "belowMinTrades": false},
        {"params": {"fast": 20, "slow": 30}, "metrics": {"sharpe": -0.25, "numTrades": 0, "profitFactor": null},
         "skipped": false, "belowMinTrades": true}])");
    const Result<std::string> csv = CombinationsCsv(combinations);
    ASSERT_TRUE(csv.has_value()) << csv.error().message;
    EXPECT_EQ(*csv,
              "fast,slow,numTrades,sharpe,profitFactor,skipped,belowMinTrades\r\n"
              "10,30,12,1.5,,false,false\r\n"
              "30,10,,,,true,false\r\n"
              "20,30,0,-0.25,,false,true\r\n");
}

TEST(CombinationsCsv, OnlyForOptimizeRuns) {
    const Result<std::string> csv = CombinationsCsv(RunAnswer());
    ASSERT_FALSE(csv.has_value());
    EXPECT_EQ(csv.error().message, "combinations.csv exists for optimize runs only");
}

std::string Lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

std::vector<Candle> HourlyBars(size_t count) {
    std::vector<Candle> bars;
    for (size_t i = 0; i < count; ++i) {
        const double base = 42000 + static_cast<double>(i % 50) * 10;
        bars.push_back({.open_time_ms = kJan1st2024 + static_cast<int64_t>(i) * kHour,
                        .open = base,
                        .high = base + 30,
                        .low = base - 30,
                        .close = base + 5,
                        .volume = 1});
    }
    return bars;
}

TEST(MonthlyReturnsOf, EachMonthAgainstThePreviousMonthsLastEquity) {
    // 100 at 2024-01-01, 110 on 2024-01-31, 99 on 2024-02-29; the initial cash is 100.
    const std::vector<EquityPoint> curve = {{kJan1st2024, 100, 0}, {1706659200000, 110, 0}, {1709164800000, 99, 0.1}};
    const MonthlyReturns returns = MonthlyReturnsOf(curve, 100);
    ASSERT_EQ(returns.months.size(), 2u);
    EXPECT_NEAR(returns.months.at(2024 * 12 + 0), 0.10, 1e-12);
    EXPECT_NEAR(returns.months.at(2024 * 12 + 1), -0.10, 1e-12);
    ASSERT_EQ(returns.years.size(), 1u);
    EXPECT_NEAR(returns.years.at(2024), -0.01, 1e-12);
}

TEST(Tearsheet, RunPageHasMetricsHeatmapAndNothingExternal) {
    const std::vector<Candle> bars = HourlyBars(24 * 60);
    const std::string html = Tearsheet(RunAnswer(), bars);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find("@media print"), std::string::npos);
    EXPECT_NE(html.find(">sharpe</th><td>1.25</td>"), std::string::npos);
    EXPECT_NE(html.find(">numTrades</th><td>2</td>"), std::string::npos);
    EXPECT_NE(html.find(">profitFactor</th>"), std::string::npos);
    // January: 100 -> 110; February: 110 -> 99.
    EXPECT_NE(html.find(">+10.0%</td>"), std::string::npos);
    EXPECT_NE(html.find(">-10.0%</td>"), std::string::npos);
    EXPECT_NE(html.find("<th>2024</th>"), std::string::npos);
    const std::string lower = Lower(html);
    EXPECT_EQ(lower.find("http://"), std::string::npos);
    EXPECT_EQ(lower.find("https://"), std::string::npos);
    EXPECT_EQ(lower.find("<script"), std::string::npos);
    EXPECT_EQ(lower.find("url("), std::string::npos);
    // The strategy's own text is escaped wherever it appears.
    EXPECT_NE(html.find("close &lt; sma(close, 20)"), std::string::npos);
    EXPECT_EQ(html.find("close < sma"), std::string::npos);
    EXPECT_NE(html.find("stop, then &quot;end&quot;"), std::string::npos);
    // Entry markers of both sides over the drawn price.
    EXPECT_NE(html.find("class=\"long\""), std::string::npos);
    EXPECT_NE(html.find("class=\"short\""), std::string::npos);
    EXPECT_EQ(html, Tearsheet(RunAnswer(), bars));
}

TEST(Tearsheet, WithoutBarsThePricePanelSaysSo) {
    const std::string html = Tearsheet(RunAnswer(), {});
    EXPECT_NE(html.find("price bars were not available"), std::string::npos);
    EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Tearsheet, TradesTableStopsAt500) {
    json answer = RunAnswer();
    answer["trades"] = json::array();
    for (int i = 0; i < 503; ++i) answer["trades"].push_back(TwoTrades()[0]);
    const std::string html = Tearsheet(answer, {});
    EXPECT_NE(html.find("<tr><td>500</td>"), std::string::npos);
    EXPECT_EQ(html.find("<tr><td>501</td>"), std::string::npos);
    EXPECT_NE(html.find("3 more trades are not shown"), std::string::npos);
}

TEST(Tearsheet, RouteSectionsForOptimizeWalkForwardAndPortfolio) {
    json optimize = json::parse(R"({"request": {"symbol": "BTCUSDT", "timeframe": "1h",
        "strategy": {"name": "sma_cross", "params": {"fast": 10, "slow": 30}}},
        "topN": [{"rank": 1, "params": {"fast": 10, "slow": 30}, "objective": 1.5, "metrics": {"sharpe": 1.5}}],
        "best": {"params": {"fast": 10, "slow": 30}, "metrics": {"sharpe": 1.5}, "trades": []},
        "overfitting": {"psr": 0.9, "dsr": 0.7}, "evaluated": 3, "skipped": 1})");
    const std::string o = Tearsheet(optimize, {});
    EXPECT_NE(o.find("sma_cross(fast=10, slow=30)"), std::string::npos);
    EXPECT_NE(o.find("Best parameters"), std::string::npos);
    EXPECT_NE(o.find("Overfitting guard"), std::string::npos);
    EXPECT_NE(o.find("no equity curve"), std::string::npos);

    const json walk_forward = json::parse(R"({"request": {"symbol": "BTCUSDT", "initialCash": 100},
        "folds": [{"fold": 1, "params": {"fast": 10}, "efficiency": 0.8,
                   "inSample": {"start": 1704067200000, "endExclusive": 1704153600000, "bars": 24},
                   "outOfSample": {"start": 1704153600000, "endExclusive": 1704240000000, "bars": 24},
                   "trades": []}],
        "verdict": {"pass": true, "reason": "efficiency 0.8 >= 0.6"},
        "outOfSample": {"metrics": {"cagr": 0.5}, "equity": [[1704153600000, 100], [1706659200000, 110]]}})");
    const std::string w = Tearsheet(walk_forward, {});
    EXPECT_NE(w.find("<h2>Folds</h2>"), std::string::npos);
    EXPECT_NE(w.find("efficiency 0.8 &gt;= 0.6"), std::string::npos);
    EXPECT_NE(w.find(">+10.0%</td>"), std::string::npos);

    const json portfolio = json::parse(R"({"request": {"initialCash": 100,
        "assets": [{"symbol": "BTCUSDT", "weight": 0.5, "strategy": {"name": "buy_and_hold", "params": {}}},
                   {"symbol": "ETHUSDT", "weight": 0.5, "strategy": {"name": "buy_and_hold", "params": {}}}]},
        "metrics": {"totalReturn": 0.1},
        "assets": [{"symbol": "BTCUSDT", "contribution": 0.07, "metrics": {}, "trades": []},
                   {"symbol": "ETHUSDT", "contribution": 0.03, "metrics": {}, "trades": []}],
        "correlation": {"symbols": ["BTCUSDT", "ETHUSDT"], "matrix": [[1, 0.8], [0.8, 1]]},
        "equity": [[1704067200000, 100], [1706659200000, 110]]})");
    const std::string p = Tearsheet(portfolio, {});
    EXPECT_NE(p.find("BTCUSDT, ETHUSDT"), std::string::npos);
    EXPECT_NE(p.find("<td>0.800</td>"), std::string::npos);
    EXPECT_NE(p.find("<td>0.07</td>"), std::string::npos);
}

}  // namespace
}  // namespace spark::report
