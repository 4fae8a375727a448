#include "api/run/run_request.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace spark::api {
namespace {

const int64_t kNow = ParseTime("2026-06-15T12:34:56Z")->epoch_ms;

Result<RunRequest> Parse(const std::string& body) { return ParseRunRequest(body, kNow); }

TEST(RunRequest, ThePlansPayloadWithEveryDefault) {
    const auto r =
        Parse(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","useCache":true})");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->exchange, "binance");
    EXPECT_EQ(r->symbol, "BTCUSDT");
    EXPECT_EQ(r->interval.Name(), "1h");
    EXPECT_EQ(r->range.start_ms, ParseTime("2024-01-01")->epoch_ms);
    EXPECT_EQ(r->range.end_ms, ParseTime("2024-01-08")->epoch_ms);  // a date-only end covers its day
    EXPECT_EQ(r->interval.CountOpenTimes(r->range.start_ms, r->range.end_ms), 168);
    EXPECT_EQ(r->strategy.name, "sma_cross");
    EXPECT_EQ(r->params.at("fast"), 10);
    EXPECT_EQ(r->params.at("slow"), 30);
    EXPECT_EQ(r->options.fee_bps, 10);
    EXPECT_EQ(r->options.slippage_bps, 0);
    EXPECT_EQ(r->options.initial_cash, 10000);
    EXPECT_EQ(r->options.sizing.value, 1);
    EXPECT_EQ(r->options.fill, FillMode::kNextOpen);
    EXPECT_TRUE(r->include_equity);
    EXPECT_TRUE(r->use_cache);
}

TEST(RunRequest, DateTimeAndMillisecondEndsAreExclusive) {
    auto r = Parse(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07T00:00:00Z"})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->interval.CountOpenTimes(r->range.start_ms, r->range.end_ms), 144);
    r = Parse(R"({"symbol":"BTCUSDT","timeframe":"1h","start":1704067200000,"end":1704070800000})");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->interval.CountOpenTimes(r->range.start_ms, r->range.end_ms), 1);
    EXPECT_EQ(r->start, "1704067200000");
}

TEST(RunRequest, OptionalFieldsAreRead) {
    const auto r = Parse(R"({"symbol":"ETHUSDT","timeframe":"4h","start":"2024-01-01","end":"2024-02-01",
        "exchange":"binance","strategy":{"name":"sma_cross","params":{"fast":5,"slow":20}},"feeBps":7.5,
        "slippageBps":2,"initialCash":5000,"positionSize":0.25,"fill":"close","includeEquity":false,"useCache":true})");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->params.at("fast"), 5);
    EXPECT_EQ(r->options.fee_bps, 7.5);
    EXPECT_EQ(r->options.slippage_bps, 2);
    EXPECT_EQ(r->options.initial_cash, 5000);
    EXPECT_EQ(r->options.sizing.value, 0.25);
    EXPECT_EQ(r->options.fill, FillMode::kClose);
    EXPECT_FALSE(r->include_equity);
    const auto by_name = Parse(R"({"symbol":"BTCUSDT","timeframe":"1d","start":"2024-01-01","end":"2024-02-01",
        "strategy":"buy_and_hold"})");
    ASSERT_TRUE(by_name.has_value());
    EXPECT_EQ(by_name->strategy.name, "buy_and_hold");
}

TEST(RunRequest, RangeClipsToClosedBars) {
    // end = today (date-only) would reach into the future: only bars closed by now are used.
    const auto r = Parse(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2026-06-15","end":"2026-06-15"})");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->range.end_ms, ParseTime("2026-06-15T12:00:00Z")->epoch_ms);
}

TEST(RunRequest, ErrorsSayWhatToSend) {
    const auto message = [](const char* body) {
        const auto r = Parse(body);
        EXPECT_FALSE(r.has_value()) << body;
        return r ? std::string() : r.error().message;
    };
    const std::string slashed =
        message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"01/01/2024","end":"2024-01-07"})");
    EXPECT_NE(slashed.find("start '01/01/2024' is a slashed date"), std::string::npos) << slashed;
    EXPECT_NE(slashed.find("send YYYY-MM-DD (2024-01-31)"), std::string::npos) << slashed;
    const std::string day_first =
        message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"31-01-2024","end":"2024-02-07"})");
    EXPECT_NE(day_first.find("day- or month-first"), std::string::npos) << day_first;
    const std::string words =
        message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"yesterday","end":"2024-02-07"})");
    EXPECT_NE(words.find("is not a date: send YYYY-MM-DD"), std::string::npos) << words;
    const std::string seconds = message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":1704067200,"end":1704672000})");
    EXPECT_NE(
        seconds.find("1704067200 looks like epoch seconds: send milliseconds (1704067200000 is 2024-01-01T00:00:00Z)"),
        std::string::npos)
        << seconds;
    const std::string end_seconds =
        message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":1704067200000,"end":"1704672000"})");
    EXPECT_NE(end_seconds.find("1704672000 looks like epoch seconds"), std::string::npos) << end_seconds;
    const std::string typo = message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07",
                                         "feebps":5})");
    EXPECT_NE(typo.find("unknown field 'feebps' (did you mean 'feeBps'?)"), std::string::npos) << typo;
    const std::string far = message(R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07",
                                        "colour":5})");
    EXPECT_EQ(far, "unknown field 'colour'");
}

struct BadCase {
    const char* label;
    const char* body;
    const char* field;
    const char* reason;
};

class RunRequestRejects : public ::testing::TestWithParam<BadCase> {};

TEST_P(RunRequestRejects, NamingTheFieldAndReason) {
    const auto r = Parse(GetParam().body);
    ASSERT_FALSE(r.has_value()) << GetParam().body;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(r.error().field, GetParam().field) << r.error().message;
    EXPECT_EQ(r.error().reason, GetParam().reason) << r.error().message;
    EXPECT_NE(r.error().message.find(GetParam().field == std::string("body") ? "" : GetParam().field),
              std::string::npos)
        << r.error().message;
}

#define BASE R"("symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07")"
INSTANTIATE_TEST_SUITE_P(
    Table, RunRequestRejects,
    ::testing::Values(
        BadCase{"malformed_json", R"({"symbol":)", "body", "MALFORMED_JSON"},
        BadCase{"not_an_object", R"([1,2])", "body", "WRONG_TYPE"},
        BadCase{"missing_symbol", R"({"timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})", "symbol",
                "MISSING_FIELD"},
        BadCase{"symbol_not_string", R"({"symbol":42,"timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})",
                "symbol", "WRONG_TYPE"},
        BadCase{"symbol_lowercase", R"({"symbol":"btc/usdt","timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})",
                "symbol", "INVALID_SYMBOL"},
        BadCase{"timeframe_case", R"({"symbol":"BTCUSDT","timeframe":"1H","start":"2024-01-01","end":"2024-01-07"})",
                "timeframe", "UNKNOWN_TIMEFRAME"},
        BadCase{"missing_start", R"({"symbol":"BTCUSDT","timeframe":"1h","end":"2024-01-07"})", "start",
                "MISSING_FIELD"},
        BadCase{"impossible_date", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-02-30","end":"2024-03-07"})",
                "start", "INVALID_DATE"},
        BadCase{"start_after_end", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-08","end":"2024-01-07"})",
                "end", "INVALID_RANGE"},
        BadCase{"before_2017_07", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2017-06-30","end":"2017-08-01"})",
                "start", "DATE_OUT_OF_BOUNDS"},
        BadCase{"end_in_future", R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2027-01-01"})",
                "end", "DATE_OUT_OF_BOUNDS"},
        BadCase{"too_many_bars", R"({"symbol":"BTCUSDT","timeframe":"1s","start":"2018-01-01","end":"2024-01-01"})",
                "end", "RANGE_TOO_LARGE"},
        BadCase{"fast_not_below_slow", "{" BASE R"(,"strategy":{"name":"sma_cross","params":{"fast":30,"slow":10}}})",
                "strategy.params.fast", "INVALID_PARAMETER"},
        BadCase{"param_not_number", "{" BASE R"(,"strategy":{"name":"sma_cross","params":{"fast":"10"}}})",
                "strategy.params.fast", "WRONG_TYPE"},
        BadCase{"unknown_strategy", "{" BASE R"(,"strategy":{"name":"nope"}})", "strategy.name", "UNKNOWN_STRATEGY"},
        BadCase{"strategy_without_name", "{" BASE R"(,"strategy":{"params":{}}})", "strategy.name", "MISSING_FIELD"},
        BadCase{"negative_fee", "{" BASE R"(,"feeBps":-1})", "feeBps", "OUT_OF_RANGE"},
        BadCase{"slippage_string", "{" BASE R"(,"slippageBps":"5"})", "slippageBps", "WRONG_TYPE"},
        BadCase{"zero_cash", "{" BASE R"(,"initialCash":0})", "initialCash", "OUT_OF_RANGE"},
        BadCase{"position_over_one", "{" BASE R"(,"positionSize":1.5})", "positionSize", "OUT_OF_RANGE"},
        BadCase{"unknown_fill", "{" BASE R"(,"fill":"open"})", "fill", "OUT_OF_RANGE"},
        BadCase{"empty_fill", "{" BASE R"(,"fill":""})", "fill", "OUT_OF_RANGE"},
        BadCase{"stop_loss_of_one", "{" BASE R"(,"stopLossPct":1})", "stopLossPct", "OUT_OF_RANGE"},
        BadCase{"use_cache_string", "{" BASE R"(,"useCache":"yes"})", "useCache", "WRONG_TYPE"},
        BadCase{"include_equity_number", "{" BASE R"(,"includeEquity":1})", "includeEquity", "WRONG_TYPE"},
        BadCase{"unknown_exchange", "{" BASE R"(,"exchange":"kraken"})", "exchange", "UNKNOWN_EXCHANGE"},
        BadCase{"unknown_field", "{" BASE R"(,"feebps":5})", "feebps", "UNKNOWN_FIELD"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.label); });
#undef BASE

}  // namespace
}  // namespace spark::api
