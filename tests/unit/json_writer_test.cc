#include "api/json/json_writer.h"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace spark::api {
namespace {

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
    JsonWriter json;
    json.BeginArray()
        .Number(std::numeric_limits<double>::quiet_NaN())
        .Number(std::numeric_limits<double>::infinity())
        .Number(-std::numeric_limits<double>::infinity())
        .Number(1.5)
        .EndArray();
    EXPECT_EQ(json.str(), "[null,null,null,1.5]");
}

TEST(JsonWriter, DoublesRoundTripExactly) {
    for (double value : {0.1, 1.0 / 3.0, 10297.462427368955, 1e-300, 123456789012345.67, -0.029746242736895523}) {
        JsonWriter json;
        json.Number(value);
        EXPECT_EQ(nlohmann::json::parse(json.str()).get<double>(), value) << json.str();
    }
}

TEST(JsonWriter, EscapesStringsAndNests) {
    JsonWriter json;
    json.BeginObject()
        .Field("a\"b", "line\nnext\t\x01")
        .Key("list")
        .BeginArray()
        .Integer(1)
        .Bool(false)
        .Null()
        .EndArray();
    json.Field("opt", std::optional<double>{}).EndObject();
    EXPECT_EQ(json.str(), R"({"a\"b":"line\nnext\t\u0001","list":[1,false,null],"opt":null})");
    EXPECT_TRUE(nlohmann::json::accept(json.str()));
}

}  // namespace
}  // namespace spark::api

namespace spark::api {
namespace {

TEST(JsonWriter, InvalidUtf8BecomesReplacementCharacters) {
    JsonWriter json;
    json.String("ok \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\x88 bad \xFF \xC3 \xED\xA0\x80 end");
    const std::string& text = json.str();
    EXPECT_TRUE(nlohmann::json::accept(text));
    const std::string decoded = nlohmann::json::parse(text).get<std::string>();
    EXPECT_NE(decoded.find("\xC3\xA9"), std::string::npos);          // é kept
    EXPECT_NE(decoded.find("\xF0\x9F\x93\x88"), std::string::npos);  // 4-byte kept
    EXPECT_EQ(decoded.find('\xFF'), std::string::npos);
    EXPECT_NE(decoded.find("\xEF\xBF\xBD"), std::string::npos);
}

}  // namespace
}  // namespace spark::api
