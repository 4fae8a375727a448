#include <gtest/gtest.h>

#include <vector>

#include "strategy/buy_and_hold.h"
#include "strategy/sma_cross.h"
#include "strategy/strategy_registry.h"
#include "support/bars.h"

namespace spark {
namespace {

std::vector<Signal> Signals(const Strategy& strategy, const std::vector<Candle>& bars) {
    std::vector<Signal> out(bars.size());
    strategy.GenerateSignals(bars, out);
    return out;
}

TEST(SmaCross, ActsOnCrossEventsNotStates) {
    // fast = 1 (the close), slow = 2: a cross up is a close above the previous one after a
    // close at or below its predecessor.
    const auto bars = testing::MakeBars({{10, 10}, {10, 9}, {9, 10}, {11, 12}, {12, 11}, {10, 10}, {10, 12}, {12, 13}});
    const auto s = Signals(SmaCross(1, 2), bars);
    const std::vector<Signal> expected = {Signal::kNone,    Signal::kNone, Signal::kBullish, Signal::kNone,
                                          Signal::kBearish, Signal::kNone, Signal::kBullish, Signal::kNone};
    EXPECT_EQ(s, expected);
}

TEST(SmaCross, FirstDefinedBarCannotCross) {
    // slow = 3 is first defined at bar 2; bar 2 is above but has no defined predecessor.
    const auto bars = testing::MakeBars({{1, 1}, {1, 1}, {1, 5}, {1, 6}});
    const auto s = Signals(SmaCross(1, 3), bars);
    EXPECT_EQ(s[2], Signal::kNone);
    EXPECT_EQ(s[3], Signal::kNone);  // still above: a state, not an event
}

TEST(SmaCross, EqualityIsNotACross) {
    const auto bars = testing::MakeBars({{5, 5}, {5, 5}, {5, 5}, {5, 5}});
    for (Signal s : Signals(SmaCross(1, 2), bars)) EXPECT_EQ(s, Signal::kNone);
}

TEST(BuyAndHold, BullishOnFirstBarOnly) {
    const auto s = Signals(BuyAndHold(), testing::MakeBars({{1, 1}, {1, 2}, {2, 1}}));
    EXPECT_EQ(s, (std::vector<Signal>{Signal::kBullish, Signal::kNone, Signal::kNone}));
}

TEST(StrategyRegistry, ResolvesDefaultsAndValidates) {
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    auto defaults = registry.Resolve("sma_cross", {});
    ASSERT_TRUE(defaults.has_value());
    EXPECT_EQ(defaults->at("fast"), 10);
    EXPECT_EQ(defaults->at("slow"), 30);

    auto equal = registry.Resolve("sma_cross", {{"fast", 30}, {"slow", 30}});
    ASSERT_FALSE(equal.has_value());
    EXPECT_EQ(equal.error().field, "strategy.params.fast");
    EXPECT_NE(equal.error().message.find("less than"), std::string::npos);

    auto fractional = registry.Resolve("sma_cross", {{"fast", 2.5}});
    ASSERT_FALSE(fractional.has_value());
    EXPECT_EQ(fractional.error().field, "strategy.params.fast");

    auto out_of_bounds = registry.Resolve("sma_cross", {{"fast", 0}});
    ASSERT_FALSE(out_of_bounds.has_value());
    EXPECT_NE(out_of_bounds.error().message.find("between 1 and 10000"), std::string::npos);

    auto unknown_param = registry.Resolve("sma_cross", {{"period", 3}});
    ASSERT_FALSE(unknown_param.has_value());
    EXPECT_EQ(unknown_param.error().field, "strategy.params.period");

    auto unknown = registry.Resolve("magic", {});
    ASSERT_FALSE(unknown.has_value());
    EXPECT_EQ(unknown.error().reason, "UNKNOWN_STRATEGY");
    EXPECT_NE(unknown.error().message.find("sma_cross"), std::string::npos);

    EXPECT_TRUE(registry.Resolve("buy_and_hold", {}).has_value());
    EXPECT_FALSE(registry.Resolve("buy_and_hold", {{"fast", 1}}).has_value());
}

}  // namespace
}  // namespace spark

#include "strategy/bollinger_reversion.h"
#include "strategy/donchian_breakout.h"
#include "strategy/ema_cross.h"
#include "strategy/rsi_reversion.h"

namespace spark {
namespace {

TEST(RsiReversion, StatesBelowAndAboveTheLevels) {
    // RSI(2): index 2 = 50; then 27.8 and 25 after the falls, 89 and 93 after the rises.
    const auto bars = testing::MakeBars({{1, 1}, {1, 2}, {2, 1}, {1, 0.2}, {0.2, 0.1}, {0.1, 3}, {3, 4}});
    const auto s = Signals(RsiReversion(2, 30, 70), bars);
    EXPECT_EQ(s[2], Signal::kNone);  // exactly 50
    EXPECT_EQ(s[3], Signal::kBullish);
    EXPECT_EQ(s[4], Signal::kBullish);
    EXPECT_EQ(s[5], Signal::kBearish);
    EXPECT_EQ(s[6], Signal::kBearish);
    EXPECT_EQ(s[0], Signal::kNone);
}

TEST(BollingerReversion, BandsAndTheMiddle) {
    // period 3, k 1: after {10, 10, 10} the bands collapse to 10.
    const auto bars = testing::MakeBars({{10, 10}, {10, 10}, {10, 10}, {10, 7}, {7, 12}, {12, 11}});
    const auto s = Signals(BollingerReversion(3, 1), bars);
    EXPECT_EQ(s[2], Signal::kExit);      // close at the middle (= both bands)
    EXPECT_EQ(s[3], Signal::kBullish);   // 7 below the lower band of {10, 10, 7}
    EXPECT_EQ(s[4], Signal::kBearish);   // 12 above the upper band of {10, 7, 12}
    EXPECT_EQ(s[5], Signal::kExitLong);  // 11 between the middle (10) and the upper band
}

TEST(DonchianBreakout, BreaksOfThePreviousChannel) {
    // entry 2, exit 1. Bar 2 closes above the highs of bars 0-1; bar 4 closes below bar 3's low.
    const auto bars = testing::MakeBars({{10, 10}, {10, 11}, {11, 13}, {13, 12.5}, {12.5, 12}});
    const auto s = Signals(DonchianBreakout(2, 1), bars);
    EXPECT_EQ(s[1], Signal::kExitShort);  // above bar 0's high; the 2-bar entry channel is not complete yet
    EXPECT_EQ(s[2], Signal::kBullish);
    EXPECT_EQ(s[3], Signal::kNone);
    EXPECT_EQ(s[4], Signal::kExitLong);  // 12 < low of bar 3 (12.5), not below the 2-bar low (11)
}

TEST(EmaCross, CrossesLikeSmaCrossOnEmas) {
    const auto bars = testing::MakeBars({{10, 10}, {10, 9}, {9, 10}, {11, 12}, {12, 11}, {10, 10}});
    const auto s = Signals(EmaCross(1, 2), bars);
    EXPECT_EQ(s[2], Signal::kBullish);
    EXPECT_EQ(s[4], Signal::kBearish);
}

TEST(StrategyRegistry, EveryStrategyHasValidDefaults) {
    for (const StrategyDefinition& d : StrategyRegistry::BuiltIn().All()) {
        const auto params = StrategyRegistry::BuiltIn().Resolve(d.name, {});
        ASSERT_TRUE(params.has_value()) << d.name;
        EXPECT_NE(StrategyRegistry::BuiltIn().Create(d.name, *params), nullptr) << d.name;
    }
    EXPECT_EQ(StrategyRegistry::BuiltIn().All().size(), 7u);
    const auto bad = StrategyRegistry::BuiltIn().Resolve("rsi_reversion", {{"lower", 80}, {"upper", 20}});
    ASSERT_FALSE(bad.has_value());
    EXPECT_EQ(bad.error().field, "strategy.params.lower");
}

}  // namespace
}  // namespace spark
