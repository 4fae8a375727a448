// Untrusted text bounded before it is parsed or echoed (common/bounded_text.h).
#include "common/bounded_text.h"

#include <gtest/gtest.h>

#include <string>

namespace spark {
namespace {

std::string Nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepth, CountsArraysAndObjectsButNotBracketsInStrings) {
    EXPECT_FALSE(FindJsonDepthExcess(Nested(64)));
    ASSERT_TRUE(FindJsonDepthExcess(Nested(65)));
    EXPECT_EQ(*FindJsonDepthExcess(Nested(65)), 64u);  // the 65th opening bracket
    EXPECT_FALSE(FindJsonDepthExcess(R"({"a":")" + std::string(1000, '[') + R"("})"));
    // An escaped quote does not end the string: the brackets after it are still inside it.
    EXPECT_FALSE(FindJsonDepthExcess(R"({"a":"\")" + std::string(1000, '{') + R"("})"));
    EXPECT_TRUE(FindJsonDepthExcess(R"({"a":"\\")" + std::string(1000, '{')));
    EXPECT_EQ(*FindJsonDepthExcess(R"({"a":{"b":[1,{"c":2}]}})", 3), 13u);  // the fourth level opens at byte 13
    EXPECT_FALSE(FindJsonDepthExcess(R"({"a":{"b":[1,{"c":2}]}})", 4));
    EXPECT_FALSE(FindJsonDepthExcess("]]]]"));  // unbalanced closers never go below zero
    EXPECT_TRUE(FindJsonDepthExcess("]]]]" + Nested(65)));
}

TEST(Echo, ShortTextIsUnchangedLongTextIsCutOnACharacterBoundary) {
    EXPECT_EQ(TruncateForEcho("BTCUSDT"), "BTCUSDT");
    EXPECT_EQ(TruncateForEcho(std::string(64, 'a')), std::string(64, 'a'));
    EXPECT_EQ(TruncateForEcho(std::string(65, 'a')), std::string(64, 'a') + "…(65 bytes)");
    // "é" is two bytes: a cut between them backs up to the character's start.
    const std::string accents = "a" + std::string("é") + "é";  // 5 bytes
    EXPECT_EQ(TruncateForEcho(accents, 2), "a…(5 bytes)");
    EXPECT_EQ(TruncateForEcho(accents, 3), "aé…(5 bytes)");
}

}  // namespace
}  // namespace spark
