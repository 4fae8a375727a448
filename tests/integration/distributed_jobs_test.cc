// Distributed jobs with the real parts: a redis-server on a loopback port, the service as
// coordinator (serve --redis) and `spark-executor worker` processes. Every answer is compared with
// the same job run locally (no Redis): a distributed job must answer exactly the same.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <thread>

#include "jobs/redis_client.h"
#include "jobs/redis_streams.h"
#include "support/jobs_client.h"
#include "support/redis_process.h"
#include "support/seeded_server.h"
#include "support/worker_process.h"

namespace spark::testing {
namespace {

using nlohmann::json;

//! ~4,700 runs over half a year of hours of three symbols, in shards of ~35 combinations: a few
//! seconds of work, in ~140 shards, so workers can die, join and be cancelled mid-job.
json SweepRequest() {
    return json::parse(R"({"symbols":["BTCUSDT","ETHUSDT","SOLUSDT"],"timeframe":"1h","start":"2024-01-01",
        "end":"2024-06-30","strategy":{"name":"sma_cross"},"grid":{"fast":{"from":2,"to":51,"step":1},
        "slow":{"from":60,"to":150,"step":3}},"topN":5,"minTrades":3})");
}

const std::vector<std::string> kShardArgs = {"--jobs-shard-bars", "150000"};

class DistributedJobs : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        // The reference: the same sweep on one machine, no Redis.
        const std::string directory = MakeTempDirectory("jobs-reference");
        ServerProcess local(directory, true, kShardArgs);
        ASSERT_TRUE(local.Started()) << local.Stderr();
        const std::string id = SubmitJob(local.Port(), "sweep", SweepRequest());
        ASSERT_EQ(WaitUntilFinal(local.Port(), id)["status"], "done");
        reference_rows_ = HttpCall(local.Port(), "GET", "/jobs/" + id + "/rows.csv").body;
        reference_answer_ = WithoutIdentity(json::parse(HttpCall(local.Port(), "GET", "/jobs/" + id + "/result").body));
        local.Stop();
        std::filesystem::remove_all(directory);
    }

    void SetUp() override {
        directory_ = MakeTempDirectory("jobs-distributed");
        redis_ = std::make_unique<RedisProcess>();
        ASSERT_TRUE(redis_->Ready()) << redis_->Log();
        StartCoordinator(true);
    }
    void TearDown() override {
        workers_.clear();
        coordinator_.reset();
        redis_.reset();
        std::filesystem::remove_all(directory_);
    }

    void StartCoordinator(bool seed) {
        std::vector<std::string> args = {"--redis", redis_->Url()};
        args.insert(args.end(), kShardArgs.begin(), kShardArgs.end());
        coordinator_ = std::make_unique<ServerProcess>(directory_, seed, args);
        ASSERT_TRUE(coordinator_->Started()) << coordinator_->Stderr();
    }
    WorkerProcess& AddWorker(const std::string& name) {
        workers_.push_back(std::make_unique<WorkerProcess>(redis_->Url(), name, directory_ + "/" + name + ".log",
                                                           std::vector<std::string>{"--visibility-ms", "1500"}));
        EXPECT_TRUE(workers_.back()->Started());
        return *workers_.back();
    }
    uint16_t Port() const { return coordinator_->Port(); }
    jobs::RedisConnection Connect() const {
        Result<jobs::RedisAddress> address = jobs::ParseRedisUrl(redis_->Url());
        EXPECT_TRUE(address);
        Result<jobs::RedisConnection> connection = jobs::RedisConnection::Connect(*address);
        EXPECT_TRUE(connection) << connection.error().message;
        return std::move(*connection);
    }
    std::string Metrics() const { return HttpCall(Port(), "GET", "/metrics").body; }
    //! The metrics once `holds` is true of them (the job metrics are gathered every half second),
    //! or the last ones after 10 s.
    template <typename Predicate>
    std::string MetricsWhen(Predicate holds) const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        std::string text = Metrics();
        while (!holds(text) && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            text = Metrics();
        }
        return text;
    }

    //! The job finished, and its answer and rows are exactly the local run's.
    void ExpectTheLocalAnswer(const std::string& id) {
        const json view = WaitUntilFinal(Port(), id);
        ASSERT_EQ(view["status"], "done") << view.dump();
        EXPECT_EQ(view["mode"], "redis");
        EXPECT_EQ(HttpCall(Port(), "GET", "/jobs/" + id + "/rows.csv").body, reference_rows_);
        const json answer = json::parse(HttpCall(Port(), "GET", "/jobs/" + id + "/result").body);
        json got = WithoutIdentity(answer);
        json expected = reference_answer_;
        for (json* j : {&got, &expected}) {
            for (json& series : (*j)["perSeries"]) series["bars"].erase("source");
        }
        EXPECT_EQ(got, expected);
    }

    static inline std::string reference_rows_;
    static inline json reference_answer_;
    std::string directory_;
    std::unique_ptr<RedisProcess> redis_;
    std::unique_ptr<ServerProcess> coordinator_;
    std::vector<std::unique_ptr<WorkerProcess>> workers_;
};

TEST_F(DistributedJobs, ThreeWorkersAnswerAsZeroWorkers) {
    for (const char* name : {"w1", "w2", "w3"}) AddWorker(name);
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    ExpectTheLocalAnswer(id);
    const std::string metrics = MetricsWhen([](const std::string& m) {
        return MetricValue(m, "spark_jobs{status=\"done\"}") == 1 && MetricValue(m, "spark_job_workers_seen") == 3;
    });
    EXPECT_EQ(MetricValue(metrics, "spark_job_workers_seen"), 3);
    EXPECT_EQ(MetricValue(metrics, "spark_job_queue_up"), 1);
    double runs = 0;
    for (const char* name : {"w1", "w2", "w3"}) {
        const double mine = MetricValue(metrics, std::string("spark_job_worker_runs_total{worker=\"") + name + "\"}");
        EXPECT_GT(mine, 0) << name << " took no shard";
        runs += mine;
    }
    EXPECT_EQ(runs, 50 * 31 * 3);
    EXPECT_EQ(MetricValue(metrics, "spark_jobs{status=\"done\"}"), 1);
    // Every job metric the dashboard reads is exported by a coordinator (the operations test
    // checks the others on a service without Redis, which does not export these).
    std::ifstream in(std::string(SPARK_SOURCE_DIR) + "/deploy/grafana/spark-executor.json");
    const json dashboard = json::parse(in);
    const std::regex name(R"(spark_job_[a-z_]+)");
    int checked = 0;
    for (const json& panel : dashboard["panels"]) {
        for (const json& target : panel.value("targets", json::array())) {
            const std::string expression = target["expr"];
            for (auto it = std::sregex_iterator(expression.begin(), expression.end(), name);
                 it != std::sregex_iterator(); ++it, ++checked) {
                EXPECT_NE(metrics.find("# TYPE " + it->str() + " "), std::string::npos) << it->str();
            }
        }
    }
    EXPECT_GE(checked, 6);
}

TEST_F(DistributedJobs, AKilledWorkersShardIsReclaimedAndTheAnswerIsUnchanged) {
    WorkerProcess& doomed = AddWorker("doomed");
    AddWorker("survivor");
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    WaitForJob(Port(), id, [](const json& v) { return v["progress"]["done"].get<int>() > 300; });
    // Killed while it holds a shard, claimed and unacknowledged: frozen first, so it cannot
    // acknowledge between the look at the pending list and the kill.
    jobs::RedisConnection redis = Connect();
    const auto held = [&] {
        Result<jobs::PendingSummary> pending = jobs::Pending(redis, "spark:shards", "spark-workers");
        if (!pending) return false;
        for (const auto& [consumer, count] : pending->per_consumer) {
            if (consumer == "doomed" && count > 0) return true;
        }
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool holding = false;
    while (!holding && std::chrono::steady_clock::now() < deadline) {
        doomed.Pause();
        holding = held();
        if (!holding) {
            doomed.Resume();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    ASSERT_TRUE(holding);
    doomed.Kill();
    ExpectTheLocalAnswer(id);
    // Taken over after the visibility timeout (1.5 s), possibly just after the job completed.
    const std::string metrics =
        MetricsWhen([](const std::string& m) { return MetricValue(m, "spark_job_shards_reclaimed_total") >= 1; });
    EXPECT_GE(MetricValue(metrics, "spark_job_shards_reclaimed_total"), 1);
}

// A shard that fails on every worker goes to the dead-letter stream after --max-deliveries
// failures, and the job fails saying which shard and why.
TEST_F(DistributedJobs, AShardFailingRepeatedlyIsDeadLetteredAndFailsTheJob) {
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    // No worker yet: the series are published, then lost (evicted, say) before any shard runs.
    jobs::RedisConnection redis = Connect();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    long long series = 0;
    while (series < 3 && std::chrono::steady_clock::now() < deadline) {
        series = static_cast<long long>(redis.Command({"KEYS", "spark:series:*"})->elements.size());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(series, 3);
    const Result<jobs::RedisReply> keys = redis.Command({"KEYS", "spark:series:*"});
    ASSERT_TRUE(keys);
    for (const jobs::RedisReply& key : keys->elements) {
        ASSERT_TRUE(redis.Command({"DEL", key.text}));
    }
    AddWorker("w1");
    const json view = WaitUntilFinal(Port(), id);
    EXPECT_EQ(view["status"], "failed");
    EXPECT_EQ(view["error"]["code"], "RUN_ENGINE_ERROR") << view.dump();
    const std::string message = view["error"]["message"];
    EXPECT_NE(message.find("was dead-lettered"), std::string::npos) << message;
    EXPECT_NE(message.find("is not in Redis"), std::string::npos) << message;
    EXPECT_GE(redis.Command({"XLEN", "spark:shards:dead"})->integer, 1);
    EXPECT_GE(MetricValue(
                  MetricsWhen([](const std::string& m) { return MetricValue(m, "spark_job_shards_dead_total") >= 1; }),
                  "spark_job_shards_dead_total"),
              1);
}

// Redis down when the coordinator starts: the service starts and serves; jobs fail clearly until
// Redis answers, and then run.
TEST_F(DistributedJobs, RedisDownAtStartLeavesTheServiceUpAndJobsFailUntilItReturns) {
    coordinator_.reset();
    redis_->Stop();
    StartCoordinator(false);
    EXPECT_EQ(HttpCall(Port(), "GET", "/healthz").status, 200);
    EXPECT_EQ(MetricValue(Metrics(), "spark_job_queue_up"), 0);
    EXPECT_EQ(Metrics().find("spark_job_shards_reclaimed_total "), std::string::npos);  // unknown, not 0
    const std::string failing = SubmitJob(Port(), "sweep", SweepRequest());
    const json failed = WaitUntilFinal(Port(), failing);
    EXPECT_EQ(failed["status"], "failed");
    EXPECT_EQ(failed["error"]["code"], "QUEUE_UNAVAILABLE");
    ASSERT_TRUE(redis_->Start());
    AddWorker("w1");
    ExpectTheLocalAnswer(SubmitJob(Port(), "sweep", SweepRequest()));
}

TEST_F(DistributedJobs, AWorkerJoiningMidJobTakesShards) {
    AddWorker("early");
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    WaitForJob(Port(), id, [](const json& v) { return v["progress"]["done"].get<int>() > 0; });
    AddWorker("late");
    ExpectTheLocalAnswer(id);
    const std::string metrics = MetricsWhen(
        [](const std::string& m) { return MetricValue(m, "spark_job_worker_runs_total{worker=\"late\"}") > 0; });
    EXPECT_GT(MetricValue(metrics, "spark_job_worker_runs_total{worker=\"late\"}"), 0);
}

// The documented rule: Redis gone mid-job fails the job with QUEUE_UNAVAILABLE; the service
// stays up and answers everything else.
TEST_F(DistributedJobs, RedisStoppedMidJobFailsItClearlyAndTheServiceStaysUp) {
    AddWorker("w1");
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    WaitForJob(Port(), id, [](const json& v) { return v["progress"]["done"].get<int>() > 0; });
    redis_->Stop();
    const json view = WaitUntilFinal(Port(), id);
    EXPECT_EQ(view["status"], "failed");
    EXPECT_EQ(view["error"]["code"], "QUEUE_UNAVAILABLE") << view.dump();
    EXPECT_NE(view["error"]["message"].get<std::string>().find("Redis at 127.0.0.1:"), std::string::npos);
    EXPECT_EQ(HttpCall(Port(), "GET", "/healthz").status, 200);
    const HttpResult run = HttpCall(Port(), "POST", "/backtest/run",
                                    R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-02-01",
                                        "strategy":"sma_cross"})");
    EXPECT_EQ(run.status, 200) << run.body;
    EXPECT_EQ(MetricValue(MetricsWhen([](const std::string& m) { return MetricValue(m, "spark_job_queue_up") == 0; }),
                          "spark_job_queue_up"),
              0);
    const HttpResult refused = HttpCall(Port(), "GET", "/jobs/" + id + "/result");
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(json::parse(refused.body)["error"]["details"]["reason"], "JOB_FAILED");
}

TEST_F(DistributedJobs, CancellationStopsTheShards) {
    AddWorker("w1");
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    WaitForJob(Port(), id, [](const json& v) { return v["progress"]["done"].get<int>() > 0; });
    ASSERT_EQ(HttpCall(Port(), "DELETE", "/jobs/" + id).status, 200);
    EXPECT_EQ(WaitUntilFinal(Port(), id)["status"], "cancelled");
    // The worker drops what is left: the stream empties long before the job could have finished.
    jobs::RedisConnection connection = Connect();
    jobs::RedisConnection* redis = &connection;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    long long left = -1;
    while (std::chrono::steady_clock::now() < deadline) {
        left = redis->Command({"XLEN", "spark:shards"})->integer;
        if (left == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(left, 0);
    EXPECT_LT(MetricValue(Metrics(), "spark_job_worker_runs_total{worker=\"w1\"}"), 50 * 31 * 3);
}

// The restart rule with Redis: the coordinator's next start resumes the job, keeping every shard
// result workers wrote meanwhile, and the answer is unchanged.
TEST_F(DistributedJobs, ACoordinatorRestartResumesTheJob) {
    AddWorker("w1");
    const std::string id = SubmitJob(Port(), "sweep", SweepRequest());
    WaitForJob(Port(), id, [](const json& v) { return v["progress"]["done"].get<int>() > 300; });
    coordinator_->Stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the worker keeps going meanwhile
    StartCoordinator(false);
    const json view = WaitUntilFinal(Port(), id);
    EXPECT_EQ(view["restarts"], 1);
    ExpectTheLocalAnswer(id);
}

}  // namespace
}  // namespace spark::testing
