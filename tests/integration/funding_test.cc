// Funding rates through the data layer, in-process (cache, Binance client, loader), against the
// replay serving tests/data/futures: cache-first loads, pagination, faults, all-or-nothing writes;
// and the import command of the real binary.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/interval.h"
#include "marketdata/backtest_cache.h"
#include "marketdata/binance_client.h"
#include "marketdata/funding_loader.h"
#include "marketdata/kline_csv.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace spark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kFuturesData = std::string(SPARK_TEST_DATA_DIR) + "/futures";
const std::string kExchange = "binance-futures";
const std::string kSymbol = "BTCUSDT";
constexpr int64_t k2023 = 1672531200000;      // 2023-01-01T00:00Z
constexpr int64_t kJune2023 = 1685577600000;  // 2023-06-01T00:00Z
constexpr int64_t kDec2023 = 1701388800000;   // 2023-12-01T00:00Z
constexpr int64_t kJan2024 = 1704067200000;
constexpr int64_t kFeb2024 = 1706745600000;
constexpr int64_t kMar2024 = 1709251200000;
constexpr int64_t kGapFrom = 1707523200000;  // 2024-02-10T00:00Z: the data has no settlement for a day

//! The settlements of the replay's JSON file with time in [start, end).
std::vector<FundingRate> FileRates(int64_t start, int64_t end) {
    std::ifstream in(kFuturesData + "/BTCUSDT-fundingRate.json");
    const json rows = json::parse(in);
    std::vector<FundingRate> out;
    for (const json& row : rows) {
        const int64_t time = row.at("fundingTime").get<int64_t>();
        if (time < start || time >= end) continue;
        const std::string mark = row.at("markPrice").get<std::string>();
        out.push_back(
            FundingRate{.time_ms = time,
                        .rate = std::stod(row.at("fundingRate").get<std::string>()),
                        .mark_price = mark.empty() ? std::numeric_limits<double>::quiet_NaN() : std::stod(mark)});
    }
    return out;
}

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

class Funding : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(directory_ + "/spot");
        replay_ = std::make_unique<ReplayProcess>(directory_ + "/spot", 0,
                                                  std::vector<std::string>{"--futures-data-dir", kFuturesData});
        ASSERT_NE(replay_->Port(), 0);
        auto cache = BacktestCache::Open({.path = directory_ + "/cache.duckdb", .duckdb_threads = 1, .connections = 4});
        ASSERT_TRUE(cache.has_value()) << cache.error().message;
        cache_ = std::move(*cache);
        BinanceOptions options;
        options.spot_base_url = "";
        options.futures_base_url = replay_->BaseUrl();
        options.max_attempts = 3;
        options.max_retry_ms = 5'000;
        options.base_backoff_ms = 20;
        client_ = std::make_unique<BinanceClient>(options);
        loader_ = std::make_unique<FundingLoader>(*cache_, client_.get());
    }
    void TearDown() override {
        loader_.reset();
        client_.reset();
        cache_.reset();
        replay_.reset();
        fs::remove_all(directory_);
    }

    Result<LoadedFunding> Load(int64_t start, int64_t end, bool use_cache = true) const {
        return loader_->Load({.exchange = kExchange, .symbol = kSymbol, .range = {start, end}, .use_cache = use_cache});
    }
    int64_t FundingRequests() const {
        return json::parse(HttpCall(replay_->Port(), "GET", "/__stats").body)["fundingRequests"].get<int64_t>();
    }
    void Inject(const json& fault) const { HttpCall(replay_->Port(), "POST", "/__faults", fault.dump()); }
    //! What the cache still lacks of [start, end).
    std::vector<TimeRange> Uncovered(int64_t start, int64_t end) const {
        const auto read = cache_->ReadFunding(kExchange, kSymbol, {start, end});
        EXPECT_TRUE(read.has_value()) << read.error().message;
        return read ? read->uncovered : std::vector<TimeRange>{};
    }

    std::string directory_;
    std::unique_ptr<ReplayProcess> replay_;
    std::unique_ptr<BacktestCache> cache_;
    std::unique_ptr<BinanceClient> client_;
    std::unique_ptr<FundingLoader> loader_;
};

TEST_F(Funding, AColdLoadFollowsPagesAndAWarmOneIsACacheHit) {
    const std::vector<FundingRate> expected = FileRates(k2023, kMar2024);
    ASSERT_GT(expected.size(), 1000u);  // more than one page
    const auto cold = Load(k2023, kMar2024);
    ASSERT_TRUE(cold.has_value()) << cold.error().message;
    EXPECT_EQ(cold->source, "binance");
    EXPECT_FALSE(cold->cache_hit);
    EXPECT_TRUE(cold->uncovered.empty());
    EXPECT_EQ(cold->fetched, static_cast<int64_t>(expected.size()));
    EXPECT_EQ(cold->upstream_requests, 2);  // a page of 1000, then a short one
    EXPECT_EQ(FundingRequests(), 2);
    ExpectSameRates(cold->rates, expected);

    const auto warm = Load(k2023, kMar2024);
    ASSERT_TRUE(warm.has_value()) << warm.error().message;
    EXPECT_EQ(warm->source, "cache");
    EXPECT_TRUE(warm->cache_hit);
    EXPECT_EQ(warm->upstream_requests, 0);
    EXPECT_EQ(warm->fetched, 0);
    EXPECT_EQ(FundingRequests(), 2);
    ExpectSameRates(warm->rates, cold->rates);

    // The data's shape came through: no mark price before June 2023, 4-hourly settlements for a
    // week, and a day without any settlement (a covered range, not a miss).
    bool four_hourly = false;
    for (size_t i = 0; i < warm->rates.size(); ++i) {
        const FundingRate& rate = warm->rates[i];
        EXPECT_EQ(rate.HasMarkPrice(), rate.time_ms >= kJune2023) << rate.time_ms;
        EXPECT_FALSE(rate.time_ms >= kGapFrom && rate.time_ms < kGapFrom + kMillisPerDay) << rate.time_ms;
        if (i > 0 && rate.time_ms - warm->rates[i - 1].time_ms == 4 * kMillisPerHour) four_hourly = true;
    }
    EXPECT_TRUE(four_hourly);
    EXPECT_TRUE(Uncovered(kGapFrom, kGapFrom + kMillisPerDay).empty());
}

TEST_F(Funding, OnlyTheMissingPartsAreFetched) {
    ASSERT_TRUE(Load(kJan2024, kFeb2024).has_value());
    EXPECT_EQ(FundingRequests(), 1);
    const auto mixed = Load(kDec2023, kMar2024);
    ASSERT_TRUE(mixed.has_value()) << mixed.error().message;
    EXPECT_EQ(mixed->source, "mixed");
    EXPECT_EQ(mixed->upstream_requests, 2);  // December, then February
    EXPECT_EQ(mixed->fetched,
              static_cast<int64_t>(FileRates(kDec2023, kJan2024).size() + FileRates(kFeb2024, kMar2024).size()));
    ExpectSameRates(mixed->rates, FileRates(kDec2023, kMar2024));
    EXPECT_EQ(FundingRequests(), 3);
}

TEST_F(Funding, ARateLimitIsRetried) {
    Inject({{"status", 429}, {"count", 1}, {"retryAfter", 0}});
    const auto loaded = Load(kJan2024, kFeb2024);
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    EXPECT_EQ(loaded->upstream_requests, 2);
    ExpectSameRates(loaded->rates, FileRates(kJan2024, kFeb2024));
    EXPECT_TRUE(Uncovered(kJan2024, kFeb2024).empty());
}

TEST_F(Funding, ABanFailsCachesNothingAndIsNotAskedAgain) {
    Inject({{"status", 418}, {"count", 1}, {"retryAfter", 120}});
    const auto banned = Load(kJan2024, kFeb2024);
    ASSERT_FALSE(banned.has_value());
    EXPECT_EQ(banned.error().code, ErrorCode::kMarketDataBanned);
    const std::string& message = banned.error().message;
    EXPECT_NE(message.find("The cache lacks binance-futures BTCUSDT funding rates for 2024-01-01T00:00:00Z .. "
                           "2024-02-01T00:00:00Z (it holds nothing)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("spark-executor import --exchange binance-futures"), std::string::npos) << message;
    EXPECT_EQ(Uncovered(kJan2024, kFeb2024), (std::vector<TimeRange>{{kJan2024, kFeb2024}}));
    EXPECT_EQ(FundingRequests(), 1);
    EXPECT_EQ(Load(kJan2024, kFeb2024).error().code, ErrorCode::kMarketDataBanned);
    EXPECT_EQ(FundingRequests(), 1);  // during the ban nothing is sent
}

TEST_F(Funding, ServerErrorsBeyondTheRetriesCacheNothing) {
    Inject({{"status", 500}, {"count", 3}});
    const auto failed = Load(kJan2024, kFeb2024);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kMarketDataUnavailable);
    EXPECT_EQ(FundingRequests(), 3);
    EXPECT_EQ(Uncovered(kJan2024, kFeb2024), (std::vector<TimeRange>{{kJan2024, kFeb2024}}));
    // Nothing was claimed: the next load fetches again, and succeeds.
    const auto recovered = Load(kJan2024, kFeb2024);
    ASSERT_TRUE(recovered.has_value()) << recovered.error().message;
    EXPECT_EQ(recovered->source, "binance");
}

TEST_F(Funding, AMalformedPageCachesNothing) {
    Inject({{"malformed", true}});
    const auto failed = Load(kJan2024, kFeb2024);
    ASSERT_FALSE(failed.has_value());
    EXPECT_EQ(failed.error().code, ErrorCode::kMarketDataUnavailable);
    EXPECT_NE(failed.error().message.find("invalid funding rate"), std::string::npos) << failed.error().message;
    EXPECT_EQ(Uncovered(kJan2024, kFeb2024), (std::vector<TimeRange>{{kJan2024, kFeb2024}}));
}

TEST_F(Funding, AFailedSecondPageDiscardsTheFirst) {
    Inject({{"delayMs", 0}});  // page 1 is answered
    Inject({{"status", 500}, {"count", 3}});
    ASSERT_FALSE(Load(k2023, kMar2024).has_value());
    EXPECT_EQ(FundingRequests(), 4);
    EXPECT_EQ(Uncovered(k2023, kMar2024), (std::vector<TimeRange>{{k2023, kMar2024}}));
    EXPECT_TRUE(cache_->ReadFunding(kExchange, kSymbol, {k2023, kMar2024})->rates.empty());
}

TEST_F(Funding, ConcurrentLoadsOfTheSameMissingRangeShareOneFetch) {
    Inject({{"delayMs", 300}});  // keep the first fetch in flight while the others arrive
    std::vector<std::future<size_t>> loads;
    for (int i = 0; i < 8; ++i) {
        loads.push_back(std::async(std::launch::async, [this] {
            const auto loaded = Load(kJan2024, kFeb2024);
            EXPECT_TRUE(loaded.has_value()) << loaded.error().message;
            return loaded ? loaded->rates.size() : size_t{0};
        }));
    }
    for (auto& load : loads) EXPECT_EQ(load.get(), FileRates(kJan2024, kFeb2024).size());
    EXPECT_EQ(FundingRequests(), 1);
}

TEST_F(Funding, UseCacheFalseNeitherReadsNorWritesTheCache) {
    const auto direct = Load(kJan2024, kFeb2024, /*use_cache=*/false);
    ASSERT_TRUE(direct.has_value()) << direct.error().message;
    EXPECT_EQ(direct->source, "binance");
    EXPECT_EQ(direct->upstream_requests, 1);
    ExpectSameRates(direct->rates, FileRates(kJan2024, kFeb2024));
    EXPECT_EQ(Uncovered(kJan2024, kFeb2024), (std::vector<TimeRange>{{kJan2024, kFeb2024}}));
}

TEST_F(Funding, TheReplayServesFuturesKlinesAndRefusesAsBinanceDoes) {
    // The synthetic klines carry the futures dump's header line; every row is valid.
    const Interval hour = *Interval::Parse("1h");
    const auto text = ReadKlineFile(kFuturesData + "/BTCUSDT-1h.csv");
    ASSERT_TRUE(text.has_value()) << text.error().message;
    const KlineCsv file = ParseKlineCsv(*text, hour, std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(file.rejected.empty()) << file.rejected.front().reason;
    ASSERT_EQ(file.rows.size(), 1440u);
    const auto day = client_->FetchKlines(kExchange, kSymbol, hour, {kJan2024, kJan2024 + kMillisPerDay});
    ASSERT_TRUE(day.has_value()) << day.error().message;
    ASSERT_EQ(day->rows.size(), 24u);
    EXPECT_DOUBLE_EQ(day->rows.front().candle.open, file.rows.front().candle.open);

    const auto unknown = client_->FetchFundingRates("NOPEUSDT", {kJan2024, kFeb2024});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().code, ErrorCode::kInvalidSymbol);
    const HttpResult too_many = HttpCall(replay_->Port(), "GET", "/fapi/v1/fundingRate?symbol=BTCUSDT&limit=1001");
    EXPECT_EQ(too_many.status, 400);
    EXPECT_EQ(json::parse(too_many.body)["code"], -1130);
    // Without startTime: the latest `limit` rows (100 by default).
    const json latest = json::parse(HttpCall(replay_->Port(), "GET", "/fapi/v1/fundingRate?symbol=BTCUSDT").body);
    ASSERT_EQ(latest.size(), 100u);
    EXPECT_EQ(latest.back()["fundingTime"].get<int64_t>(), FileRates(k2023, kMar2024).back().time_ms);
}

TEST_F(Funding, TheImportCommandStoresADumpAndItsCoverageAllOrNothing) {
    const std::string exe = SPARK_EXECUTOR_PATH;
    const std::string db = directory_ + "/import.duckdb";
    const std::string dump = kFuturesData + "/BTCUSDT-fundingRate-2024-01.csv";
    const std::string import = exe + " import --exchange binance-futures --symbol BTCUSDT --funding --db " + db;

    const CommandResult with_interval = RunCommand(import + " --interval 8h " + dump);
    EXPECT_EQ(with_interval.status, 2) << with_interval.output;
    EXPECT_NE(with_interval.output.find("--interval does not apply to --funding"), std::string::npos)
        << with_interval.output;
    const CommandResult spot =
        RunCommand(exe + " import --exchange binance --symbol BTCUSDT --funding --db " + db + " " + dump);
    EXPECT_EQ(spot.status, 2) << spot.output;
    EXPECT_NE(spot.output.find("--funding needs --exchange binance-futures"), std::string::npos) << spot.output;
    const CommandResult other_symbol =
        RunCommand(exe + " import --exchange binance-futures --symbol ETHUSDT --funding --db " + db + " " + dump);
    EXPECT_EQ(other_symbol.status, 1) << other_symbol.output;
    EXPECT_NE(other_symbol.output.find("named for BTCUSDT"), std::string::npos) << other_symbol.output;
    EXPECT_NE(other_symbol.output.find("nothing imported"), std::string::npos) << other_symbol.output;
    EXPECT_FALSE(fs::exists(db));  // refused before the cache was opened

    // Killed with the rates in and their coverage not yet: after the crash, neither is there.
    const CommandResult killed = RunCommand("SPARK_FAILPOINT=funding-store-mid-transaction " + import + " " + dump);
    EXPECT_TRUE(killed.status == 137 || killed.status == -1) << killed.status << killed.output;
    {
        auto cache = BacktestCache::Open({.path = db, .duckdb_threads = 1, .connections = 1});
        ASSERT_TRUE(cache.has_value()) << cache.error().message;
        const auto read = (*cache)->ReadFunding(kExchange, kSymbol, {kJan2024, kFeb2024});
        ASSERT_TRUE(read.has_value()) << read.error().message;
        EXPECT_TRUE(read->rates.empty());
        EXPECT_EQ(read->uncovered, (std::vector<TimeRange>{{kJan2024, kFeb2024}}));
    }

    const std::vector<FundingRate> january = FileRates(kJan2024, kFeb2024);
    const CommandResult imported = RunCommand(import + " " + dump);
    ASSERT_EQ(imported.status, 0) << imported.output;
    EXPECT_NE(imported.output.find(std::to_string(january.size()) + " funding rates imported, 0 rejected"),
              std::string::npos)
        << imported.output;

    // The process has exited and released the file: read what it wrote.
    auto cache = BacktestCache::Open({.path = db, .duckdb_threads = 1, .connections = 1});
    ASSERT_TRUE(cache.has_value()) << cache.error().message;
    const auto read = (*cache)->ReadFunding(kExchange, kSymbol, {kJan2024, kFeb2024});
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_TRUE(read->uncovered.empty());  // through the last settlement's 8 hours
    ASSERT_EQ(read->rates.size(), january.size());
    for (size_t i = 0; i < january.size(); ++i) {
        EXPECT_EQ(read->rates[i].time_ms, january[i].time_ms) << i;
        EXPECT_DOUBLE_EQ(read->rates[i].rate, january[i].rate) << i;
        EXPECT_FALSE(read->rates[i].HasMarkPrice()) << i;  // dumps have none
    }
    const FundingLoader offline(**cache);
    const auto served = offline.Load({.exchange = kExchange, .symbol = kSymbol, .range = {kJan2024, kFeb2024}});
    ASSERT_TRUE(served.has_value()) << served.error().message;
    EXPECT_TRUE(served->cache_hit);
    const auto beyond = offline.Load({.exchange = kExchange, .symbol = kSymbol, .range = {kJan2024, kMar2024}});
    ASSERT_FALSE(beyond.has_value());
    EXPECT_EQ(beyond.error().code, ErrorCode::kDataNotFound);
    EXPECT_NE(beyond.error().message.find("2024-02-01T00:00:00Z .. 2024-03-01T00:00:00Z"), std::string::npos)
        << beyond.error().message;
}

}  // namespace
}  // namespace spark::testing
