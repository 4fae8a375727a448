#include "marketdata/backtest_cache.h"

#include <duckdb.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "common/time_format.h"
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
    // By default a file with a rejected row is refused whole: nothing is written.
    const auto refused = ImportKlineFile(*cache, kBtc, kHour, file, INT64_MAX);
    ASSERT_TRUE(refused.has_value());
    EXPECT_EQ(refused->imported, 0);
    EXPECT_NE(refused->refusal.find("1 rows rejected"), std::string::npos) << refused->refusal;
    EXPECT_TRUE(cache->Coverage(kBtc)->empty());
    const auto report = ImportKlineFile(*cache, kBtc, kHour, file, INT64_MAX, {.allow_rejects = true});
    ASSERT_TRUE(report.has_value());
    EXPECT_TRUE(report->refusal.empty());
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

//! Rows with consistent OHLC (the fixture's Rows drift the close above the high).
std::vector<KlineRow> SoundRows(int64_t first_hour, int64_t count) {
    std::vector<KlineRow> rows;
    for (int64_t i = 0; i < count; ++i) {
        const int64_t t = kT0 + (first_hour + i) * kMillisPerHour;
        rows.push_back({{t, 100, 101, 99, 100.5, 2.0}, t + kMillisPerHour - 1, 3.0, 4, 1.0, 1.5});
    }
    return rows;
}

TEST_F(BacktestCacheTest, InventoryListsEverySeriesWithCoverageAndSources) {
    auto cache = Open();
    const SeriesKey eth{"binance", "ETHUSDT", "1h"};
    ASSERT_TRUE(
        cache->Store(kBtc, SoundRows(0, 10), std::vector<TimeRange>{{kT0, kT0 + 10 * kMillisPerHour}}, "import"));
    ASSERT_TRUE(cache->Store(kBtc, SoundRows(20, 5),
                             std::vector<TimeRange>{{kT0 + 20 * kMillisPerHour, kT0 + 25 * kMillisPerHour}},
                             "binance"));
    // A fetch that found no bars still records coverage: the series is listed with 0 bars.
    ASSERT_TRUE(cache->Store(eth, {}, std::vector<TimeRange>{{kT0, kT0 + kMillisPerHour}}, "binance"));
    const auto inventory = cache->Inventory();
    ASSERT_TRUE(inventory.has_value()) << inventory.error().message;
    ASSERT_EQ(inventory->size(), 2u);
    const SeriesInventory& btc = (*inventory)[0];
    EXPECT_EQ(btc.series, kBtc);
    EXPECT_EQ(btc.bars, 15);
    EXPECT_EQ(btc.first_open_ms, kT0);
    EXPECT_EQ(btc.last_open_ms, kT0 + 24 * kMillisPerHour);
    EXPECT_EQ(btc.coverage, (std::vector<TimeRange>{{kT0, kT0 + 10 * kMillisPerHour},
                                                    {kT0 + 20 * kMillisPerHour, kT0 + 25 * kMillisPerHour}}));
    EXPECT_EQ(btc.sources, (std::vector<std::string>{"binance", "import"}));
    EXPECT_EQ((*inventory)[1].series, eth);
    EXPECT_EQ((*inventory)[1].bars, 0);
    EXPECT_EQ((*inventory)[1].first_open_ms, -1);
}

TEST_F(BacktestCacheTest, VerifyPassesSoundDataAndCountsGapsAndHaltBars) {
    auto cache = Open();
    std::vector<KlineRow> rows = SoundRows(0, 10);
    rows.erase(rows.begin() + 4);                    // an exchange gap inside coverage
    rows[2].close_time_ms -= 20 * kMillisPerMinute;  // a halt bar closing early
    ASSERT_TRUE(cache->Store(kBtc, rows, std::vector<TimeRange>{{kT0, kT0 + 10 * kMillisPerHour}}, "import"));
    const auto verified = cache->Verify(kBtc);
    ASSERT_TRUE(verified.has_value()) << verified.error().message;
    EXPECT_TRUE(verified->problems.empty()) << verified->problems.front();
    EXPECT_EQ(verified->bars, 9);
    EXPECT_EQ(verified->known_gaps, 1);
    EXPECT_EQ(verified->short_bars, 1);
}

TEST_F(BacktestCacheTest, VerifyFindsWhatNoLoadWrites) {
    auto cache = Open();
    std::vector<KlineRow> rows = SoundRows(0, 10);
    rows[1].candle.high = 99.5;                       // below the close
    rows[2].candle.low = -1;                          // a negative price
    rows[3].close_time_ms += kMillisPerHour;          // a longer bar
    rows[4].candle.open_time_ms += kMillisPerMinute;  // misaligned
    rows[5].quote_volume = -3;                        // a negative volume
    // Coverage stops at bar 8: bars 8 and 9 lie outside it.
    ASSERT_TRUE(cache->Store(kBtc, rows, std::vector<TimeRange>{{kT0, kT0 + 8 * kMillisPerHour}}, "import"));
    const auto verified = cache->Verify(kBtc);
    ASSERT_TRUE(verified.has_value()) << verified.error().message;
    std::string all;
    for (const std::string& p : verified->problems) all += p + "\n";
    EXPECT_EQ(verified->problems.size(), 6u) << all;
    EXPECT_NE(all.find("1 bars with inconsistent OHLC"), std::string::npos) << all;
    EXPECT_NE(all.find("1 bars with a non-positive or non-finite price (first: 2024-01-01T02:00:00Z)"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("1 bars closing after their slot"), std::string::npos) << all;
    EXPECT_NE(all.find("1 bars not aligned to 1h (first: 2024-01-01T04:01:00Z)"), std::string::npos) << all;
    EXPECT_NE(all.find("1 bars with a negative volume"), std::string::npos) << all;
    EXPECT_NE(all.find("2 bars outside the recorded coverage (first: 2024-01-01T08:00:00Z)"), std::string::npos) << all;
}

TEST_F(BacktestCacheTest, DeleteCutsBarsAndCoverageTogether) {
    auto cache = Open();
    ASSERT_TRUE(
        cache->Store(kBtc, SoundRows(0, 24), std::vector<TimeRange>{{kT0, kT0 + 24 * kMillisPerHour}}, "import"));
    ASSERT_EQ(cache->Read(kBtc, kHour, {kT0, kT0 + 24 * kMillisPerHour})->bars.size(), 24u);  // now in memory too
    const TimeRange cut{kT0 + 6 * kMillisPerHour, kT0 + 10 * kMillisPerHour};
    const auto deleted = cache->Delete(kBtc, cut);
    ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
    EXPECT_EQ(deleted->bars, 4);
    EXPECT_EQ(deleted->coverage_removed, std::vector<TimeRange>{cut});
    // The deleted range is a miss (uncovered), not a gap the cache vouches for; the rest is intact.
    const auto read = cache->Read(kBtc, kHour, {kT0, kT0 + 24 * kMillisPerHour});
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->bars.size(), 20u);
    EXPECT_EQ(read->uncovered, std::vector<TimeRange>{cut});
    EXPECT_EQ(*cache->Coverage(kBtc),
              (std::vector<TimeRange>{{kT0, cut.start_ms}, {cut.end_ms, kT0 + 24 * kMillisPerHour}}));
    EXPECT_TRUE(cache->Verify(kBtc)->problems.empty());
    // Deleting everything leaves nothing listed.
    const auto all = cache->Delete(kBtc, {0, kMaxEpochMs});
    ASSERT_TRUE(all.has_value());
    EXPECT_EQ(all->bars, 20);
    EXPECT_TRUE(cache->Inventory()->empty());
}

TEST(KlineImport, TheFileNameMustAgreeWithSymbolAndInterval) {
    const SeriesKey eth{"binance", "ETHUSDT", "1h"};
    EXPECT_EQ(FileNameMismatch("/data/ETHUSDT-1h-2024-01.zip", eth), "");
    EXPECT_EQ(FileNameMismatch("ETHUSDT-1h-2024-01-15.csv", eth), "");
    EXPECT_EQ(FileNameMismatch("ETHUSDT-1h.csv.gz", eth), "");
    EXPECT_EQ(FileNameMismatch("my-export.csv", eth), "");  // no Binance name: nothing to check
    EXPECT_NE(FileNameMismatch("/data/BTCUSDT-1h-2024-01.zip", eth).find("named for BTCUSDT but --symbol is ETHUSDT"),
              std::string::npos);
    EXPECT_NE(FileNameMismatch("ETHUSDT-4h-2024-01.zip", eth).find("named for 4h bars but --interval is 1h"),
              std::string::npos);
    EXPECT_EQ(FileNameMismatch("ETHUSDT-1mo-2024-01.zip", SeriesKey{"binance", "ETHUSDT", "1M"}), "");
}

TEST(KlineImport, SpacingUnlikeTheIntervalIsNamed) {
    const auto hours = [](std::initializer_list<int64_t> h) {
        std::vector<int64_t> out;
        for (int64_t x : h) out.push_back(kT0 + x * kMillisPerHour);
        return out;
    };
    EXPECT_EQ(SpacingMismatch(hours({0, 1, 2, 3, 5, 6}), kHour), "");  // one gap is an outage
    EXPECT_NE(SpacingMismatch(hours({0, 4, 8, 12, 16}), kHour).find("4 of 4 consecutive rows are 4h apart, not 1h"),
              std::string::npos);
    EXPECT_NE(SpacingMismatch(hours({0, 1, 2, 3}), *Interval::Parse("4h")).find("the file looks like 1h bars"),
              std::string::npos);
    EXPECT_EQ(SpacingMismatch(hours({0}), kHour), "");
}

TEST(KlineImport, AFileOfLongerBarsIsRefused) {
    // Daily bars are aligned to hours too: the close time and the spacing give them away.
    const std::string file =
        (fs::temp_directory_path() / ("spark-daily-" + std::to_string(::getpid()) + ".csv")).string();
    std::ofstream(file) << "1704067200000,1,2,0.5,1.5,10,1704153599999,15,3,5,7,0\n"
                           "1704153600000,1,2,0.5,1.5,10,1704239999999,15,3,5,7,0\n";
    const auto prepared = PrepareKlineImport(kBtc, kHour, file, INT64_MAX);
    fs::remove(file);
    ASSERT_TRUE(prepared.has_value());
    ASSERT_EQ(prepared->rejected.size(), 2u);
    EXPECT_NE(prepared->rejected[0].reason.find("after the end of its 1h slot"), std::string::npos);
    EXPECT_NE(prepared->refusal.find("1d apart, not 1h"), std::string::npos) << prepared->refusal;
}

}  // namespace
}  // namespace spark
