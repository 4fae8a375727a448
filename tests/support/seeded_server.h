#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "support/http_client.h"
#include "support/server_process.h"

namespace spark::testing {

//! One real server per test suite, its cache seeded with the bundled sample candles.
class SeededServer : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        directory_ = MakeTempDirectory(::testing::UnitTest::GetInstance()->current_test_suite()->name());
        server_ = std::make_unique<ServerProcess>(directory_);
        ASSERT_TRUE(server_->Started()) << server_->Stderr();
    }
    static void TearDownTestSuite() {
        server_.reset();
        std::filesystem::remove_all(directory_);
    }

    static HttpResult Post(const std::string& target, const std::string& body) {
        return HttpCall(server_->Port(), "POST", target, body);
    }
    static HttpResult Get(const std::string& target) { return HttpCall(server_->Port(), "GET", target); }
    static nlohmann::json Json(const HttpResult& result) { return nlohmann::json::parse(result.body); }

    static inline std::unique_ptr<ServerProcess> server_;
    static inline std::string directory_;
};

inline const char* kPlanRequest =
    R"({"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","useCache":true})";

//! The value of one series in Prometheus text output (`name{labels}` exactly as printed), or -1.
inline double MetricValue(const std::string& text, const std::string& series) {
    size_t pos = 0;
    while ((pos = text.find(series + " ", pos)) != std::string::npos) {
        if (pos == 0 || text[pos - 1] == '\n') return std::stod(text.substr(pos + series.size() + 1));
        pos += series.size();
    }
    return -1;
}

}  // namespace spark::testing
