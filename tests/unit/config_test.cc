#include "app/config.h"

#include <gtest/gtest.h>

#include <map>

namespace spark::app {
namespace {

EnvLookup Env(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const char* name) -> const char* {
        const auto it = values.find(name);
        return it == values.end() ? nullptr : it->second.c_str();
    };
}

TEST(ServeConfig, DefaultsMatchTheDocs) {
    const auto config = ParseServeConfig({}, Env({}));
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->host, "127.0.0.1");
    EXPECT_EQ(config->port, 4001);
    EXPECT_EQ(config->db_path, "var/spark.duckdb");
    EXPECT_GE(config->workers, 1u);
}

TEST(ServeConfig, FlagsOverrideEnvironment) {
    const auto config =
        ParseServeConfig({"--port", "5000", "--workers=3"}, Env({{"PORT", "4500"}, {"SPARK_DB", "x.duckdb"}}));
    ASSERT_TRUE(config.has_value()) << config.error();
    EXPECT_EQ(config->port, 5000);
    EXPECT_EQ(config->workers, 3u);
    EXPECT_EQ(config->db_path, "x.duckdb");
}

TEST(ServeConfig, OptimizerSwitches) {
    auto config = ParseServeConfig({}, Env({}));
    EXPECT_EQ(config->optimizer_max_combinations, 500u);
    EXPECT_EQ(config->optimizer_max_concurrency, 8u);
    config = ParseServeConfig({}, Env({{"OPTIMIZER_MAX_COMBINATIONS", "2000"}, {"OPTIMIZER_MAX_CONCURRENCY", "1"}}));
    ASSERT_TRUE(config.has_value());
    EXPECT_EQ(config->optimizer_max_combinations, 2000u);
    EXPECT_EQ(config->optimizer_max_concurrency, 1u);
    for (const char* bad : {"0", "-5", "lots", "1.5"}) {
        auto rejected = ParseServeConfig({}, Env({{"OPTIMIZER_MAX_CONCURRENCY", bad}}));
        ASSERT_FALSE(rejected.has_value()) << bad;
        EXPECT_NE(rejected.error().find("OPTIMIZER_MAX_CONCURRENCY"), std::string::npos);
        rejected = ParseServeConfig({}, Env({{"OPTIMIZER_MAX_COMBINATIONS", bad}}));
        ASSERT_FALSE(rejected.has_value()) << bad;
        EXPECT_NE(rejected.error().find("OPTIMIZER_MAX_COMBINATIONS"), std::string::npos);
    }
}

TEST(ServeConfig, WalkForwardThresholdAndRealRoutes) {
    auto config = ParseServeConfig({}, Env({{"WFO_THRESHOLD", "0.25"}, {"REAL_ROUTES", "run, optimize"}}));
    ASSERT_TRUE(config.has_value()) << config.error();
    EXPECT_DOUBLE_EQ(config->wfo_threshold, 0.25);
    EXPECT_EQ(config->real_routes, (std::set<std::string>{"run", "optimize"}));
    config = ParseServeConfig({"--real-routes", "none"}, Env({}));
    ASSERT_TRUE(config.has_value());
    EXPECT_TRUE(config->real_routes.empty());
    EXPECT_FALSE(ParseServeConfig({}, Env({{"REAL_ROUTES", ""}})).has_value());
    EXPECT_FALSE(ParseServeConfig({}, Env({{"WFO_THRESHOLD", "0.6x"}})).has_value());
}

TEST(ServeConfig, InvalidValuesNameTheSetting) {
    auto bad = ParseServeConfig({}, Env({{"PORT", "70000"}}));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("PORT"), std::string::npos);
    EXPECT_NE(bad.error().find("0 to 65535"), std::string::npos);
    bad = ParseServeConfig({"--workers", "many"}, Env({}));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("--workers"), std::string::npos);
    bad = ParseServeConfig({"--colour", "blue"}, Env({}));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("unknown option"), std::string::npos);
    bad = ParseServeConfig({"--port"}, Env({}));
    ASSERT_FALSE(bad.has_value());
    EXPECT_NE(bad.error().find("needs a value"), std::string::npos);
}

}  // namespace
}  // namespace spark::app

namespace spark::app {
namespace {

TEST(ServeUsage, ShowsEverySettingWithItsDefault) {
    const std::string usage = ServeUsage();
    size_t settings = 0;
    for (size_t at = usage.find("\n  --"); at != std::string::npos; at = usage.find("\n  --", at + 1)) {
        const std::string line = usage.substr(at + 1, usage.find('\n', at + 1) - at - 1);
        if (line.starts_with("  --help") || line.starts_with("  --version")) continue;
        ++settings;
        EXPECT_TRUE(line.ends_with("]") && line.find(" []") == std::string::npos) << line;
    }
    EXPECT_GE(settings, 30u);
    EXPECT_NE(usage.find("--binance-connect-timeout-ms BINANCE_CONNECT_TIMEOUT_MS"), std::string::npos);
    EXPECT_NE(usage.find("[3000]"), std::string::npos);
}

}  // namespace
}  // namespace spark::app
