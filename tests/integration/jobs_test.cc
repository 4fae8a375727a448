// Asynchronous jobs on one machine (POST /jobs without Redis): the same answers as the
// synchronous routes, a sweep's cross-series ranking re-derived here from its CSV rows, progress
// as server-sent events, cancellation, caps and errors, and the restart rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "support/jobs_client.h"
#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Jobs : public SeededServer {};

json SweepRequest() {
    return json::parse(R"({"symbols":["BTCUSDT","ETHUSDT","SOLUSDT"],"timeframe":"1h","start":"2024-01-01",
        "end":"2024-06-30","strategy":{"name":"sma_cross"},"grid":{"fast":{"from":5,"to":30,"step":5},
        "slow":{"from":40,"to":120,"step":20}},"topN":5,"minTrades":3})");
}

std::vector<std::string> SplitCsvLine(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream in(line);
    std::string cell;
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    return cells;
}

TEST_F(Jobs, SweepSeriesEqualTheSynchronousOptimizeOfEachSymbol) {
    const json request = SweepRequest();
    const std::string id = SubmitJob(server_->Port(), "sweep", request);
    const json view = WaitUntilFinal(server_->Port(), id);
    ASSERT_EQ(view["status"], "done") << view.dump();
    EXPECT_EQ(view["progress"]["done"], 90);
    EXPECT_EQ(view["progress"]["total"], 90);
    const HttpResult answer = Get("/jobs/" + id + "/result");
    ASSERT_EQ(answer.status, 200) << answer.body;
    const json sweep = Json(answer);
    EXPECT_EQ(sweep["runs"], 90);
    ASSERT_EQ(sweep["perSeries"].size(), 3u);
    for (const json& series : sweep["perSeries"]) {
        SCOPED_TRACE(series["symbol"].get<std::string>());
        json one = request;
        one.erase("symbols");
        one["symbol"] = series["symbol"];
        const HttpResult sync = Post("/backtest/optimize", one.dump());
        ASSERT_EQ(sync.status, 200) << sync.body;
        const json optimize = Json(sync);
        EXPECT_EQ(series["evaluated"], optimize["evaluated"]);
        EXPECT_EQ(series["belowMinTrades"], optimize["belowMinTrades"]);
        EXPECT_EQ(series["topN"], optimize["topN"]);
        EXPECT_EQ(series["overfitting"], optimize["overfitting"]);
        EXPECT_EQ(series["best"]["params"], optimize["best"]["params"]);
        EXPECT_EQ(series["best"]["metrics"], optimize["best"]["metrics"]);
        EXPECT_EQ(series["best"]["trades"], optimize["best"]["trades"].size());
    }

    // The overall ranking, re-derived from every row of the CSV.
    const HttpResult rows = Get("/jobs/" + id + "/rows.csv");
    ASSERT_EQ(rows.status, 200);
    EXPECT_EQ(rows.content_type, "text/csv; charset=utf-8");
    std::stringstream lines(rows.body);
    std::string line;
    std::getline(lines, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::vector<std::string> header = SplitCsvLine(line);
    auto column = [&](const std::string& name) {
        return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
    };
    std::map<int, std::vector<double>> objectives;
    std::map<int, int> beats, series_seen;
    std::map<int, json> params;
    int count = 0;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const std::vector<std::string> cells = SplitCsvLine(line);
        ASSERT_EQ(cells.size(), header.size()) << line;
        ++count;
        const int c = std::stoi(cells[column("combination")]);
        params[c] = {{"fast", std::stod(cells[column("fast")])}, {"slow", std::stod(cells[column("slow")])}};
        series_seen[c]++;
        if (cells[column("belowMinTrades")] == "false") objectives[c].push_back(std::stod(cells[column("objective")]));
        if (std::stod(cells[column("totalReturn")]) > std::stod(cells[column("buyAndHoldReturn")])) beats[c]++;
        EXPECT_EQ(cells[column("beatBuyAndHold")],
                  beats[c] > 0 && std::stod(cells[column("totalReturn")]) > std::stod(cells[column("buyAndHoldReturn")])
                      ? "true"
                      : "false");
    }
    EXPECT_EQ(count, 90);
    struct Score {
        int combination;
        double median;
        double share;
    };
    std::vector<Score> scores;
    for (auto& [c, values] : objectives) {
        std::sort(values.begin(), values.end());
        const size_t n = values.size();
        const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
        scores.push_back({c, median, beats[c] / 3.0});
    }
    std::stable_sort(scores.begin(), scores.end(), [](const Score& a, const Score& b) {
        if (a.median != b.median) return a.median > b.median;
        return a.share > b.share;
    });
    const json& overall = sweep["overall"]["topN"];
    ASSERT_EQ(overall.size(), std::min<size_t>(5, scores.size()));
    for (size_t r = 0; r < overall.size(); ++r) {
        EXPECT_EQ(overall[r]["params"], params[scores[r].combination]) << "rank " << r + 1;
        EXPECT_EQ(overall[r]["medianObjective"].get<double>(), scores[r].median) << "rank " << r + 1;
        EXPECT_DOUBLE_EQ(overall[r]["shareBeatingBuyAndHold"].get<double>(), scores[r].share) << "rank " << r + 1;
    }
}

TEST_F(Jobs, ASweepOverTimeframesRunsEachAsItsOwnSeries) {
    json request = SweepRequest();
    request["symbols"] = {"ETHUSDT"};
    request.erase("timeframe");
    request["timeframes"] = {"1h", "4h"};
    const std::string id = SubmitJob(server_->Port(), "sweep", request);
    ASSERT_EQ(WaitUntilFinal(server_->Port(), id)["status"], "done");
    const json sweep = Json(Get("/jobs/" + id + "/result"));
    EXPECT_EQ(sweep["request"]["timeframes"], json({"1h", "4h"}));
    ASSERT_EQ(sweep["perSeries"].size(), 2u);
    for (const json& series : sweep["perSeries"]) {
        SCOPED_TRACE(series["timeframe"].get<std::string>());
        json one = request;
        one.erase("symbols");
        one.erase("timeframes");
        one["symbol"] = "ETHUSDT";
        one["timeframe"] = series["timeframe"];
        const json optimize = Json(Post("/backtest/optimize", one.dump()));
        EXPECT_EQ(series["topN"], optimize["topN"]);
        EXPECT_EQ(series["bars"]["count"], optimize["bars"]["count"]);
    }
    EXPECT_NE(sweep["perSeries"][0]["bars"]["count"], sweep["perSeries"][1]["bars"]["count"]);
}

TEST_F(Jobs, OptimizeWalkForwardAndPortfolioJobsAnswerAsTheirRoutes) {
    const json optimize = json::parse(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31",
        "strategy":{"name":"ema_cross"},"grid":{"fast":[5,8,12],"slow":[20,30,50]},"topN":4})");
    const json walkforward = json::parse(R"({"symbol":"ETHUSDT","timeframe":"1h","start":"2023-01-01",
        "end":"2023-12-31","strategy":{"name":"sma_cross"},"grid":{"fast":[5,10],"slow":[30,60]},
        "windows":{"inSample":"60d","outOfSample":"30d"}})");
    const json portfolio = json::parse(R"({"timeframe":"1h","start":"2024-01-01","end":"2024-03-31",
        "assets":[{"symbol":"BTCUSDT","weight":0.6,"strategy":{"name":"sma_cross","params":{"fast":10,"slow":30}}},
                  {"symbol":"ETHUSDT","weight":0.4,"strategy":{"name":"buy_and_hold"}}]})");
    for (const auto& [type, route, request] : {std::tuple{"optimize", "/backtest/optimize", optimize},
                                               std::tuple{"walkforward", "/backtest/walkforward", walkforward},
                                               std::tuple{"portfolio", "/backtest/portfolio", portfolio}}) {
        SCOPED_TRACE(type);
        const HttpResult sync = Post(route, request.dump());
        ASSERT_EQ(sync.status, 200) << sync.body;
        const std::string id = SubmitJob(server_->Port(), type, request);
        const json view = WaitUntilFinal(server_->Port(), id);
        ASSERT_EQ(view["status"], "done") << view.dump();
        const HttpResult answer = Get("/jobs/" + id + "/result");
        ASSERT_EQ(answer.status, 200);
        json expected = WithoutIdentity(Json(sync));
        json got = WithoutIdentity(Json(answer));
        // Where the bars came from may differ (the job ran second, from memory); the bars do not.
        for (json* j : {&expected, &got}) {
            if (j->contains("bars")) j->at("bars").erase("source");
            j->erase("concurrency");
        }
        EXPECT_EQ(got, expected);
    }
}

TEST_F(Jobs, BadJobsAreRefusedNamingTheField) {
    struct Case {
        std::string body;
        int status;
        std::string code;
        std::string field;
    };
    const json sweep = SweepRequest();
    json bad_symbol = sweep;
    bad_symbol["symbols"][1] = "eth-usdt";
    json repeated = sweep;
    repeated["symbols"][2] = "BTCUSDT";
    json intrabar = sweep;
    intrabar["intrabar"] = "1m";
    json bad_grid = sweep;
    bad_grid["grid"]["fast"] = "five";
    const std::vector<Case> cases = {
        {R"({"type":"backtest","request":{}})", 400, "INVALID_REQUEST", "type"},
        {R"({"type":"sweep"})", 400, "INVALID_REQUEST", "request"},
        {R"({"type":"sweep","request":[1]})", 400, "INVALID_REQUEST", "request"},
        {R"({"type":"sweep","request":{},"priority":1})", 400, "INVALID_REQUEST", "priority"},
        {json{{"type", "sweep"}, {"request", bad_symbol}}.dump(), 400, "INVALID_REQUEST", "request.symbols[1]"},
        {json{{"type", "sweep"}, {"request", repeated}}.dump(), 400, "INVALID_REQUEST", "request.symbols[2]"},
        {json{{"type", "sweep"}, {"request", intrabar}}.dump(), 400, "INVALID_REQUEST", "request.intrabar"},
        {json{{"type", "sweep"}, {"request", bad_grid}}.dump(), 400, "INVALID_REQUEST", "request.grid.fast"},
        {R"({"type":"optimize","request":{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-02-01"}})",
         400, "INVALID_REQUEST", "request.strategy"},
        {R"({"type":"walkforward","request":{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01",
            "end":"2024-02-01","strategy":{"name":"nope"}}})",
         400, "INVALID_REQUEST", "request.strategy.name"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.body);
        const HttpResult result = Post("/jobs", c.body);
        EXPECT_EQ(result.status, c.status) << result.body;
        const json body = Json(result);
        EXPECT_EQ(body["error"]["code"], c.code) << result.body;
        EXPECT_EQ(body["error"]["details"]["field"], c.field) << result.body;
    }
    const HttpResult unknown = Get("/jobs/job_nope");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(Json(unknown)["error"]["code"], "JOB_NOT_FOUND");
    EXPECT_EQ(Get("/jobs/job_nope/result").status, 404);
    EXPECT_EQ(HttpCall(server_->Port(), "DELETE", "/jobs/job_nope").status, 404);
    EXPECT_EQ(Get("/jobs?status=sleeping").status, 400);
    EXPECT_EQ(Get("/jobs?limit=0").status, 400);
}

TEST_F(Jobs, ProgressStreamsAsServerSentEventsUntilTheFinalState) {
    json request = SweepRequest();
    request["grid"] = json::parse(R"({"fast":{"from":2,"to":40,"step":1},"slow":{"from":50,"to":150,"step":10}})");
    const std::string id = SubmitJob(server_->Port(), "sweep", request);
    const HttpResult events = Get("/jobs/" + id + "/events");
    ASSERT_EQ(events.status, 200);
    EXPECT_EQ(events.content_type, "text/event-stream");
    EXPECT_NE(events.body.find("event: progress\ndata: {"), std::string::npos) << events.body.substr(0, 500);
    const size_t last = events.body.rfind("event: ");
    ASSERT_NE(last, std::string::npos);
    EXPECT_EQ(events.body.substr(last, 12), "event: done\n") << events.body.substr(last);
    const json final = json::parse(events.body.substr(events.body.find("data: ", last) + 6));
    EXPECT_EQ(final["status"], "done");
    EXPECT_EQ(final["progress"]["done"], final["progress"]["total"]);
    EXPECT_EQ(final["progress"]["total"], 39 * 11 * 3);
    // A finished job's stream is its final event alone.
    const HttpResult again = Get("/jobs/" + id + "/events");
    EXPECT_EQ(again.body.find("event: progress"), std::string::npos);
    EXPECT_NE(again.body.find("event: done"), std::string::npos);
}

class JobsWithCaps : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory("jobs-caps");
        server_ = std::make_unique<ServerProcess>(
            directory_, true,
            std::vector<std::string>{"--jobs-max-combinations", "20000", "--jobs-max-running", "1", "--jobs-shard-bars",
                                     "200000"});
        ASSERT_TRUE(server_->Started()) << server_->Stderr();
    }
    void TearDown() override {
        server_.reset();
        std::filesystem::remove_all(directory_);
    }
    //! About 4,500 runs of half a year of hours: long enough to cancel or interrupt.
    static json LongSweep() {
        json request = SweepRequest();
        request["grid"] = json::parse(R"({"fast":{"from":2,"to":51,"step":1},"slow":{"from":60,"to":150,"step":3}})");
        return request;
    }
    std::string directory_;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(JobsWithCaps, OverTheCapIsRefusedWithCountAndCap) {
    json request = SweepRequest();
    request["grid"] = json::parse(R"({"fast":{"from":2,"to":101,"step":1},"slow":{"from":110,"to":180,"step":1}})");
    const HttpResult result =
        HttpCall(server_->Port(), "POST", "/jobs", json{{"type", "sweep"}, {"request", request}}.dump());
    ASSERT_EQ(result.status, 400) << result.body;
    const json body = json::parse(result.body);
    EXPECT_EQ(body["error"]["code"], "TOO_MANY_COMBINATIONS");
    EXPECT_EQ(body["error"]["details"]["count"], 100 * 71 * 3);
    EXPECT_EQ(body["error"]["details"]["cap"], 20000);
}

TEST_F(JobsWithCaps, CancellingStopsARunningJobAndDropsAQueuedOne) {
    const uint16_t port = server_->Port();
    const std::string running = SubmitJob(port, "sweep", LongSweep());
    const std::string queued = SubmitJob(port, "sweep", LongSweep());
    WaitForJob(port, running, [](const json& v) { return v["progress"]["done"].get<int>() > 0; });
    EXPECT_EQ(JobView(port, queued)["status"], "queued");  // JOBS_MAX_RUNNING=1

    const HttpResult dropped = HttpCall(port, "DELETE", "/jobs/" + queued);
    ASSERT_EQ(dropped.status, 200) << dropped.body;
    EXPECT_EQ(json::parse(dropped.body)["status"], "cancelled");
    ASSERT_EQ(HttpCall(port, "DELETE", "/jobs/" + running).status, 200);
    const json view = WaitUntilFinal(port, running);
    EXPECT_EQ(view["status"], "cancelled");
    EXPECT_EQ(view["error"]["code"], "JOB_CANCELLED");
    EXPECT_LT(view["progress"]["done"].get<int>(), view["progress"]["total"].get<int>());
    const HttpResult result = HttpCall(port, "GET", "/jobs/" + running + "/result");
    EXPECT_EQ(result.status, 409);
    EXPECT_EQ(json::parse(result.body)["error"]["code"], "JOB_NOT_DONE");
    EXPECT_EQ(json::parse(result.body)["error"]["details"]["reason"], "JOB_CANCELLED");
    // Cancelling what is over changes nothing.
    const HttpResult again = HttpCall(port, "DELETE", "/jobs/" + running);
    EXPECT_EQ(json::parse(again.body)["cancelled"], false);
    const HttpResult listed = HttpCall(port, "GET", "/jobs?status=cancelled");
    EXPECT_EQ(json::parse(listed.body)["jobs"].size(), 2u);
}

// The restart rule: a job running (or queued) when the service stops is run again from the
// start by the next process, and its answer is the one a single uninterrupted run gives.
TEST_F(JobsWithCaps, ARestartResumesRunningAndQueuedJobsWithTheSameAnswer) {
    const std::string first = SubmitJob(server_->Port(), "sweep", LongSweep());
    const std::string second = SubmitJob(server_->Port(), "sweep", SweepRequest());
    WaitForJob(server_->Port(), first, [](const json& v) { return v["progress"]["done"].get<int>() > 0; });
    server_->Kill();  // a crash: nothing is written on the way down
    server_ = std::make_unique<ServerProcess>(
        directory_, false, std::vector<std::string>{"--jobs-max-combinations", "20000", "--jobs-shard-bars", "200000"});
    ASSERT_TRUE(server_->Started()) << server_->Stderr();
    const uint16_t port = server_->Port();
    for (const std::string& id : {first, second}) {
        const json view = WaitUntilFinal(port, id);
        EXPECT_EQ(view["status"], "done") << view.dump();
        EXPECT_EQ(view["restarts"], 1);
        EXPECT_EQ(view["progress"]["done"], view["progress"]["total"]);
    }
    EXPECT_NE(server_->Stderr().find("job_resumed"), std::string::npos);
    // The interrupted job's answer equals a fresh job's.
    const std::string fresh = SubmitJob(port, "sweep", LongSweep());
    ASSERT_EQ(WaitUntilFinal(port, fresh)["status"], "done");
    const HttpResult a = HttpCall(port, "GET", "/jobs/" + first + "/rows.csv");
    const HttpResult b = HttpCall(port, "GET", "/jobs/" + fresh + "/rows.csv");
    ASSERT_EQ(a.status, 200);
    EXPECT_EQ(a.body, b.body);
    EXPECT_EQ(WithoutIdentity(json::parse(HttpCall(port, "GET", "/jobs/" + first + "/result").body)),
              WithoutIdentity(json::parse(HttpCall(port, "GET", "/jobs/" + fresh + "/result").body)));
}

}  // namespace
}  // namespace spark::testing
