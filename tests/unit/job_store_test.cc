#include "jobs/job_store.h"

#include <duckdb.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "marketdata/duckdb_rows.h"

namespace spark::jobs {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00Z

class JobStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("spark-jobs-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "executor.duckdb").string();
        Reopen();
    }
    void TearDown() override {
        Close();
        fs::remove_all(dir_);
    }

    //! Everything closed, as when the process exits: the store first (its connection), then the
    //! database, which releases the file's lock.
    void Close() {
        store_.reset();
        database_.reset();
    }

    void Reopen() {
        Close();
        auto database = DuckDbDatabase::Open(path_, 1);
        ASSERT_TRUE(database.has_value()) << database.error().message;
        database_.emplace(std::move(*database));
        auto store = JobStore::Open(*database_);
        ASSERT_TRUE(store.has_value()) << store.error().message;
        store_ = std::move(*store);
    }

    static JobRecord Queued(std::string id, int64_t created_ms, std::string type = "optimize") {
        JobRecord job;
        job.id = std::move(id);
        job.type = std::move(type);
        job.mode = "local";
        job.request = R"({"symbol":"BTCUSDT","timeframe":"1h"})";
        job.created_ms = created_ms;
        return job;
    }

    void Insert(const JobRecord& job) {
        auto inserted = store_->Insert(job);
        ASSERT_TRUE(inserted.has_value()) << inserted.error().message;
    }

    JobRecord MustGet(const std::string& id, bool with_result) {
        auto got = store_->Get(id, with_result);
        EXPECT_TRUE(got.has_value()) << got.error().message;
        if (!got || !got->has_value()) {
            ADD_FAILURE() << "job " << id << " is not stored";
            return {};
        }
        return std::move(**got);
    }

    static std::vector<std::string> Ids(const std::vector<JobRecord>& jobs) {
        std::vector<std::string> ids;
        for (const JobRecord& job : jobs) ids.push_back(job.id);
        return ids;
    }

    fs::path dir_;
    std::string path_;
    std::optional<DuckDbDatabase> database_;
    std::unique_ptr<JobStore> store_;
};

void ExpectSameRecord(const JobRecord& a, const JobRecord& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.type, b.type);
    EXPECT_EQ(a.mode, b.mode);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.request, b.request);
    EXPECT_EQ(a.created_ms, b.created_ms);
    EXPECT_EQ(a.started_ms, b.started_ms);
    EXPECT_EQ(a.finished_ms, b.finished_ms);
    EXPECT_EQ(a.units_total, b.units_total);
    EXPECT_EQ(a.units_done, b.units_done);
    EXPECT_EQ(a.error_code, b.error_code);
    EXPECT_EQ(a.error_message, b.error_message);
    EXPECT_EQ(a.result, b.result);
    EXPECT_EQ(a.rows_csv, b.rows_csv);
    EXPECT_EQ(a.restarts, b.restarts);
}

TEST(JobStatusNames, RoundTripAndFinality) {
    for (JobStatus s :
         {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kDone, JobStatus::kFailed, JobStatus::kCancelled}) {
        EXPECT_EQ(ParseJobStatus(JobStatusName(s)), s);
    }
    EXPECT_EQ(JobStatusName(JobStatus::kCancelled), "cancelled");
    EXPECT_EQ(ParseJobStatus("Done"), std::nullopt);
    EXPECT_EQ(ParseJobStatus(""), std::nullopt);
    EXPECT_FALSE(IsFinal(JobStatus::kQueued));
    EXPECT_FALSE(IsFinal(JobStatus::kRunning));
    EXPECT_TRUE(IsFinal(JobStatus::kDone));
    EXPECT_TRUE(IsFinal(JobStatus::kFailed));
    EXPECT_TRUE(IsFinal(JobStatus::kCancelled));
}

TEST_F(JobStoreTest, InsertThenGetRoundTripsEveryField) {
    // Every field set to something other than its default; the request and message carry bytes
    // that are not UTF-8 (stored as BLOBs, byte for byte) and a NUL.
    const JobRecord job{.id = "job_0123456789abcdef",
                        .type = "walkforward",
                        .mode = "redis",
                        .status = JobStatus::kFailed,
                        .request = "{\"rules\":\"caf\xC3\xA9 \xFF\xFE\"}\0tail"s,
                        .created_ms = kT0,
                        .started_ms = kT0 + 5,
                        .finished_ms = kT0 + 90,
                        .units_total = 120,
                        .units_done = 37,
                        .error_code = "DATA_NOT_FOUND",
                        .error_message = "no bars for ETHUSDT \xE2\x80\x94 \x80",
                        .result = R"({"partial":true})",
                        .rows_csv = "a,b\n1,2\n",
                        .restarts = 3};
    ASSERT_EQ(job.request.size(), 25u);  // the NUL and what follows it included
    Insert(job);

    ExpectSameRecord(MustGet(job.id, /*with_result=*/true), job);

    // Without the result, everything but result and rows.
    JobRecord light = job;
    light.result.clear();
    light.rows_csv.clear();
    ExpectSameRecord(MustGet(job.id, /*with_result=*/false), light);
}

TEST_F(JobStoreTest, InsertingAnIdTwiceFails) {
    Insert(Queued("job_a", kT0));
    auto again = store_->Insert(Queued("job_a", kT0 + 1));
    ASSERT_FALSE(again.has_value());
    EXPECT_EQ(again.error().code, ErrorCode::kCacheUnavailable);
    EXPECT_EQ(MustGet("job_a", false).created_ms, kT0);  // the first one is untouched
}

TEST_F(JobStoreTest, GetOfAnUnknownIdIsNullopt) {
    Insert(Queued("job_a", kT0));
    for (bool with_result : {false, true}) {
        auto got = store_->Get("job_missing", with_result);
        ASSERT_TRUE(got.has_value()) << got.error().message;
        EXPECT_FALSE(got->has_value());
    }
}

TEST_F(JobStoreTest, MovesThroughRunningProgressAndDone) {
    const JobRecord queued = Queued("job_run", kT0, "sweep");
    Insert(queued);
    EXPECT_EQ(MustGet("job_run", false).status, JobStatus::kQueued);

    ASSERT_TRUE(store_->MarkRunning("job_run", kT0 + 100, 40).has_value());
    JobRecord running = MustGet("job_run", false);
    EXPECT_EQ(running.status, JobStatus::kRunning);
    EXPECT_EQ(running.started_ms, kT0 + 100);
    EXPECT_EQ(running.units_total, 40);
    EXPECT_EQ(running.units_done, 0);
    EXPECT_EQ(running.finished_ms, 0);

    ASSERT_TRUE(store_->SaveProgress("job_run", 17).has_value());
    EXPECT_EQ(MustGet("job_run", false).units_done, 17);
    ASSERT_TRUE(store_->SaveProgress("job_run", 39).has_value());
    EXPECT_EQ(MustGet("job_run", false).units_done, 39);

    ASSERT_TRUE(store_->Finish("job_run", JobStatus::kDone, kT0 + 900, 40, "", "", R"({"best":1})", "p,ret\n1,0.5\n")
                    .has_value());
    JobRecord done = MustGet("job_run", true);
    EXPECT_EQ(done.status, JobStatus::kDone);
    EXPECT_EQ(done.started_ms, kT0 + 100);
    EXPECT_EQ(done.finished_ms, kT0 + 900);
    EXPECT_EQ(done.units_total, 40);
    EXPECT_EQ(done.units_done, 40);
    EXPECT_EQ(done.result, R"({"best":1})");
    EXPECT_EQ(done.rows_csv, "p,ret\n1,0.5\n");
    EXPECT_EQ(done.error_code, "");
    EXPECT_EQ(done.error_message, "");
    EXPECT_EQ(done.request, queued.request);
    EXPECT_EQ(done.restarts, 0);

    // Without the result, the answer is not read.
    JobRecord light = MustGet("job_run", false);
    EXPECT_EQ(light.status, JobStatus::kDone);
    EXPECT_TRUE(light.result.empty());
    EXPECT_TRUE(light.rows_csv.empty());
}

TEST_F(JobStoreTest, FinishesAsFailedOrCancelledWithTheirError) {
    Insert(Queued("job_fail", kT0));
    Insert(Queued("job_cancel", kT0 + 1));
    ASSERT_TRUE(store_->MarkRunning("job_fail", kT0 + 10, 8).has_value());
    ASSERT_TRUE(
        store_->Finish("job_fail", JobStatus::kFailed, kT0 + 20, 3, "RUN_ENGINE_ERROR", "the engine stopped", "", "")
            .has_value());
    ASSERT_TRUE(
        store_->Finish("job_cancel", JobStatus::kCancelled, kT0 + 30, 0, "CANCELLED", "cancelled by the client", "", "")
            .has_value());

    const JobRecord failed = MustGet("job_fail", true);
    EXPECT_EQ(failed.status, JobStatus::kFailed);
    EXPECT_EQ(failed.finished_ms, kT0 + 20);
    EXPECT_EQ(failed.units_done, 3);
    EXPECT_EQ(failed.error_code, "RUN_ENGINE_ERROR");
    EXPECT_EQ(failed.error_message, "the engine stopped");
    EXPECT_TRUE(failed.result.empty());
    EXPECT_TRUE(failed.rows_csv.empty());

    const JobRecord cancelled = MustGet("job_cancel", true);
    EXPECT_EQ(cancelled.status, JobStatus::kCancelled);
    EXPECT_EQ(cancelled.started_ms, 0);  // never ran
    EXPECT_EQ(cancelled.finished_ms, kT0 + 30);
    EXPECT_EQ(cancelled.error_code, "CANCELLED");
    EXPECT_EQ(cancelled.error_message, "cancelled by the client");
}

TEST_F(JobStoreTest, RefusesANonFinalFinishAndUpdatesOfUnknownIds) {
    Insert(Queued("job_a", kT0));
    auto not_final = store_->Finish("job_a", JobStatus::kRunning, kT0 + 1, 0, "", "", "", "");
    ASSERT_FALSE(not_final.has_value());
    EXPECT_EQ(not_final.error().code, ErrorCode::kInternal);
    EXPECT_EQ(MustGet("job_a", false).status, JobStatus::kQueued);

    auto running = store_->MarkRunning("job_missing", kT0, 1);
    ASSERT_FALSE(running.has_value());
    EXPECT_EQ(running.error().code, ErrorCode::kJobNotFound);
    auto progress = store_->SaveProgress("job_missing", 1);
    ASSERT_FALSE(progress.has_value());
    EXPECT_EQ(progress.error().code, ErrorCode::kJobNotFound);
    auto finish = store_->Finish("job_missing", JobStatus::kDone, kT0, 1, "", "", "{}", "");
    ASSERT_FALSE(finish.has_value());
    EXPECT_EQ(finish.error().code, ErrorCode::kJobNotFound);
    auto requeue = store_->Requeue("job_missing");
    ASSERT_FALSE(requeue.has_value());
    EXPECT_EQ(requeue.error().code, ErrorCode::kJobNotFound);
}

TEST_F(JobStoreTest, AnIdThatIsNotUtf8IsAnErrorNotACrash) {
    auto inserted = store_->Insert(Queued(std::string("job_\xFF", 5), kT0));
    ASSERT_FALSE(inserted.has_value());
    EXPECT_EQ(inserted.error().code, ErrorCode::kInternal);
    auto listed = store_->List(10);
    ASSERT_TRUE(listed.has_value()) << listed.error().message;
    EXPECT_TRUE(listed->empty());
}

TEST_F(JobStoreTest, LargeResultAndRowsRoundTripByteExactlyAndAreCompressed) {
    // 5 MB each: a JSON-like answer with every byte value (NULs included) sprinkled in, and a
    // sweep's CSV of pseudo-random rows (repetitive like the real thing, so it compresses, but not
    // trivially).
    constexpr size_t kSize = 5u << 20;
    std::mt19937_64 random(42);
    std::string rows = "fast,slow,total_return,sharpe,max_drawdown,num_trades\n";
    while (rows.size() < kSize) {
        rows += std::to_string(random() % 50) + "," + std::to_string(random() % 200) + ",0." +
                std::to_string(random() % 1000000) + ",1." + std::to_string(random() % 10000) + ",-0." +
                std::to_string(random() % 100000) + "," + std::to_string(random() % 500) + "\n";
    }
    rows.resize(kSize);
    std::string result = R"({"best":{"params":{"fast":10}},"equity":[)";
    while (result.size() < kSize) {
        result += std::to_string(random() % 100000) + ",";
        result.push_back(static_cast<char>(random() % 256));
    }
    result.resize(kSize);
    result[kSize / 2] = '\0';

    Insert(Queued("job_big", kT0, "sweep"));
    ASSERT_TRUE(store_->MarkRunning("job_big", kT0 + 1, 1000).has_value());
    ASSERT_TRUE(store_->Finish("job_big", JobStatus::kDone, kT0 + 2, 1000, "", "", result, rows).has_value());

    const JobRecord done = MustGet("job_big", true);
    ASSERT_EQ(done.result.size(), kSize);
    ASSERT_EQ(done.rows_csv.size(), kSize);
    EXPECT_TRUE(done.result == result) << "the result differs";  // not printed: 5 MB
    EXPECT_TRUE(done.rows_csv == rows) << "the rows differ";

    // What the table holds is compressed: smaller than the texts, with their sizes beside them.
    auto connection = DuckDbConnection::Connect(*database_);
    ASSERT_TRUE(connection.has_value());
    QueryResult query;
    ASSERT_EQ(duckdb_query(connection->Handle(),
                           "SELECT result_bytes, octet_length(result), rows_bytes, octet_length(rows_csv) FROM jobs "
                           "WHERE id = 'job_big'",
                           query.Get()),
              DuckDBSuccess)
        << duckdb_result_error(query.Get());
    std::vector<int64_t> sizes;
    ForEachRow(*query.Get(), [&](duckdb_data_chunk chunk, idx_t i) {
        for (idx_t c = 0; c < 4; ++c) sizes.push_back(Column<int64_t>(chunk, c)[i]);
    });
    ASSERT_EQ(sizes.size(), 4u);
    EXPECT_EQ(sizes[0], static_cast<int64_t>(kSize));
    EXPECT_GT(sizes[1], 0);
    EXPECT_LT(sizes[1], static_cast<int64_t>(kSize));
    EXPECT_EQ(sizes[2], static_cast<int64_t>(kSize));
    EXPECT_GT(sizes[3], 0);
    EXPECT_LT(sizes[3], static_cast<int64_t>(kSize) / 2);  // CSV of digits: well over 2x

    // And it survives the file being closed and opened again.
    Reopen();
    const JobRecord reread = MustGet("job_big", true);
    EXPECT_TRUE(reread.result == result) << "the result differs after reopening";
    EXPECT_TRUE(reread.rows_csv == rows) << "the rows differ after reopening";
}

TEST_F(JobStoreTest, ListIsNewestFirstWithLimitAndStatusFilter) {
    // Inserted out of order; two share a creation time, ordered by id (descending) between them.
    Insert(Queued("job_c", kT0 + 3000));
    Insert(Queued("job_a", kT0 + 1000));
    Insert(Queued("job_e", kT0 + 5000));
    Insert(Queued("job_b", kT0 + 2000));
    Insert(Queued("job_d", kT0 + 3000));
    ASSERT_TRUE(store_->MarkRunning("job_b", kT0 + 2100, 5).has_value());
    ASSERT_TRUE(store_->Finish("job_a", JobStatus::kDone, kT0 + 1900, 4, "", "", R"({"x":1})", "r\n").has_value());
    ASSERT_TRUE(store_->Finish("job_d", JobStatus::kDone, kT0 + 3900, 4, "", "", R"({"x":2})", "").has_value());
    ASSERT_TRUE(store_->Finish("job_e", JobStatus::kFailed, kT0 + 5100, 0, "INTERNAL", "boom", "", "").has_value());

    auto all = store_->List(10);
    ASSERT_TRUE(all.has_value()) << all.error().message;
    EXPECT_EQ(Ids(*all), (std::vector<std::string>{"job_e", "job_d", "job_c", "job_b", "job_a"}));
    for (const JobRecord& job : *all) {
        EXPECT_TRUE(job.result.empty()) << job.id;  // never the answers
        EXPECT_TRUE(job.rows_csv.empty()) << job.id;
        EXPECT_FALSE(job.request.empty()) << job.id;
    }
    EXPECT_EQ((*all)[0].status, JobStatus::kFailed);
    EXPECT_EQ((*all)[0].error_message, "boom");

    auto top = store_->List(2);
    ASSERT_TRUE(top.has_value());
    EXPECT_EQ(Ids(*top), (std::vector<std::string>{"job_e", "job_d"}));

    auto none = store_->List(0);
    ASSERT_TRUE(none.has_value());
    EXPECT_TRUE(none->empty());

    auto done = store_->List(10, JobStatus::kDone);
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(Ids(*done), (std::vector<std::string>{"job_d", "job_a"}));
    auto done_top = store_->List(1, JobStatus::kDone);
    ASSERT_TRUE(done_top.has_value());
    EXPECT_EQ(Ids(*done_top), (std::vector<std::string>{"job_d"}));

    auto queued = store_->List(10, JobStatus::kQueued);
    ASSERT_TRUE(queued.has_value());
    EXPECT_EQ(Ids(*queued), (std::vector<std::string>{"job_c"}));

    auto cancelled = store_->List(10, JobStatus::kCancelled);
    ASSERT_TRUE(cancelled.has_value());
    EXPECT_TRUE(cancelled->empty());
}

TEST_F(JobStoreTest, UnfinishedIsQueuedAndRunningOldestFirstWithRequest) {
    // The table was empty when the store opened: a statement planned then (on those statistics) would
    // see none of these rows, which is why the store prepares each call.
    JobRecord late = Queued("job_late", kT0 + 3000, "portfolio");
    late.request = R"({"symbols":["BTCUSDT","ETHUSDT"]})";
    Insert(late);
    Insert(Queued("job_early", kT0 + 1000));
    Insert(Queued("job_mid", kT0 + 2000));
    Insert(Queued("job_done", kT0 + 500));
    Insert(Queued("job_failed", kT0 + 600));
    Insert(Queued("job_cancelled", kT0 + 700));
    ASSERT_TRUE(store_->MarkRunning("job_mid", kT0 + 2500, 10).has_value());
    ASSERT_TRUE(store_->Finish("job_done", JobStatus::kDone, kT0 + 900, 1, "", "", "{}", "").has_value());
    ASSERT_TRUE(store_->Finish("job_failed", JobStatus::kFailed, kT0 + 900, 0, "INTERNAL", "x", "", "").has_value());
    ASSERT_TRUE(
        store_->Finish("job_cancelled", JobStatus::kCancelled, kT0 + 900, 0, "CANCELLED", "y", "", "").has_value());

    auto unfinished = store_->Unfinished();
    ASSERT_TRUE(unfinished.has_value()) << unfinished.error().message;
    ASSERT_EQ(Ids(*unfinished), (std::vector<std::string>{"job_early", "job_mid", "job_late"}));
    EXPECT_EQ((*unfinished)[0].status, JobStatus::kQueued);
    EXPECT_EQ((*unfinished)[1].status, JobStatus::kRunning);
    EXPECT_EQ((*unfinished)[1].units_total, 10);
    EXPECT_EQ((*unfinished)[2].request, late.request);
    EXPECT_EQ((*unfinished)[2].type, "portfolio");
}

TEST_F(JobStoreTest, RequeueBumpsRestartsAndStartsOver) {
    Insert(Queued("job_r", kT0));
    ASSERT_TRUE(store_->MarkRunning("job_r", kT0 + 10, 50).has_value());
    ASSERT_TRUE(store_->SaveProgress("job_r", 20).has_value());

    ASSERT_TRUE(store_->Requeue("job_r").has_value());
    JobRecord requeued = MustGet("job_r", false);
    EXPECT_EQ(requeued.status, JobStatus::kQueued);
    EXPECT_EQ(requeued.restarts, 1);
    EXPECT_EQ(requeued.units_done, 0);
    EXPECT_EQ(requeued.started_ms, 0);
    EXPECT_EQ(requeued.created_ms, kT0);  // still where it was in line

    ASSERT_TRUE(store_->MarkRunning("job_r", kT0 + 20, 50).has_value());
    ASSERT_TRUE(store_->SaveProgress("job_r", 5).has_value());
    ASSERT_TRUE(store_->Requeue("job_r").has_value());
    requeued = MustGet("job_r", false);
    EXPECT_EQ(requeued.restarts, 2);
    EXPECT_EQ(requeued.units_done, 0);
}

TEST_F(JobStoreTest, ReopeningTheFileKeepsTheJobs) {
    Insert(Queued("job_q", kT0 + 1));
    Insert(Queued("job_r", kT0 + 2));
    Insert(Queued("job_d", kT0 + 3));
    ASSERT_TRUE(store_->MarkRunning("job_r", kT0 + 10, 30).has_value());
    ASSERT_TRUE(store_->SaveProgress("job_r", 12).has_value());
    ASSERT_TRUE(store_->MarkRunning("job_d", kT0 + 11, 2).has_value());
    ASSERT_TRUE(store_->Finish("job_d", JobStatus::kDone, kT0 + 20, 2, "", "", R"({"ok":true})", "x\n1\n").has_value());

    Reopen();  // a restarted coordinator: the table exists already, and the jobs are all there

    auto unfinished = store_->Unfinished();
    ASSERT_TRUE(unfinished.has_value()) << unfinished.error().message;
    ASSERT_EQ(Ids(*unfinished), (std::vector<std::string>{"job_q", "job_r"}));
    EXPECT_EQ((*unfinished)[1].status, JobStatus::kRunning);
    EXPECT_EQ((*unfinished)[1].units_done, 12);
    EXPECT_EQ((*unfinished)[1].units_total, 30);

    // The restart rule: each unfinished job back in the queue, counted.
    for (const JobRecord& job : *unfinished) ASSERT_TRUE(store_->Requeue(job.id).has_value());
    const JobRecord done = MustGet("job_d", true);
    EXPECT_EQ(done.status, JobStatus::kDone);
    EXPECT_EQ(done.result, R"({"ok":true})");
    EXPECT_EQ(done.rows_csv, "x\n1\n");

    Reopen();
    const JobRecord resumed = MustGet("job_r", false);
    EXPECT_EQ(resumed.status, JobStatus::kQueued);
    EXPECT_EQ(resumed.restarts, 1);
    auto listed = store_->List(10);
    ASSERT_TRUE(listed.has_value());
    EXPECT_EQ(Ids(*listed), (std::vector<std::string>{"job_d", "job_r", "job_q"}));
}

TEST_F(JobStoreTest, DeleteRemovesOnce) {
    Insert(Queued("job_a", kT0));
    Insert(Queued("job_b", kT0 + 1));
    auto deleted = store_->Delete("job_a");
    ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
    EXPECT_TRUE(*deleted);
    auto again = store_->Delete("job_a");
    ASSERT_TRUE(again.has_value());
    EXPECT_FALSE(*again);
    auto got = store_->Get("job_a", true);
    ASSERT_TRUE(got.has_value());
    EXPECT_FALSE(got->has_value());
    EXPECT_EQ(MustGet("job_b", false).id, "job_b");
}

TEST_F(JobStoreTest, ConcurrentCallersEachKeepTheirOwnProgress) {
    constexpr int kJobs = 4;
    constexpr int kSteps = 50;
    for (int j = 0; j < kJobs; ++j) Insert(Queued("job_" + std::to_string(j), kT0 + j));
    std::vector<std::thread> threads;
    std::vector<int> failures(kJobs, 0);
    for (int j = 0; j < kJobs; ++j) {
        threads.emplace_back([&, j] {
            const std::string id = "job_" + std::to_string(j);
            if (!store_->MarkRunning(id, kT0 + 100, kSteps)) ++failures[j];
            for (int step = 1; step <= kSteps; ++step) {
                if (!store_->SaveProgress(id, step)) ++failures[j];
                if (!store_->List(5)) ++failures[j];
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    for (int j = 0; j < kJobs; ++j) {
        EXPECT_EQ(failures[j], 0) << "job " << j;
        const JobRecord job = MustGet("job_" + std::to_string(j), false);
        EXPECT_EQ(job.status, JobStatus::kRunning);
        EXPECT_EQ(job.units_done, kSteps);
    }
}

}  // namespace
}  // namespace spark::jobs
