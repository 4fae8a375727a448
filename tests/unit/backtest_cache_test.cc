#include "marketdata/backtest_cache.h"

#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "marketdata/bar_loader.h"
#include "marketdata/kline_import.h"

namespace spark {
namespace {

namespace fs = std::filesystem;

const Interval kHour = *Interval::Parse("1h");
const SeriesKey kBtc{"binance", "BTCUSDT", "1h"};
constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00Z

TEST(DuckDb, IsThePinnedRelease) { EXPECT_STREQ(duckdb_library_version(), "v1.4.4"); }

class BacktestCacheTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("spark-cache-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "cache.duckdb").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<BacktestCache> Open(size_t memory_bytes = 1 << 20) {
        auto cache = BacktestCache::Open(
            {.path = path_, .duckdb_threads = 1, .connections = 2, .memory_budget_bytes = memory_bytes});
        EXPECT_TRUE(cache.has_value()) << cache.error().message;
        return cache ? std::move(*cache) : nullptr;
    }

    static std::vector<KlineRow> Rows(int64_t first_hour, int64_t count, double price) {
        std::vector<KlineRow> rows;
        for (int64_t i = 0; i < count; ++i) {
            const int64_t t = kT0 + (first_hour + i) * kMillisPerHour;
            rows.push_back(
                {{t, price, price + 1, price - 1, price + i * 0.5, 2.0}, t + kMillisPerHour - 1, 3.0, 4, 1.0, 1.5});
        }
        return rows;
    }

    fs::path dir_;
    std::string path_;
};

TEST_F(BacktestCacheTest, StoresAndReadsRangesInTimeOrder) {
    auto cache = Open();
    const auto rows = Rows(0, 48, 100);
    const std::vector<TimeRange> covered = {{kT0, kT0 + 48 * kMillisPerHour}};
    ASSERT_TRUE(cache->Store(kBtc, rows, covered, "test").has_value());

    const auto read = cache->Read(kBtc, kHour, {kT0 + 10 * kMillisPerHour, kT0 + 20 * kMillisPerHour});
    ASSERT_TRUE(read.has_value()) << read.error().message;
    ASSERT_EQ(read->bars.size(), 10u);
    EXPECT_EQ(read->bars.front(), rows[10].candle);
    EXPECT_EQ(read->bars.back(), rows[19].candle);
    EXPECT_TRUE(read->fully_covered);
    EXPECT_FALSE(read->from_memory);  // first read comes from DuckDB

    const auto again = cache->Read(kBtc, kHour, {kT0 + 10 * kMillisPerHour, kT0 + 20 * kMillisPerHour});
    ASSERT_TRUE(again.has_value());
    EXPECT_TRUE(again->from_memory);
    EXPECT_EQ(again->bars, read->bars);
    EXPECT_GT(cache->MemoryBytesUsed(), 0u);

    const auto beyond = cache->Read(kBtc, kHour, {kT0, kT0 + 60 * kMillisPerHour});
    EXPECT_FALSE(beyond->fully_covered);
    EXPECT_EQ(beyond->bars.size(), 48u);
    const auto other = cache->Read({"binance", "ETHUSDT", "1h"}, kHour, {kT0, kT0 + 10 * kMillisPerHour});
    EXPECT_TRUE(other->bars.empty());
}

TEST_F(BacktestCacheTest, WritesReplaceBarsAndInvalidateTheMemoryLayer) {
    auto cache = Open();
    const std::vector<TimeRange> covered = {{kT0, kT0 + 24 * kMillisPerHour}};
    ASSERT_TRUE(cache->Store(kBtc, Rows(0, 24, 100), covered, "test").has_value());
    ASSERT_EQ(cache->Read(kBtc, kHour, covered[0])->bars[5].open, 100);  // now in memory
    ASSERT_TRUE(cache->Store(kBtc, Rows(0, 24, 200), covered, "test").has_value());
    const auto read = cache->Read(kBtc, kHour, covered[0]);
    EXPECT_EQ(read->bars.size(), 24u);
    EXPECT_EQ(read->bars[5].open, 200);
    EXPECT_FALSE(read->from_memory);
}

TEST_F(BacktestCacheTest, KnownGapsAreCoveredNotMissed) {
    auto cache = Open();
    auto rows = Rows(0, 10, 100);
    rows.erase(rows.begin() + 4);  // the exchange had no bar at hour 4
    const std::vector<TimeRange> covered = {{kT0, kT0 + 10 * kMillisPerHour}};
    ASSERT_TRUE(cache->Store(kBtc, rows, covered, "test").has_value());
    BarLoader loader(*cache);
    const auto loaded = loader.Load({kBtc, kHour, covered[0], true});
    ASSERT_TRUE(loaded.has_value());
    EXPECT_TRUE(loaded->cache_hit);
    EXPECT_EQ(loaded->expected, 10);
    EXPECT_EQ(loaded->missing, 1);
    EXPECT_EQ(loaded->missing_sample, std::vector<int64_t>{kT0 + 4 * kMillisPerHour});
}

TEST_F(BacktestCacheTest, LoaderReportsDataNotFoundForAnEmptyRange) {
    auto cache = Open();
    BarLoader loader(*cache);
    const auto loaded = loader.Load({kBtc, kHour, {kT0, kT0 + kMillisPerHour}, true});
    ASSERT_FALSE(loaded.has_value());
    EXPECT_EQ(loaded.error().code, ErrorCode::kDataNotFound);
    EXPECT_EQ(loader.Load({kBtc, kHour, {kT0, kT0 + kMillisPerHour}, false}).error().code, ErrorCode::kDataNotFound);
}

TEST_F(BacktestCacheTest, SurvivesReopening) {
    {
        auto cache = Open();
        ASSERT_TRUE(
            cache->Store(kBtc, Rows(0, 5, 100), std::vector<TimeRange>{{kT0, kT0 + 5 * kMillisPerHour}}, "test"));
    }
    auto cache = Open();
    EXPECT_EQ(cache->Read(kBtc, kHour, {kT0, kT0 + 5 * kMillisPerHour})->bars.size(), 5u);
    EXPECT_EQ(cache->Coverage(kBtc)->size(), 1u);
    EXPECT_TRUE(cache->Ping().has_value());
}

TEST_F(BacktestCacheTest, MemoryLayerStaysWithinItsBudget) {
    auto cache = Open(4096);  // smaller than one 1024-bar chunk of 48-byte candles
    ASSERT_TRUE(
        cache->Store(kBtc, Rows(0, 2000, 100), std::vector<TimeRange>{{kT0, kT0 + 2000 * kMillisPerHour}}, "test"));
    const auto read = cache->Read(kBtc, kHour, {kT0, kT0 + 2000 * kMillisPerHour});
    EXPECT_EQ(read->bars.size(), 2000u);
    EXPECT_LE(cache->MemoryBytesUsed(), 4096u);
}

TEST_F(BacktestCacheTest, ImportsBinancesMonthlyZipDump) {
    auto cache = Open();
    const auto report =
        ImportKlineFile(*cache, kBtc, kHour, std::string(SPARK_TEST_DATA_DIR) + "/BTCUSDT-1h-2024-01.zip", INT64_MAX);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_EQ(report->imported, 744);
    EXPECT_TRUE(report->rejected.empty());
    EXPECT_EQ(report->covered, (std::vector<TimeRange>{{kT0, 1706745600000}}));
    EXPECT_EQ(cache->Read(kBtc, kHour, {kT0, 1706745600000})->bars.front().open, 42283.58);
}

TEST_F(BacktestCacheTest, RejectedRowsAreMissesNotGaps) {
    const std::string file = (dir_ / "three.csv").string();
    std::ofstream(file) << "1704067200000,1,2,0.5,1.5,10,1704070799999,15,3,5,7,0\n"
                           "1704070800000,1,1.2,0.5,1.5,10,1704074399999,15,3,5,7,0\n"  // high < close
                           "1704074400000,1,2,0.5,1.5,10,1704077999999,15,3,5,7,0\n";
    auto cache = Open();
    const auto report = ImportKlineFile(*cache, kBtc, kHour, file, INT64_MAX);
    ASSERT_TRUE(report.has_value());
    EXPECT_EQ(report->imported, 2);
    EXPECT_EQ(report->covered, (std::vector<TimeRange>{{kT0, kT0 + kMillisPerHour},
                                                       {kT0 + 2 * kMillisPerHour, kT0 + 3 * kMillisPerHour}}));
}

TEST_F(BacktestCacheTest, ImportsTheRealSampleWithItsKnownGap) {
    auto cache = Open(64 << 20);
    const auto report =
        ImportKlineFile(*cache, kBtc, kHour, std::string(SPARK_SAMPLE_DIR) + "/BTCUSDT-1h.csv.gz", INT64_MAX);
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_EQ(report->imported, 17543);
    EXPECT_TRUE(report->rejected.empty());
    ASSERT_EQ(report->notes.size(), 1u);  // the 2023-03-24T12:00Z halt stub
    ASSERT_EQ(report->covered.size(), 1u);
    BarLoader loader(*cache);
    const int64_t march_1st = 1677628800000;
    const int64_t april_1st = 1680307200000;
    const auto march = loader.Load({kBtc, kHour, {march_1st, april_1st}, true});
    ASSERT_TRUE(march.has_value());
    EXPECT_TRUE(march->cache_hit);
    EXPECT_EQ(march->bars.size(), 743u);
    EXPECT_EQ(march->expected, 744);
    EXPECT_EQ(march->missing_sample, std::vector<int64_t>{1679662800000});  // 2023-03-24T13:00Z
}

}  // namespace
}  // namespace spark
