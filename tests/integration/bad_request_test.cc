// Every kind of bad input gets its status and error code, as JSON, and the server stays up.
#include <gtest/gtest.h>

#include "support/seeded_server.h"

namespace spark::testing {
namespace {

struct BadRequest {
    const char* label;
    const char* method;
    const char* target;
    std::string body;
    int status;
    const char* code;
    const char* field;  //!< expected details.field, or "" for none
};

class BadRequests : public SeededServer {};

TEST_F(BadRequests, EachGetsItsStatusAndCode) {
    const std::string base = R"("symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07")";
    const std::vector<BadRequest> cases = {
        {"malformed json", "POST", "/backtest/run", "{\"symbol\":", 400, "INVALID_REQUEST", "body"},
        {"empty body", "POST", "/backtest/run", "", 400, "INVALID_REQUEST", "body"},
        {"not an object", "POST", "/backtest/run", "\"BTCUSDT\"", 400, "INVALID_REQUEST", "body"},
        {"missing symbol", "POST", "/backtest/run", R"({"timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})",
         400, "INVALID_REQUEST", "symbol"},
        {"wrong type", "POST", "/backtest/run",
         R"({"symbol":["BTC"],"timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})", 400, "INVALID_REQUEST",
         "symbol"},
        {"unknown timeframe", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"2d","start":"2024-01-01","end":"2024-01-07"})", 400, "INVALID_REQUEST",
         "timeframe"},
        {"unknown strategy", "POST", "/backtest/run", "{" + base + R"(,"strategy":{"name":"martingale"}})", 400,
         "INVALID_REQUEST", "strategy.name"},
        {"fast >= slow", "POST", "/backtest/run",
         "{" + base + R"(,"strategy":{"name":"sma_cross","params":{"fast":50,"slow":20}}})", 400, "INVALID_REQUEST",
         "strategy.params.fast"},
        {"fee out of range", "POST", "/backtest/run", "{" + base + R"(,"feeBps":1e9})", 400, "INVALID_REQUEST",
         "feeBps"},
        {"negative cash", "POST", "/backtest/run", "{" + base + R"(,"initialCash":-5})", 400, "INVALID_REQUEST",
         "initialCash"},
        {"start after end", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-02-01","end":"2024-01-01"})", 400, "INVALID_REQUEST",
         "end"},
        {"future", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2999-01-01"})", 400, "INVALID_REQUEST",
         "end"},
        {"before 2017-07", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2016-01-01","end":"2018-01-01"})", 400, "INVALID_REQUEST",
         "start"},
        {"bad date", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":"01/02/2024","end":"2024-01-07"})", 400, "INVALID_REQUEST",
         "start"},
        {"invalid utf-8", "POST", "/backtest/run", "{\"symbol\":\"\xff\"}", 400, "INVALID_REQUEST", "body"},
        {"epoch at int64 min", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":-9223372036854775808,"end":"2024-01-07"})", 400,
         "INVALID_REQUEST", "start"},
        {"epoch above int64", "POST", "/backtest/run",
         R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":18446744073709551615})", 400,
         "INVALID_REQUEST", "end"},
        {"denormal cash", "POST", "/backtest/run", "{" + base + R"(,"initialCash":5e-324})", 400, "INVALID_REQUEST",
         "initialCash"},
        {"stop loss too wide", "POST", "/backtest/run", "{" + base + R"(,"stopLossPct":1.5})", 400, "INVALID_REQUEST",
         "stopLossPct"},
        {"take profit zero", "POST", "/backtest/run", "{" + base + R"(,"takeProfitPct":0})", 400, "INVALID_REQUEST",
         "takeProfitPct"},
        {"allowShort string", "POST", "/backtest/run", "{" + base + R"(,"allowShort":"true"})", 400, "INVALID_REQUEST",
         "allowShort"},
        {"rsi levels inverted", "POST", "/backtest/run",
         "{" + base + R"(,"strategy":{"name":"rsi_reversion","params":{"lower":70,"upper":30}}})", 400,
         "INVALID_REQUEST", "strategy.params.lower"},
        {"bollinger k out of bounds", "POST", "/backtest/run",
         "{" + base + R"(,"strategy":{"name":"bollinger_reversion","params":{"k":50}}})", 400, "INVALID_REQUEST",
         "strategy.params.k"},
        {"nan literal", "POST", "/backtest/run", "{" + base + R"(,"feeBps":NaN})", 400, "INVALID_REQUEST", "body"},
        {"no data", "POST", "/backtest/run",
         R"({"symbol":"DOGEUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07"})", 404, "DATA_NOT_FOUND",
         ""},
        {"unknown path", "GET", "/backtest/nope", "", 404, "NOT_FOUND", ""},
        {"wrong method", "GET", "/backtest/run", "", 405, "METHOD_NOT_ALLOWED", ""},
    };
    for (const BadRequest& c : cases) {
        const HttpResult result = HttpCall(server_->Port(), c.method, c.target, c.body);
        ASSERT_EQ(result.status, c.status) << c.label << ": " << result.body;
        EXPECT_EQ(result.content_type, "application/json") << c.label;
        const nlohmann::json body = nlohmann::json::parse(result.body);
        EXPECT_EQ(body["error"]["code"], c.code) << c.label;
        EXPECT_FALSE(body["error"]["message"].get<std::string>().empty()) << c.label;
        if (std::string(c.field).empty()) continue;
        EXPECT_EQ(body["error"]["details"]["field"], c.field) << c.label << ": " << result.body;
        EXPECT_FALSE(body["error"]["details"]["reason"].get<std::string>().empty()) << c.label;
    }
    // Still alive and still right.
    EXPECT_EQ(Get("/healthz").status, 200);
    EXPECT_EQ(Post("/backtest/run", kPlanRequest).status, 200);
}

TEST_F(BadRequests, OversizedBodyIs413BeforeItIsRead) {
    // The declared length alone exceeds the 1 MiB default: the server answers without reading it.
    HttpConnection connection(server_->Port());
    const HttpResult result =
        connection.Raw("POST /backtest/run HTTP/1.1\r\nHost: x\r\nContent-Length: 2097152\r\n\r\n{\"symbol\":");
    EXPECT_EQ(result.status, 413);
    const nlohmann::json body = nlohmann::json::parse(result.body);
    EXPECT_EQ(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    EXPECT_EQ(body["error"]["details"]["field"], "body");
    EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(BadRequests, MalformedHttpGetsAJsonError) {
    HttpConnection connection(server_->Port());
    const HttpResult result = connection.Raw("GARBAGE / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    EXPECT_EQ(result.status, 400);
    EXPECT_EQ(nlohmann::json::parse(result.body)["error"]["code"], "INVALID_REQUEST");
    EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(BadRequests, ManyInvalidRequestsDoNotHurtTheService) {
    for (int i = 0; i < 200; ++i) {
        std::string junk(static_cast<size_t>(i % 37), static_cast<char>('!' + i % 90));
        const HttpResult r = Post("/backtest/run", junk);
        ASSERT_EQ(r.status, 400) << junk;
    }
    EXPECT_EQ(Post("/backtest/run", kPlanRequest).status, 200);
}

}  // namespace
}  // namespace spark::testing
