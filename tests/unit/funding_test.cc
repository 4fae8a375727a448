// Funding rates: Binance's page parser, the dump parser, the cache's funding tables and the
// loader without an upstream (the loader against Binance is in tests/integration/funding_test.cc).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/interval.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/binance_client.h"
#include "marketdata/funding_csv.h"
#include "marketdata/funding_import.h"
#include "marketdata/funding_loader.h"
#include "marketdata/funding_page.h"

namespace spark {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kT0 = 1704067200000;  // 2024-01-01T00:00Z
constexpr int64_t kEight = 8 * kMillisPerHour;
constexpr int64_t kFarFuture = INT64_MAX / 2;
const std::string kExchange = "binance-futures";
const std::string kSymbol = "BTCUSDT";

std::string ApiRow(int64_t time, const std::string& rate, const std::string& mark) {
    return R"({"symbol":"BTCUSDT","fundingRate":")" + rate + R"(","fundingTime":)" + std::to_string(time) +
           R"(,"markPrice":")" + mark + R"("})";
}

TEST(FundingPage, ParsesBinancesAnswer) {
    const std::string body =
        "[" + ApiRow(kT0, "-0.03750000", "34287.54619963") + "," + ApiRow(kT0 + kEight + 3, "0.00010000", "") + "]";
    const auto page = ParseFundingPage(body, "BTCUSDT", kFarFuture);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    ASSERT_EQ(page->size(), 2u);
    EXPECT_EQ((*page)[0].time_ms, kT0);
    EXPECT_DOUBLE_EQ((*page)[0].rate, -0.0375);
    EXPECT_TRUE((*page)[0].HasMarkPrice());
    EXPECT_DOUBLE_EQ((*page)[0].mark_price, 34287.54619963);
    EXPECT_EQ((*page)[1].time_ms, kT0 + kEight + 3);  // a few ms past the hour, as real rows are
    EXPECT_FALSE((*page)[1].HasMarkPrice());
    EXPECT_TRUE(std::isnan((*page)[1].mark_price));

    EXPECT_TRUE(ParseFundingPage("[]", "BTCUSDT", kFarFuture)->empty());
    // Answers from before the field existed have no markPrice at all: no mark price, not an error.
    const auto older = ParseFundingPage(R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","fundingTime":1704067200000}])",
                                        "BTCUSDT", kFarFuture);
    ASSERT_TRUE(older.has_value()) << older.error().message;
    EXPECT_FALSE(older->front().HasMarkPrice());
}

TEST(FundingPage, RefusesEveryMalformedKindWhole) {
    const std::string good = ApiRow(kT0, "0.0001", "42000.1");
    const std::vector<std::string> bodies = {
        "not json",
        R"({"code":-1121,"msg":"Invalid symbol."})",
        "[1]",
        "[[1704067200000,\"0.0001\"]]",
        R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","fundingTime":"1704067200000","markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","fundingTime":-1,"markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","fundingTime":1704067200000.5,"markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingTime":1704067200000,"markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingRate":0.0001,"fundingTime":1704067200000,"markPrice":""}])",
        R"([{"fundingRate":"0.0001","fundingTime":1704067200000,"markPrice":""}])",
        R"([{"symbol":5,"fundingRate":"0.0001","fundingTime":1704067200000,"markPrice":""}])",
        R"([{"symbol":"BTCUSDT","fundingRate":"0.0001","fundingTime":1704067200000,"markPrice":42000}])",
        "[" + ApiRow(kT0, "abc", "") + "]",
        "[" + ApiRow(kT0, "", "") + "]",
        "[" + ApiRow(kT0, "nan", "") + "]",
        "[" + ApiRow(kT0, "inf", "") + "]",
        "[" + ApiRow(kT0, "1.5", "") + "]",
        "[" + ApiRow(kT0, "-1.00001", "") + "]",
        "[" + ApiRow(kT0, "0.0001 ", "") + "]",
        "[" + ApiRow(kT0, "0.0001", "-1") + "]",
        "[" + ApiRow(kT0, "0.0001", "0") + "]",
        "[" + ApiRow(kT0, "0.0001", "x") + "]",
        "[" + ApiRow(kT0 + 100 * kEight, "0.0001", "") + "]",         // after "now"
        "[" + good + "," + good + "]",                                // a repeated time
        "[" + ApiRow(kT0 + kEight, "0.0001", "") + "," + good + "]",  // a step back
        "[" + good + ",",
        R"([{"symbol":"ETHUSDT","fundingRate":"0.0001","fundingTime":1704067200000,"markPrice":""}])",  // not asked for
    };
    for (const std::string& body : bodies) {
        const auto page = ParseFundingPage(body, "BTCUSDT", kT0 + 10 * kEight);
        ASSERT_FALSE(page.has_value()) << body;
        EXPECT_EQ(page.error().code, ErrorCode::kMarketDataUnavailable) << body;
    }
    // The limit itself is a rate.
    EXPECT_TRUE(ParseFundingPage("[" + ApiRow(kT0, "-1", "") + "]", "BTCUSDT", kFarFuture).has_value());
}

TEST(FundingCsv, ReadsDumpsWithOrWithoutTheHeader) {
    const std::string rows = "1704067200000,8,0.00037409\r\n1704096000000,8,-0.0001\n";
    for (const std::string& text : {"calc_time,funding_interval_hours,last_funding_rate\n" + rows, rows}) {
        const FundingCsv csv = ParseFundingCsv(text, kFarFuture);
        EXPECT_TRUE(csv.rejected.empty()) << csv.rejected.front().reason;
        ASSERT_EQ(csv.rows.size(), 2u);
        EXPECT_EQ(csv.rows[0].time_ms, kT0);
        EXPECT_DOUBLE_EQ(csv.rows[0].rate, 0.00037409);
        EXPECT_FALSE(csv.rows[0].HasMarkPrice());  // dumps carry none
        EXPECT_DOUBLE_EQ(csv.rows[1].rate, -0.0001);
        ASSERT_TRUE(csv.covered.has_value());
        EXPECT_EQ(*csv.covered, (TimeRange{kT0, kT0 + 2 * kEight}));  // the last settlement's interval included
        EXPECT_TRUE(csv.holes.empty());
    }
    EXPECT_EQ(ParseFundingCsv("calc_time,funding_interval_hours,last_funding_rate\n" + rows, kFarFuture).lines_read, 3);
    EXPECT_FALSE(ParseFundingCsv("calc_time,funding_interval_hours,last_funding_rate\n", kFarFuture).covered);
}

TEST(FundingCsv, ConvertsMicrosecondTimes) {
    const FundingCsv csv = ParseFundingCsv("1735689600000000,8,0.0001\n", kFarFuture);
    ASSERT_EQ(csv.rows.size(), 1u);
    EXPECT_EQ(csv.rows[0].time_ms, 1735689600000);
}

TEST(FundingCsv, CoverageRunsOnWholeHours) {
    // Binance stamps settlements a few milliseconds late: coverage still starts and ends on the hour.
    const FundingCsv csv = ParseFundingCsv("1704067200004,8,0.0001\n1704096000003,8,0.0001\n", kFarFuture);
    ASSERT_TRUE(csv.covered.has_value());
    EXPECT_EQ(*csv.covered, (TimeRange{1704067200000, 1704096000000 + 8 * kMillisPerHour}));
}

TEST(FundingCsv, RejectsBadRowsWithReasons) {
    const std::string t1 = std::to_string(kT0 + kEight);
    const std::string text = "calc_time,funding_interval_hours,last_funding_rate\n" +  //
                             std::to_string(kT0) + ",8,0.0001\n" +                     // 2: good
                             t1 + ",8\n" +                                             // 3: two fields
                             "x,8,0.0001\n" +                                          // 4: not an integer
                             t1 + ",0,0.0001\n" +                                      // 5: no interval
                             t1 + ",25,0.0001\n" +                                     // 6: over a day
                             t1 + ",8,abc\n" +                                         // 7: not a number
                             t1 + ",8,1.5\n" +                                         // 8: beyond 1
                             t1 + ",8,nan\n" +                                         // 9: not finite
                             t1 + ",8,0.0002\n" +                                      // 10: good
                             std::to_string(kT0) + ",8,0.9\n" +                        // 11: duplicate
                             std::to_string(kT0 + 4 * kEight) + ",8,0.0001\n";         // 12: after "now"
    const FundingCsv csv = ParseFundingCsv(text, kT0 + 3 * kEight);
    ASSERT_EQ(csv.rows.size(), 2u);
    EXPECT_DOUBLE_EQ(csv.rows[0].rate, 0.0001);  // the first of a duplicate pair is kept
    EXPECT_DOUBLE_EQ(csv.rows[1].rate, 0.0002);
    ASSERT_EQ(csv.rejected.size(), 9u);
    EXPECT_EQ(csv.rejected[0].line, 3);
    EXPECT_NE(csv.rejected[0].reason.find("3 fields"), std::string::npos) << csv.rejected[0].reason;
    EXPECT_EQ(csv.rejected[1].open_time_ms, -1);  // the time itself could not be read
    EXPECT_NE(csv.rejected[2].reason.find("funding_interval_hours"), std::string::npos);
    EXPECT_NE(csv.rejected[5].reason.find("magnitude"), std::string::npos) << csv.rejected[5].reason;
    EXPECT_NE(csv.rejected[7].reason.find("future"), std::string::npos) << csv.rejected[7].reason;
    EXPECT_EQ(csv.rejected[8].line, 11);
    EXPECT_NE(csv.rejected[8].reason.find("duplicate"), std::string::npos) << csv.rejected[8].reason;
    EXPECT_EQ(csv.lines_read, 12);
}

//! Settlements at these hours after kT0 with their intervals, as dump text.
std::string DumpText(const std::vector<std::pair<int64_t, int>>& rows) {
    std::string text;
    for (const auto& [time, hours] : rows) text += std::to_string(time) + "," + std::to_string(hours) + ",0.0001\n";
    return text;
}

TEST(FundingCsv, AGapIsRejectedAndLeftOutOfCoverageWhileIntervalChangesPass) {
    const int64_t h = kMillisPerHour;
    const std::string text = DumpText({{kT0, 8},
                                       {kT0 + 8 * h, 8},
                                       {kT0 + 32 * h, 8},  // 24h after the previous: two settlements missing
                                       {kT0 + 36 * h, 4},  // to 4-hourly
                                       {kT0 + 40 * h, 4},
                                       {kT0 + 48 * h, 8},        // and back
                                       {kT0 + 56 * h + 3, 8}});  // a few ms late, as real rows are
    const FundingCsv csv = ParseFundingCsv(text, kFarFuture);
    EXPECT_EQ(csv.rows.size(), 7u);  // the row after a gap is itself good data
    ASSERT_EQ(csv.rejected.size(), 1u);
    EXPECT_EQ(csv.rejected[0].line, 3);
    EXPECT_NE(csv.rejected[0].reason.find("gap"), std::string::npos) << csv.rejected[0].reason;
    EXPECT_NE(csv.rejected[0].reason.find("2024-01-01T08:00:00Z and 2024-01-02T08:00:00Z"), std::string::npos)
        << csv.rejected[0].reason;
    EXPECT_EQ(csv.holes, (std::vector<TimeRange>{{kT0 + 8 * h + 1, kT0 + 32 * h}}));
    EXPECT_EQ(*csv.covered, (TimeRange{kT0, kT0 + 64 * h}));  // on whole hours
}

TEST(FundingImport, TheFileNameMustAgreeWithTheSymbol) {
    EXPECT_TRUE(FundingFileNameMismatch("/d/BTCUSDT-fundingRate-2024-01.zip", "BTCUSDT").empty());
    EXPECT_TRUE(FundingFileNameMismatch("BTCUSDT-fundingRate-2024-01.csv.gz", "BTCUSDT").empty());
    EXPECT_TRUE(FundingFileNameMismatch("funding.csv", "BTCUSDT").empty());  // no pattern: nothing to check
    EXPECT_NE(FundingFileNameMismatch("/d/BTCUSDT-fundingRate-2024-01.csv", "ETHUSDT").find("named for BTCUSDT"),
              std::string::npos);
    EXPECT_FALSE(FundingFileNameMismatch("ETHUSDT-fundingRate.csv", "BTCUSDT").empty());
}

class FundingStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("spark-funding-test-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "cache.duckdb").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::unique_ptr<BacktestCache> Open() {
        auto cache = BacktestCache::Open({.path = path_, .duckdb_threads = 1, .connections = 2});
        EXPECT_TRUE(cache.has_value()) << cache.error().message;
        return cache ? std::move(*cache) : nullptr;
    }

    //! `count` 8-hourly settlements from kT0 + first * 8h; the first three without a mark price.
    static std::vector<FundingRate> Rates(int64_t first, int64_t count) {
        std::vector<FundingRate> rates;
        for (int64_t i = first; i < first + count; ++i) {
            FundingRate rate{.time_ms = kT0 + i * kEight, .rate = 0.0001 * static_cast<double>(i - 2)};
            if (i >= 3) rate.mark_price = 42000.0 + static_cast<double>(i);
            rates.push_back(rate);
        }
        return rates;
    }

    fs::path dir_;
    std::string path_;
};

void ExpectSameRates(const std::vector<FundingRate>& got, const std::vector<FundingRate>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].time_ms, want[i].time_ms) << i;
        EXPECT_DOUBLE_EQ(got[i].rate, want[i].rate) << i;
        EXPECT_EQ(got[i].HasMarkPrice(), want[i].HasMarkPrice()) << i;
        if (want[i].HasMarkPrice()) {
            EXPECT_DOUBLE_EQ(got[i].mark_price, want[i].mark_price) << i;
        }
    }
}

TEST_F(FundingStoreTest, StoresAndReadsRatesWithTheirCoverage) {
    auto cache = Open();
    const auto rates = Rates(0, 6);
    const std::vector<TimeRange> covered = {{kT0, kT0 + 6 * kEight}};
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, rates, covered, "test").has_value());

    const auto inside = cache->ReadFunding(kExchange, kSymbol, {kT0 + kEight, kT0 + 4 * kEight});
    ASSERT_TRUE(inside.has_value()) << inside.error().message;
    ExpectSameRates(inside->rates, {rates.begin() + 1, rates.begin() + 4});
    EXPECT_TRUE(std::isnan(inside->rates[0].mark_price));  // stored as NULL, read back as NaN
    EXPECT_TRUE(inside->uncovered.empty());

    const auto wider = cache->ReadFunding(kExchange, kSymbol, {kT0 - kEight, kT0 + 7 * kEight});
    ASSERT_TRUE(wider.has_value());
    ExpectSameRates(wider->rates, rates);
    EXPECT_EQ(wider->uncovered, (std::vector<TimeRange>{{kT0 - kEight, kT0}, {kT0 + 6 * kEight, kT0 + 7 * kEight}}));
    EXPECT_EQ(*cache->FundingCoverage(kExchange, kSymbol), covered);

    // Other symbols and exchanges are other series; an empty range holds nothing and lacks nothing.
    const auto other = cache->ReadFunding(kExchange, "ETHUSDT", covered[0]);
    EXPECT_TRUE(other->rates.empty());
    EXPECT_EQ(other->uncovered, covered);
    EXPECT_EQ(cache->ReadFunding("binance", kSymbol, covered[0])->uncovered, covered);
    const auto empty = cache->ReadFunding(kExchange, kSymbol, {kT0, kT0});
    EXPECT_TRUE(empty->rates.empty());
    EXPECT_TRUE(empty->uncovered.empty());
}

TEST_F(FundingStoreTest, ACoveredRangeWithoutSettlementsIsKnownToHaveNone) {
    auto cache = Open();
    const std::vector<TimeRange> covered = {{kT0, kT0 + 3 * kEight}};
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, {}, covered, "test").has_value());
    const auto read = cache->ReadFunding(kExchange, kSymbol, covered[0]);
    EXPECT_TRUE(read->rates.empty());
    EXPECT_TRUE(read->uncovered.empty());
    const auto loaded = FundingLoader(*cache).Load({kExchange, kSymbol, covered[0]});
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_TRUE(loaded->rates.empty());
    EXPECT_TRUE(loaded->cache_hit);
}

TEST_F(FundingStoreTest, WritesReplaceTheSettlementAtTheSameTime) {
    auto cache = Open();
    const std::vector<TimeRange> covered = {{kT0, kT0 + kEight}};
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, std::vector<FundingRate>{{.time_ms = kT0, .rate = 0.0001}},
                                    covered, "import"));
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol,
                                    std::vector<FundingRate>{{.time_ms = kT0, .rate = 0.0002, .mark_price = 42000}},
                                    covered, "binance"));
    const auto read = cache->ReadFunding(kExchange, kSymbol, covered[0]);
    ASSERT_EQ(read->rates.size(), 1u);
    EXPECT_DOUBLE_EQ(read->rates[0].rate, 0.0002);
    EXPECT_DOUBLE_EQ(read->rates[0].mark_price, 42000);
    // A dump row (no mark price) imported over it keeps the mark price the API gave.
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, std::vector<FundingRate>{{.time_ms = kT0, .rate = 0.0003}},
                                    covered, "import"));
    const auto again = cache->ReadFunding(kExchange, kSymbol, covered[0]);
    EXPECT_DOUBLE_EQ(again->rates[0].rate, 0.0003);
    EXPECT_DOUBLE_EQ(again->rates[0].mark_price, 42000);
}

TEST_F(FundingStoreTest, AFailedWriteLeavesNothingOfIt) {
    auto cache = Open();
    const std::vector<TimeRange> covered = {{kT0, kT0 + 3 * kEight}};
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, Rates(0, 3), covered, "test"));
    // The rates go in first, then the coverage; an empty coverage range fails inside the
    // transaction, after the rates: they must be rolled back with it.
    const std::vector<TimeRange> bad = {{kT0 + 3 * kEight, kT0 + 6 * kEight}, {kT0 + 9 * kEight, kT0 + 9 * kEight}};
    const auto failed = cache->StoreFunding(kExchange, kSymbol, Rates(3, 3), bad, "test");
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kCacheUnavailable);
    EXPECT_EQ(failed.error().message.find(dir_.string()), std::string::npos) << failed.error().message;
    const auto read = cache->ReadFunding(kExchange, kSymbol, {kT0, kT0 + 6 * kEight});
    ExpectSameRates(read->rates, Rates(0, 3));
    EXPECT_EQ(read->uncovered, (std::vector<TimeRange>{{kT0 + 3 * kEight, kT0 + 6 * kEight}}));
    // Rows out of order are refused before anything is written.
    std::vector<FundingRate> unordered = Rates(3, 3);
    std::swap(unordered[0], unordered[2]);
    EXPECT_FALSE(cache->StoreFunding(kExchange, kSymbol, unordered, bad, "test").has_value());
    EXPECT_EQ(cache->ReadFunding(kExchange, kSymbol, {kT0, kT0 + 6 * kEight})->rates.size(), 3u);
    // The connection is usable afterwards: the next write lands.
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, Rates(3, 3), std::vector<TimeRange>{bad[0]}, "test"));
    EXPECT_TRUE(cache->ReadFunding(kExchange, kSymbol, {kT0, kT0 + 6 * kEight})->uncovered.empty());
}

TEST_F(FundingStoreTest, SurvivesReopening) {
    {
        auto cache = Open();
        ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, Rates(0, 4),
                                        std::vector<TimeRange>{{kT0, kT0 + 4 * kEight}}, "test"));
    }
    auto cache = Open();
    const auto read = cache->ReadFunding(kExchange, kSymbol, {kT0, kT0 + 4 * kEight});
    ExpectSameRates(read->rates, Rates(0, 4));
    EXPECT_TRUE(read->uncovered.empty());
}

TEST_F(FundingStoreTest, AnImportNeverVouchesForTheFuture) {
    // A file whose last settlement was an hour ago covers up to the last whole hour, not up to
    // the next settlement.
    const std::string file = (dir_ / "recent.csv").string();
    std::ofstream(file) << "1704067200000,8,0.0001\n1704096000000,8,0.0001\n";
    const int64_t now = 1704096000000 + kMillisPerHour + 5 * 60'000;
    const auto prepared = PrepareFundingImport(kSymbol, file, now);
    ASSERT_TRUE(prepared.has_value()) << prepared.error().message;
    EXPECT_EQ(prepared->covered, (std::vector<TimeRange>{{1704067200000, 1704096000000 + kMillisPerHour}}));
}

TEST_F(FundingStoreTest, ImportingADumpWithAHoleCoversAroundIt) {
    const std::string file = (dir_ / "BTCUSDT-fundingRate-2024-01.csv").string();
    const int64_t h = kMillisPerHour;
    std::ofstream(file) << "calc_time,funding_interval_hours,last_funding_rate\n"
                        << DumpText({{kT0, 8}, {kT0 + 8 * h, 8}, {kT0 + 32 * h, 8}, {kT0 + 40 * h, 8}});
    auto cache = Open();
    const auto refused = ImportFundingFile(*cache, kExchange, kSymbol, file, kFarFuture);
    ASSERT_TRUE(refused.has_value()) << refused.error().message;
    EXPECT_NE(refused->refusal.find("1 rows rejected"), std::string::npos) << refused->refusal;
    EXPECT_TRUE(cache->FundingCoverage(kExchange, kSymbol)->empty());
    EXPECT_FALSE(ImportFundingFile(*cache, kExchange, "ETHUSDT", file, kFarFuture)->refusal.empty());

    const auto report = ImportFundingFile(*cache, kExchange, kSymbol, file, kFarFuture, {.allow_rejects = true});
    ASSERT_TRUE(report.has_value()) << report.error().message;
    EXPECT_TRUE(report->refusal.empty()) << report->refusal;
    EXPECT_EQ(report->imported, 4);
    const std::vector<TimeRange> covered = {{kT0, kT0 + 8 * h + 1}, {kT0 + 32 * h, kT0 + 48 * h}};
    EXPECT_EQ(report->covered, covered);
    EXPECT_EQ(*cache->FundingCoverage(kExchange, kSymbol), covered);
}

TEST_F(FundingStoreTest, TheLoaderWithoutAnUpstreamSaysHowToSupplyWhatIsMissing) {
    auto cache = Open();
    ASSERT_TRUE(cache->StoreFunding(kExchange, kSymbol, Rates(0, 6), std::vector<TimeRange>{{kT0, kT0 + 6 * kEight}},
                                    "import"));
    BinanceClient offline(BinanceOptions{.spot_base_url = "", .futures_base_url = ""});
    for (BinanceClient* upstream : {static_cast<BinanceClient*>(nullptr), &offline}) {
        const FundingLoader loader(*cache, upstream);
        const auto hit = loader.Load({kExchange, kSymbol, {kT0, kT0 + 6 * kEight}});
        ASSERT_TRUE(hit.has_value()) << hit.error().message;
        EXPECT_TRUE(hit->cache_hit);
        EXPECT_EQ(hit->source, "cache");
        EXPECT_EQ(hit->upstream_requests, 0);
        ExpectSameRates(hit->rates, Rates(0, 6));

        const auto missing = loader.Load({kExchange, kSymbol, {kT0, kT0 + 9 * kEight}});
        ASSERT_FALSE(missing.has_value());
        EXPECT_EQ(missing.error().code, ErrorCode::kDataNotFound);
        const std::string& message = missing.error().message;
        EXPECT_NE(message.find("2024-01-03T00:00:00Z .. 2024-01-04T00:00:00Z"), std::string::npos) << message;
        EXPECT_NE(message.find("it holds 2024-01-01T00:00:00Z .. 2024-01-03T00:00:00Z"), std::string::npos) << message;
        EXPECT_NE(message.find("spark-executor import --exchange binance-futures --symbol BTCUSDT --funding FILE"),
                  std::string::npos)
            << message;
        EXPECT_NE(message.find("BINANCE_FUTURES_BASE_URL"), std::string::npos) << message;

        const auto direct = loader.Load({kExchange, kSymbol, {kT0, kT0 + 6 * kEight}, false});
        ASSERT_FALSE(direct.has_value());
        EXPECT_EQ(direct.error().code, ErrorCode::kDataNotFound);
        EXPECT_EQ(direct.error().field, "useCache");
    }
}

TEST_F(FundingStoreTest, TheLoaderServesOnlyUsdMFuturesAndNeverTheFuture) {
    auto cache = Open();
    const FundingLoader loader(*cache);
    const auto spot = loader.Load({"binance", kSymbol, {kT0, kT0 + kEight}});
    ASSERT_FALSE(spot.has_value());
    EXPECT_EQ(spot.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(spot.error().field, "exchange");
    // Settlements not yet due are unknown, not missing: a range wholly ahead asks for nothing.
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    const auto ahead = loader.Load({kExchange, kSymbol, {now + kEight, now + 2 * kEight}});
    ASSERT_TRUE(ahead.has_value()) << ahead.error().message;
    EXPECT_TRUE(ahead->rates.empty());
    EXPECT_TRUE(ahead->uncovered.empty());
}

}  // namespace
}  // namespace spark
