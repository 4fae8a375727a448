// Operations: REAL_ROUTES, configuration, the audit log, a real Prometheus, the Grafana dashboard.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <regex>
#include <set>
#include <thread>

#include "support/prometheus_process.h"
#include "support/seeded_server.h"

namespace spark::testing {
namespace {

using nlohmann::json;

class Operations : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    //! The audit file's job lines (`actions` false) or its route-transition lines (true).
    std::vector<json> AuditLines(bool actions = false) const {
        std::vector<json> lines;
        std::ifstream in(directory_ + "/audit.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            json parsed = json::parse(line);
            if (parsed.contains("action") == actions) lines.push_back(std::move(parsed));
        }
        return lines;
    }

    std::string directory_;
};

const char* kOptimize = R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-31",
    "strategy":"sma_cross","grid":{"fast":[5,10],"slow":[30]}})";
const char* kWalkForward = R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-03-31",
    "strategy":"sma_cross","grid":{"fast":[5,10],"slow":[30]},"windows":{"inSample":"30d","outOfSample":"10d"}})";
const char* kPortfolio = R"({"assets":[{"symbol":"BTCUSDT","weight":0.5},{"symbol":"ETHUSDT","weight":0.5}],
    "timeframe":"1h","start":"2024-01-01","end":"2024-01-31"})";

TEST_F(Operations, RoutesLeftOutOfRealRoutesAnswerDeterministically) {
    // No sample data at all: a real route finds nothing, a deterministic one never looks.
    ServerProcess server(directory_, /*seed=*/false, {"--real-routes", "run"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const HttpResult run = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
    EXPECT_EQ(run.status, 404);  // real: the empty cache has no bars
    for (const auto& [path, body, route] : {std::tuple{"/backtest/optimize", kOptimize, "optimize"},
                                            std::tuple{"/backtest/walkforward", kWalkForward, "walkforward"},
                                            std::tuple{"/backtest/portfolio", kPortfolio, "portfolio"}}) {
        const HttpResult result = HttpCall(server.Port(), "POST", path, body);
        ASSERT_EQ(result.status, 200) << path << ": " << result.body;
        const json answer = json::parse(result.body);
        EXPECT_EQ(answer["mode"], "deterministic");
        EXPECT_EQ(answer["route"], route);
        EXPECT_EQ(answer["request"], json::parse(body));
        EXPECT_EQ(answer["requestDigest"].get<std::string>().size(), 16u);
        EXPECT_EQ(answer["warnings"], json::array());  // every answer carries warnings
        // Derived only from the request: the same request, the same answer (the run id aside).
        json again = json::parse(HttpCall(server.Port(), "POST", path, body).body);
        again.erase("runId");
        json first = answer;
        first.erase("runId");
        EXPECT_EQ(again, first);
    }
    const json version = json::parse(HttpCall(server.Port(), "GET", "/version").body);
    EXPECT_EQ(version["routes"]["run"], "real");
    EXPECT_EQ(version["routes"]["optimize"], "deterministic");
    EXPECT_EQ(version["config"]["realRoutes"], "run");
    // The cache was never read for the deterministic routes: no bars served at all.
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, R"(spark_backtest_bars_served_total{source="cache"})"), 0);
}

TEST_F(Operations, EveryRouteCanBeSwitchedOff) {
    ServerProcess server(directory_, /*seed=*/false, {"--real-routes=none"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const HttpResult run = HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
    ASSERT_EQ(run.status, 200) << run.body;
    const json answer = json::parse(run.body);
    EXPECT_EQ(answer["mode"], "deterministic");
    EXPECT_EQ(answer["bars"]["count"], 0);
    EXPECT_TRUE(answer["metrics"].contains("sharpe"));
    EXPECT_EQ(answer["warnings"], json::array());
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", "{broken").status, 400);
}

TEST_F(Operations, BadConfigurationFailsStartUpWithTheSetting) {
    for (const char* bad : {"REAL_ROUTES=run,backtest", "REAL_ROUTES=", "WFO_THRESHOLD=high",
                            "OPTIMIZER_MAX_CONCURRENCY=0", "OPTIMIZER_MAX_COMBINATIONS=-1", "PORTFOLIO_MAX_ASSETS=0",
                            "SPARK_AUDIT_KEEP=0", "PORT=http", "SPARK_WORKERS=many", "SPARK_MEMORY_CACHE_MB=-5"}) {
        const std::string name = std::string(bad).substr(0, std::string(bad).find('='));
        // Bounded, on a free port and a scratch cache: a setting wrongly accepted fails, not hangs.
        const CommandResult result =
            RunCommand("timeout 10 env " + std::string(bad) + " " + SPARK_EXECUTOR_PATH + " serve --port 0 --db " +
                       directory_ + "/c.duckdb --audit-log " + directory_ + "/a.jsonl");
        EXPECT_EQ(result.status, 2) << bad << ": " << result.output;
        EXPECT_NE(result.output.find(name), std::string::npos) << bad << ": " << result.output;
    }
}

TEST_F(Operations, AFailedJobsAuditLineSaysWhatItWasAndWhy) {
    // Offline, with an upstream that cannot be reached: the job parses, then its fetch fails.
    ServerProcess server(directory_, /*seed=*/true,
                         {"--binance-base-url", "http://127.0.0.1:1", "--binance-max-attempts", "1"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    const std::string run = R"json({"symbol":"SOLUSDT","timeframe":"4h","start":"2023-06-01","end":"2023-06-05",
        "strategy":{"name":"ema_cross"}})json";
    const std::string optimize = R"json({"symbol":"SOLUSDT","timeframe":"4h","start":"2023-06-01","end":"2023-06-05",
        "strategy":{"name":"sma_cross"},"grid":{"fast":[5,10],"slow":[20]}})json";
    const std::string portfolio = R"json({"timeframe":"1h","start":"2023-06-01","end":"2023-06-05",
        "assets":[{"symbol":"BTCUSDT","weight":0.5},
                  {"symbol":"XRPUSDT","weight":0.5,"strategy":{"entry":"close > sma(close, 5)"}}]})json";
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", run).status, 502);
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/optimize", optimize).status, 502);
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/portfolio", portfolio).status, 502);
    const auto lines = AuditLines();
    ASSERT_EQ(lines.size(), 3u);
    for (const json& line : lines) {
        EXPECT_EQ(line["status"], 502) << line;
        EXPECT_EQ(line["errorCode"], "MARKET_DATA_UNAVAILABLE") << line;
        EXPECT_NE(line["error"]["message"].get<std::string>().find("The cache lacks"), std::string::npos) << line;
        EXPECT_EQ(line["start"], "2023-06-01") << line;
    }
    EXPECT_EQ(lines[0]["symbol"], "SOLUSDT");
    EXPECT_EQ(lines[0]["timeframe"], "4h");
    EXPECT_EQ(lines[0]["strategy"], "ema_cross");
    EXPECT_EQ(lines[1]["route"], "optimize");
    EXPECT_EQ(lines[1]["strategy"], "sma_cross");
    EXPECT_EQ(lines[2]["symbol"], "BTCUSDT,XRPUSDT");
    EXPECT_EQ(lines[2]["strategy"], "buy_and_hold,rules");  // a portfolio sleeve holds by default
    EXPECT_EQ(lines[2]["error"]["field"], "assets[1].symbol");
    // Each failed fetch was a cache miss, whatever its outcome (the portfolio's BTCUSDT a hit).
    const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
    EXPECT_EQ(MetricValue(metrics, "spark_backtest_cache_misses_total"), 3) << metrics;
}

TEST_F(Operations, AStartThatChangesWhichRoutesAreRealSaysSoInTheAuditLog) {
    {
        ServerProcess first(directory_);
        ASSERT_TRUE(first.Started()) << first.Stderr();
        EXPECT_EQ(first.Stop(), 0);
    }
    std::vector<json> actions = AuditLines(/*actions=*/true);
    ASSERT_EQ(actions.size(), 4u);  // the first start: every route made real
    for (const json& line : actions) {
        EXPECT_EQ(line["action"], "route_made_real") << line;
        EXPECT_EQ(line["params"]["cache_mode"], "cache-only") << line;  // the tests' server has no upstream
        EXPECT_EQ(line["dryRun"], false);
        EXPECT_EQ(line["confirm_required"], true);
        EXPECT_NE(line["reason"].get<std::string>().find("first start"), std::string::npos) << line;
    }
    EXPECT_EQ(actions[0]["params"]["route"], "run");
    EXPECT_EQ(actions[0]["params"]["evidence_path"], "evidence/run/");
    EXPECT_EQ(actions[0]["params"]["metrics"],
              "spark_backtest_run_jobs_total,spark_backtest_run_errors_total,spark_backtest_run_latency_ms");
    {
        ServerProcess rolled_back(directory_, /*seed=*/false, {"--real-routes", "run,portfolio"});
        ASSERT_TRUE(rolled_back.Started()) << rolled_back.Stderr();
        // GET /backtest/runs lists jobs only.
        const json runs = json::parse(HttpCall(rolled_back.Port(), "GET", "/backtest/runs").body);
        EXPECT_TRUE(runs["runs"].empty()) << runs;
        EXPECT_EQ(rolled_back.Stop(), 0);
    }
    actions = AuditLines(/*actions=*/true);
    ASSERT_EQ(actions.size(), 6u);
    for (size_t i = 4; i < 6; ++i) {
        EXPECT_EQ(actions[i]["action"], "route_made_deterministic") << actions[i];
        EXPECT_EQ(actions[i]["params"]["cache_mode"], "none");
        EXPECT_EQ(actions[i]["confirm_required"], false);
        EXPECT_EQ(actions[i]["reason"],
                  "REAL_ROUTES changed from optimize,portfolio,run,walkforward to portfolio,run at this start");
        EXPECT_EQ(actions[i]["realRoutes"], "portfolio,run");
    }
    EXPECT_EQ(actions[4]["params"]["route"], "optimize");
    EXPECT_EQ(actions[5]["params"]["route"], "walkforward");
    {
        ServerProcess same(directory_, /*seed=*/false, {"--real-routes", "run,portfolio"});
        ASSERT_TRUE(same.Started()) << same.Stderr();
        EXPECT_EQ(same.Stop(), 0);
    }
    EXPECT_EQ(AuditLines(/*actions=*/true).size(), 6u);  // nothing changed: nothing recorded
}

TEST_F(Operations, TheAuditLogHasOneLinePerJobAndSurvivesARestart) {
    {
        ServerProcess server(directory_);
        ASSERT_TRUE(server.Started()) << server.Stderr();
        for (int i = 0; i < 3; ++i)
            ASSERT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest).status, 200);
        EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", "{bad json").status, 400);
        EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", R"({"symbol":"BTCUSDT"})").status, 400);
        EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/optimize", kOptimize).status, 200);
        EXPECT_EQ(HttpCall(server.Port(), "GET", "/healthz").status, 200);  // not a job: not audited
        // The two invalid requests are refusals: counted and logged, never audited (a flood of
        // them must not rotate real job records out).
        const auto lines = AuditLines();
        ASSERT_EQ(lines.size(), 4u);
        EXPECT_EQ(lines[0]["route"], "run");
        EXPECT_EQ(lines[0]["status"], 200);
        EXPECT_EQ(lines[0]["symbol"], "BTCUSDT");
        EXPECT_EQ(lines[0]["timeframe"], "1h");
        EXPECT_EQ(lines[0]["barSource"], "cache");
        EXPECT_TRUE(lines[0]["errorCode"].is_null());
        EXPECT_TRUE(lines[0]["error"].is_null());
        EXPECT_EQ(lines[0]["strategy"], "sma_cross");
        EXPECT_EQ(lines[3]["route"], "optimize");
        std::set<std::string> ids;
        for (const json& line : lines) ids.insert(line["runId"].get<std::string>());
        EXPECT_EQ(ids.size(), 4u);
        const std::string metrics = HttpCall(server.Port(), "GET", "/metrics").body;
        EXPECT_NE(metrics.find(R"(spark_http_rejections_total{reason="MALFORMED_JSON",route="run"} 1)"),
                  std::string::npos);
        EXPECT_NE(metrics.find(R"(spark_http_rejections_total{reason="MISSING_FIELD",route="run"} 1)"),
                  std::string::npos);
        const json recent = json::parse(HttpCall(server.Port(), "GET", "/backtest/runs?limit=2").body);
        ASSERT_EQ(recent["runs"].size(), 2u);
        EXPECT_EQ(recent["runs"][0]["runId"], lines[3]["runId"]);  // newest first
        EXPECT_EQ(HttpCall(server.Port(), "GET", "/backtest/runs?limit=0").status, 400);
    }
    ServerProcess again(directory_, /*seed=*/false);
    ASSERT_TRUE(again.Started()) << again.Stderr();
    const json recent = json::parse(HttpCall(again.Port(), "GET", "/backtest/runs?limit=10").body);
    EXPECT_EQ(recent["runs"].size(), 4u);
    EXPECT_NE(again.Stderr().find("\"runId\""), std::string::npos);  // structured request logs on stderr
}

TEST_F(Operations, TheAuditLogRotatesBySize) {
    ServerProcess server(directory_, /*seed=*/true, {"--audit-max-bytes", "4096", "--audit-keep", "2"});
    ASSERT_TRUE(server.Started()) << server.Stderr();
    for (int i = 0; i < 40; ++i) HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest);
    EXPECT_TRUE(std::filesystem::exists(directory_ + "/audit.jsonl.1"));
    EXPECT_TRUE(std::filesystem::exists(directory_ + "/audit.jsonl.2"));
    EXPECT_FALSE(std::filesystem::exists(directory_ + "/audit.jsonl.3"));
    EXPECT_LE(std::filesystem::file_size(directory_ + "/audit.jsonl"), 4096u);
}

TEST_F(Operations, GracefulShutdownUnderLoadLosesNoAuditLine) {
    ServerProcess server(directory_);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    std::atomic<bool> stop{false};
    std::vector<std::future<int>> clients;
    for (int c = 0; c < 4; ++c) {
        clients.push_back(std::async(std::launch::async, [&, c] {
            int answered = 0;
            HttpConnection connection(server.Port());
            while (!stop) {
                const HttpResult r = connection.Call("POST", "/backtest/run", c % 2 ? kPlanRequest : "{}");
                if (r.status == 0 || r.status == 503) break;  // closed, or refused while draining
                answered += r.status == 200 ? 1 : 0;          // the invalid ones are refusals, not audited
            }
            return answered;
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(server.Stop(), 0);
    stop = true;
    int answered = 0;
    for (auto& c : clients) answered += c.get();
    ASSERT_GT(answered, 5);
    // Every answered job is on record (a line is written before its answer goes out).
    EXPECT_GE(AuditLines().size(), static_cast<size_t>(answered));
    EXPECT_LE(AuditLines().size(), static_cast<size_t>(answered) + 4);
}

TEST_F(Operations, PromtoolAcceptsTheDeployFiles) {
    const std::string deploy = std::string(SPARK_SOURCE_DIR) + "/deploy/prometheus";
    const CommandResult config =
        RunCommand(std::string(SPARK_PROMTOOL) + " check config " + deploy + "/prometheus.yml");
    EXPECT_EQ(config.status, 0) << config.output;
    const CommandResult rules = RunCommand(std::string(SPARK_PROMTOOL) + " check rules " + deploy + "/alerts.yml");
    EXPECT_EQ(rules.status, 0) << rules.output;
    EXPECT_NE(rules.output.find("10 rules found"), std::string::npos) << rules.output;
}

// Every alert names its runbook, and docs/operations.md has it: the section's anchor, its row in
// the alerts table; and no runbook is left for an alert that no longer exists.
TEST_F(Operations, EveryAlertHasItsRunbookInTheOperationsGuide) {
    std::ifstream rules(std::string(SPARK_SOURCE_DIR) + "/deploy/prometheus/alerts.yml");
    std::vector<std::pair<std::string, std::string>> alerts;  // name, runbook_url
    const std::regex alert_line(R"(^\s*- alert:\s*(\S+)\s*$)");
    const std::regex runbook_line(R"re(^\s*runbook_url:\s*"?([^"]*)"?\s*$)re");
    std::string line;
    while (std::getline(rules, line)) {
        std::smatch match;
        if (std::regex_match(line, match, alert_line)) {
            alerts.emplace_back(match[1].str(), "");
        } else if (std::regex_match(line, match, runbook_line)) {
            ASSERT_FALSE(alerts.empty()) << line;
            EXPECT_TRUE(alerts.back().second.empty()) << alerts.back().first << " has two runbook_url annotations";
            alerts.back().second = match[1].str();
        }
    }
    ASSERT_EQ(alerts.size(), 10u);  // as promtool counts them (PromtoolAcceptsTheDeployFiles)

    std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/docs/operations.md");
    const std::string guide((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::set<std::string> anchors;
    for (const auto& [name, runbook] : alerts) {
        std::string anchor = "alert-" + name;
        std::transform(anchor.begin(), anchor.end(), anchor.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        anchors.insert(anchor);
        EXPECT_EQ(runbook, "docs/operations.md#" + anchor) << name;
        EXPECT_NE(guide.find(fmt::format("### <a id=\"{}\"></a>{}\n", anchor, name)), std::string::npos)
            << name << " has no runbook section";
        EXPECT_NE(guide.find(fmt::format("| [`{}`](#{}) |", name, anchor)), std::string::npos)
            << name << " is not in the alerts table";
    }
    const std::regex section(R"re(<a id="(alert-[a-z0-9-]+)">)re");
    for (std::sregex_iterator it(guide.begin(), guide.end(), section), end; it != end; ++it) {
        EXPECT_TRUE(anchors.contains((*it)[1].str())) << (*it)[1].str() << " is a runbook for no alert";
    }
}

json Query(uint16_t port, const std::string& expression) {
    std::string encoded;
    for (const unsigned char c : expression) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-') {
            encoded.push_back(static_cast<char>(c));
        } else {
            encoded += fmt::format("%{:02X}", c);
        }
    }
    const HttpResult result = HttpCall(port, "GET", "/api/v1/query?query=" + encoded);
    return result.status == 0 ? json() : json::parse(result.body);
}

double ScalarSum(const json& answer) {
    double sum = 0;
    for (const json& sample : answer["data"]["result"]) sum += std::stod(sample["value"][1].get<std::string>());
    return sum;
}

//! The `expr` of every rule in deploy/prometheus/alerts.yml: one line, or a `|` block of the lines
//! indented below it.
std::vector<std::string> AlertExpressions() {
    std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/deploy/prometheus/alerts.yml");
    std::vector<std::string> out;
    std::string line;
    bool in_block = false;
    size_t block_indent = 0;
    while (std::getline(in, line)) {
        const size_t indent = line.find_first_not_of(' ');
        if (in_block) {
            if (indent != std::string::npos && indent > block_indent) {
                out.back() += " " + line.substr(indent);
                continue;
            }
            in_block = false;
        }
        const size_t at = line.find("expr:");
        if (at == std::string::npos) continue;
        const std::string value = line.substr(line.find_first_not_of(' ', at + 5));
        if (value == "|") {
            in_block = true;
            block_indent = indent;
            out.emplace_back();
        } else {
            out.push_back(value);
        }
    }
    return out;
}

// A real Prometheus scrapes a real executor; the dashboard's queries run against it.
TEST_F(Operations, ARealPrometheusScrapesTheExecutorAndTheDashboardQueriesWork) {
    ServerProcess server(directory_);
    ASSERT_TRUE(server.Started()) << server.Stderr();
    PrometheusProcess prometheus(directory_, server.Port());
    ASSERT_TRUE(prometheus.Ready());
    const auto wait_for = [&](const std::string& expression, auto predicate) {
        for (int i = 0; i < 200; ++i) {
            const json answer = Query(prometheus.Port(), expression);
            if (answer.is_object() && answer["status"] == "success" && predicate(answer)) return answer;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return json();
    };
    ASSERT_FALSE(wait_for("up", [](const json& a) { return ScalarSum(a) == 1; }).is_null()) << "no scrape";
    const std::string jobs = "sum(spark_backtest_run_jobs_total)";
    const double before = ScalarSum(Query(prometheus.Port(), jobs));
    constexpr int kRuns = 7;
    for (int i = 0; i < kRuns; ++i)
        ASSERT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", kPlanRequest).status, 200);
    const json after = wait_for(jobs, [&](const json& a) { return ScalarSum(a) >= before + kRuns; });
    ASSERT_FALSE(after.is_null());
    EXPECT_EQ(ScalarSum(after), before + kRuns);
    const json quantile =
        Query(prometheus.Port(), "histogram_quantile(0.95, rate(spark_backtest_run_latency_ms_bucket[1m]))");
    EXPECT_EQ(quantile["status"], "success") << quantile.dump();

    // The Grafana dashboard: its model, its metrics, its queries.
    std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/deploy/grafana/spark-executor.json");
    const json dashboard = json::parse(in);
    EXPECT_EQ(dashboard["uid"], "spark-executor");
    EXPECT_TRUE(dashboard["title"].is_string());
    EXPECT_TRUE(dashboard["schemaVersion"].is_number_integer());
    ASSERT_TRUE(dashboard["panels"].is_array());
    ASSERT_GE(dashboard["panels"].size(), 8u);
    ASSERT_GE(AlertExpressions().size(), 8u);
    // Metrics only an executor with Redis exports (src/api/jobs/job_metrics.cc): this one has none,
    // so the panels of the "Jobs and workers" row that read them are checked for syntax only.
    const std::regex metric_name(R"(spark_[a-z_]+)");
    const std::set<std::string> redis_only = {
        "spark_job_queue_up",          "spark_job_shards",       "spark_job_shards_reclaimed_total",
        "spark_job_shards_dead_total", "spark_job_workers_seen", "spark_job_worker_runs_total"};
    const auto reads_redis_only = [&](const std::string& expression) {
        for (auto it = std::sregex_iterator(expression.begin(), expression.end(), metric_name);
             it != std::sregex_iterator(); ++it) {
            if (redis_only.contains(it->str())) return true;
        }
        return false;
    };
    // On a process that has only served runs, every panel already has data: the series it reads
    // exist from start-up (at 0), so no panel or alert reads "no data" on a healthy process.
    for (const json& panel : dashboard["panels"]) {
        if (panel["type"] == "row") continue;  // a row only groups the panels below it
        for (const json& target : panel["targets"]) {
            const std::string expression = target["expr"];
            if (reads_redis_only(expression)) continue;
            const json answer = wait_for(expression, [](const json& a) { return !a["data"]["result"].empty(); });
            EXPECT_FALSE(answer.is_null()) << panel["title"] << ": no data for " << expression;
        }
    }
    // Every alert's expression evaluates on the real Prometheus (promtool checks their syntax).
    for (const std::string& expression : AlertExpressions()) {
        const json answer = Query(prometheus.Port(), expression);
        EXPECT_EQ(answer["status"], "success") << expression << ": " << answer.dump();
    }
    // Every job route and each error path.
    for (const auto& [path, body] :
         {std::pair{"/backtest/optimize", kOptimize}, std::pair{"/backtest/walkforward", kWalkForward},
          std::pair{"/backtest/portfolio", kPortfolio}}) {
        EXPECT_EQ(HttpCall(server.Port(), "POST", path, body).status, 200) << path;
        EXPECT_EQ(HttpCall(server.Port(), "POST", path, "{}").status, 400) << path;
    }
    EXPECT_EQ(HttpCall(server.Port(), "POST", "/backtest/run", "{}").status, 400);
    const std::string exposed = HttpCall(server.Port(), "GET", "/metrics").body;
    std::set<int> ids;
    for (const json& panel : dashboard["panels"]) {
        EXPECT_TRUE(ids.insert(panel["id"].get<int>()).second) << "duplicate panel id";
        EXPECT_TRUE(panel["type"].is_string());
        for (const char* key : {"h", "w", "x", "y"}) EXPECT_TRUE(panel["gridPos"][key].is_number_integer()) << key;
        if (panel["type"] == "row") continue;
        ASSERT_FALSE(panel["targets"].empty()) << panel["title"];
        for (const json& target : panel["targets"]) {
            const std::string expression = target["expr"];
            EXPECT_TRUE(target["refId"].is_string());
            for (auto it = std::sregex_iterator(expression.begin(), expression.end(), metric_name);
                 it != std::sregex_iterator(); ++it) {
                std::string name = it->str();
                for (const char* suffix : {"_bucket", "_count", "_sum"}) {
                    if (name.ends_with(suffix)) name = name.substr(0, name.size() - std::string(suffix).size());
                }
                if (redis_only.contains(name)) continue;
                EXPECT_NE(exposed.find("# TYPE " + name + " "), std::string::npos) << name << " is not exported";
            }
            const json answer = Query(prometheus.Port(), expression);
            EXPECT_EQ(answer["status"], "success") << expression << ": " << answer.dump();
        }
    }
}

}  // namespace
}  // namespace spark::testing
