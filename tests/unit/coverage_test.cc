#include "marketdata/coverage.h"

#include <gtest/gtest.h>

namespace spark {
namespace {

TEST(Coverage, MergesOverlappingAndTouchingRanges) {
    const auto merged = MergeRanges({{10, 20}, {0, 5}, {5, 8}, {15, 30}, {40, 40}});
    EXPECT_EQ(merged, (std::vector<TimeRange>{{0, 8}, {10, 30}}));
}

TEST(Coverage, UncoveredPartsOfARange) {
    const std::vector<TimeRange> merged = {{0, 8}, {10, 30}};
    EXPECT_EQ(UncoveredRanges(merged, {2, 35}), (std::vector<TimeRange>{{8, 10}, {30, 35}}));
    EXPECT_TRUE(UncoveredRanges(merged, {10, 30}).empty());
    EXPECT_EQ(UncoveredRanges({}, {1, 2}), (std::vector<TimeRange>{{1, 2}}));
}

TEST(Coverage, SubtractHoles) {
    EXPECT_EQ(SubtractRanges({0, 10}, {{3, 4}, {8, 12}}), (std::vector<TimeRange>{{0, 3}, {4, 8}}));
}

}  // namespace
}  // namespace spark
