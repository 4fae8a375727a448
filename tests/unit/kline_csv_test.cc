#include "marketdata/kline_csv.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

const Interval kHour = *Interval::Parse("1h");
constexpr int64_t kFarFuture = INT64_MAX / 2;
const char* kGood =
    "1704067200000,42283.58,42554.57,42261.02,42475.23,1271.68,1704070799999,53957248.9,47134,682.5,28957416.8,0";

TEST(KlineCsv, ParsesBinanceRows) {
    const KlineCsv csv = ParseKlineCsv(std::string(kGood) + "\n", kHour, kFarFuture);
    ASSERT_EQ(csv.rows.size(), 1u);
    EXPECT_TRUE(csv.rejected.empty());
    const KlineRow& r = csv.rows[0];
    EXPECT_EQ(r.candle.open_time_ms, 1704067200000);
    EXPECT_DOUBLE_EQ(r.candle.open, 42283.58);
    EXPECT_DOUBLE_EQ(r.candle.close, 42475.23);
    EXPECT_EQ(r.close_time_ms, 1704070799999);
    EXPECT_EQ(r.trade_count, 47134);
}

TEST(KlineCsv, ConvertsMicrosecondTimestampsAndSkipsAHeader) {
    const std::string text =
        "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,"
        "ignore\n"
        "1735689600000000,1,2,0.5,1.5,10,1735693199999999,15,3,5,7,0\r\n";
    const KlineCsv csv = ParseKlineCsv(text, kHour, kFarFuture);
    ASSERT_EQ(csv.rows.size(), 1u);
    EXPECT_EQ(csv.rows[0].candle.open_time_ms, 1735689600000);
    EXPECT_EQ(csv.rows[0].close_time_ms, 1735693199999);
    EXPECT_EQ(csv.notes.size(), 1u);
}

TEST(KlineCsv, RejectsBadRowsWithReasons) {
    const std::string text = std::string(kGood) + "\n" +
                             "1704070800000,1,2,0.5,1.5,10,1704074399999,15,3,5,7\n"      // 11 fields
                             "1704074400000,1,x,0.5,1.5,10,1704077999999,15,3,5,7,0\n"    // not a number
                             "1704074460000,1,2,0.5,1.5,10,1704078059999,15,3,5,7,0\n"    // misaligned
                             "1704078000000,1,1.2,0.5,1.5,10,1704081599999,15,3,5,7,0\n"  // high < close
                             "1704081600000,1,2,0.5,1.5,-1,1704085199999,15,3,5,7,0\n"    // negative volume
                             "1704067200000,9,9,9,9,1,1704070799999,9,1,0,0,0\n";         // duplicate
    const KlineCsv csv = ParseKlineCsv(text, kHour, kFarFuture);
    EXPECT_EQ(csv.rows.size(), 1u);
    EXPECT_DOUBLE_EQ(csv.rows[0].candle.open, 42283.58);  // the first of a duplicate pair is kept
    ASSERT_EQ(csv.rejected.size(), 6u);
    EXPECT_EQ(csv.rejected[0].line, 2);
    EXPECT_NE(csv.rejected[0].reason.find("12 fields"), std::string::npos);
    EXPECT_NE(csv.rejected[1].reason.find("not a number"), std::string::npos);
    EXPECT_NE(csv.rejected[2].reason.find("not aligned"), std::string::npos);
    EXPECT_NE(csv.rejected[3].reason.find("OHLC"), std::string::npos);
    EXPECT_NE(csv.rejected[4].reason.find("negative"), std::string::npos);
    EXPECT_NE(csv.rejected[5].reason.find("duplicate"), std::string::npos);
}

TEST(KlineCsv, AZipMemberClaimingMoreThanDeflateCanProduceIsRefusedBeforeAllocation) {
    // Found by fuzz_kline_archive: 312 compressed bytes whose header claims 1,996,489,509
    // uncompressed; the reader allocated the claim up front (2 GB for a 454-byte file).
    auto refused = ReadKlineFile(std::string(SPARK_TEST_DATA_DIR) + "/zip-member-claims-2gb.zip");
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("more than deflate can produce"), std::string::npos)
        << refused.error().message;
    // A real Binance dump still reads.
    auto real = ReadKlineFile(std::string(SPARK_TEST_DATA_DIR) + "/BTCUSDT-1h-2024-01.zip");
    ASSERT_TRUE(real) << real.error().message;
    EXPECT_EQ(ParseKlineCsv(*real, kHour, kFarFuture).rows.size(), 744u);
}

TEST(KlineCsv, OnlyBinancesHeaderIsSkipped) {
    const KlineCsv csv = ParseKlineCsv("garbage,line\n" + std::string(kGood), kHour, kFarFuture);
    EXPECT_EQ(csv.rows.size(), 1u);
    ASSERT_EQ(csv.rejected.size(), 1u);
    EXPECT_EQ(csv.rejected[0].line, 1);
}

TEST(KlineCsv, RejectsBarsThatHaveNotClosed) {
    const KlineCsv csv = ParseKlineCsv(kGood, kHour, 1704067200000 + 30 * kMillisPerMinute);
    EXPECT_TRUE(csv.rows.empty());
    ASSERT_EQ(csv.rejected.size(), 1u);
    EXPECT_NE(csv.rejected[0].reason.find("not closed"), std::string::npos);
}

TEST(KlineCsv, KeepsTheRealShortHaltBarWithANote) {
    // 2023-03-24T12:00Z, BTCUSDT: a zero-volume stub closing at 12:39:41.646Z (real Binance data).
    const KlineCsv csv = ParseKlineCsv(
        "1679659200000,28080.00000000,28080.00000000,28080.00000000,28080.00000000,0.00000000,1679661581646,0.00000000,"
        "0,"
        "0.00000000,0.00000000,0\n",
        kHour, kFarFuture);
    EXPECT_EQ(csv.rows.size(), 1u);
    ASSERT_EQ(csv.notes.size(), 1u);
    EXPECT_NE(csv.notes[0].find("12:39:41.646Z"), std::string::npos);
}

}  // namespace
}  // namespace spark
