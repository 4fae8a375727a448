// The strategy language: parsing, checking, errors, and the compiled form's values against
// plain loops written from the definitions (docs/strategy-language.md).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "rules/checker.h"
#include "rules/compiler.h"
#include "rules/parser.h"
#include "rules/rule_definition.h"
#include "rules/rule_strategy.h"
#include "support/bars.h"

namespace spark::rules {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

RuleError ErrorOf(const RuleSource& source) {
    auto checked = MakeRulesStrategy(source);
    EXPECT_FALSE(checked.has_value()) << "expected an error";
    return checked ? RuleError{} : checked.error();
}

RuleError ErrorOfEntry(const std::string& entry) { return ErrorOf({.params = {{"n", 14}}, .entry = entry}); }

TEST(RulesParser, NormalisesSpacingAndParentheses) {
    const auto normal = [](const std::string& text) {
        auto parsed = Parse(text);
        EXPECT_TRUE(parsed.has_value()) << text;
        return parsed ? Normalise(*parsed, parsed->root) : std::string();
    };
    EXPECT_EQ(normal("crossover(f,s)and rsi(close,14)<$rsiMax"), "crossover(f, s) and rsi(close, 14) < $rsiMax");
    EXPECT_EQ(normal("((a+b))*c"), "(a + b) * c");
    EXPECT_EQ(normal("a-(b-c)"), "a - (b - c)");
    EXPECT_EQ(normal("(a-b)-c"), "a - b - c");
    EXPECT_EQ(normal("not (a > b or c < d)"), "not (a > b or c < d)");
    EXPECT_EQ(normal("highest(high,20)[1]"), "highest(high, 20)[1]");
    EXPECT_EQ(normal("-close[$k]"), "-close[$k]");
    EXPECT_EQ(normal("a or b and c"), "a or b and c");
    EXPECT_EQ(normal("(a or b) and c"), "(a or b) and c");
    EXPECT_EQ(normal("0.50 * 1e3"), "0.5 * 1000");
}

TEST(RulesErrors, EveryReasonHasItsFieldPositionAndCaret) {
    RuleError e = ErrorOfEntry("close > sma(close, 14");
    EXPECT_EQ(e.reason, RuleErrorReason::kSyntaxError);
    EXPECT_EQ(e.field, "strategy.entry");
    EXPECT_EQ(e.position, 21u);

    e = ErrorOfEntry("crossovr(close, sma(close, 10))");
    EXPECT_EQ(e.reason, RuleErrorReason::kUnknownFunction);
    EXPECT_EQ(e.position, 0u);
    EXPECT_NE(e.message.find("did you mean `crossover`?"), std::string::npos) << e.message;
    EXPECT_EQ(FormatWithCaret(e),
              "strategy.entry: unknown function `crossovr`; did you mean `crossover`?\n"
              "  crossovr(close, sma(close, 10))\n"
              "  ^");

    e = ErrorOfEntry("clse > 3");
    EXPECT_EQ(e.reason, RuleErrorReason::kUnknownName);
    EXPECT_NE(e.message.find("did you mean `close`?"), std::string::npos) << e.message;

    e = ErrorOfEntry("close > sma(close, $m)");
    EXPECT_EQ(e.reason, RuleErrorReason::kUnknownName);
    EXPECT_EQ(e.position, 19u);

    e = ErrorOfEntry("close > sma(close)");
    EXPECT_EQ(e.reason, RuleErrorReason::kWrongArity);
    EXPECT_EQ(e.position, 8u);

    e = ErrorOfEntry("close + 1");
    EXPECT_EQ(e.reason, RuleErrorReason::kTypeMismatch);
    e = ErrorOfEntry("(close > 1) + 1 > 2");
    EXPECT_EQ(e.reason, RuleErrorReason::kTypeMismatch);
    EXPECT_EQ(e.position, 7u);  // the operator of the condition used as a number
    e = ErrorOfEntry("not close");
    EXPECT_EQ(e.reason, RuleErrorReason::kTypeMismatch);
    EXPECT_EQ(e.position, 4u);

    e = ErrorOfEntry("close > sma(close, 0)");
    EXPECT_EQ(e.reason, RuleErrorReason::kInvalidWindow);
    EXPECT_EQ(e.position, 19u);
    EXPECT_EQ(ErrorOfEntry("close > sma(close, 10001)").reason, RuleErrorReason::kInvalidWindow);
    EXPECT_EQ(ErrorOfEntry("close > sma(close, 2.5)").reason, RuleErrorReason::kInvalidWindow);
    EXPECT_EQ(ErrorOfEntry("close > sma(close, 5 + 5)").reason, RuleErrorReason::kInvalidWindow);
    EXPECT_EQ(ErrorOfEntry("close > close[1.5]").reason, RuleErrorReason::kInvalidWindow);
    e = ErrorOf({.params = {{"n", 2.5}}, .entry = "close > sma(close, $n)"});
    EXPECT_EQ(e.reason, RuleErrorReason::kInvalidWindow);
    EXPECT_EQ(e.field, "strategy.params.n");
    e = ErrorOfEntry("macd(close, 26, 12) > 0");
    EXPECT_EQ(e.reason, RuleErrorReason::kInvalidWindow);

    std::string huge = "close > 1";
    while (huge.size() <= kMaxExpressionBytes) huge += " and close > 1";
    EXPECT_EQ(ErrorOfEntry(huge).reason, RuleErrorReason::kExpressionTooLarge);
    std::string many = "close";
    for (int i = 0; i < 200; ++i) many += " + 1";
    EXPECT_EQ(ErrorOfEntry(many + " > 0").reason, RuleErrorReason::kExpressionTooLarge);
    EXPECT_EQ(ErrorOfEntry(fmt::format("{}close > 1{}", std::string(65, '('), std::string(65, ')'))).reason,
              RuleErrorReason::kExpressionTooLarge);
    EXPECT_EQ(ErrorOfEntry(std::string(3000, '(')).reason, RuleErrorReason::kExpressionTooLarge);

    e = ErrorOf({.lets = {{"a", "b + 1"}, {"b", "c * 2"}, {"c", "a"}}, .entry = "a > 1"});
    EXPECT_EQ(e.reason, RuleErrorReason::kCyclicLet);
    EXPECT_EQ(e.field.rfind("strategy.let.", 0), 0u) << e.field;
    EXPECT_NE(e.message.find("→"), std::string::npos);
    EXPECT_EQ(ErrorOf({.lets = {{"x", "x"}}, .entry = "x > 1"}).reason, RuleErrorReason::kCyclicLet);

    e = ErrorOf({.lets = {{"close", "open"}}, .entry = "close > 1"});
    EXPECT_EQ(e.reason, RuleErrorReason::kNameTaken);
    EXPECT_EQ(e.field, "strategy.let.close");

    e = ErrorOf({.lets = {{"f", "ema(close, 10) +"}}, .entry = "f > 1"});
    EXPECT_EQ(e.field, "strategy.let.f");
    EXPECT_EQ(e.reason, RuleErrorReason::kSyntaxError);
    e = ErrorOf({.entry = "close > 1", .exit_short = "close"});
    EXPECT_EQ(e.field, "strategy.exitShort");
    EXPECT_EQ(e.reason, RuleErrorReason::kTypeMismatch);
}

TEST(RulesErrors, LimitsOnDeclarations) {
    RuleSource source{.entry = "close > 1"};
    for (int i = 0; i < 17; ++i) source.params.push_back({fmt::format("p{}", i), 1});
    EXPECT_EQ(ErrorOf(source).reason, RuleErrorReason::kExpressionTooLarge);
    source.params.clear();
    for (int i = 0; i < 33; ++i) source.lets.push_back({fmt::format("l{}", i), "close"});
    EXPECT_EQ(ErrorOf(source).reason, RuleErrorReason::kExpressionTooLarge);
    // 32 short lets that each use the previous twice would stand for 2^32 nodes: refused at once.
    source.lets = {{"l0", "close + close"}};
    for (int i = 1; i < 32; ++i) {
        const std::string previous = fmt::format("l{}", i - 1);
        source.lets.push_back({fmt::format("l{}", i), fmt::format("{0} + {0}", previous)});
    }
    source.entry = "l31 > 0";
    const RuleError e = ErrorOf(source);
    EXPECT_EQ(e.reason, RuleErrorReason::kExpressionTooLarge);
    EXPECT_NE(e.message.find("let names are written out"), std::string::npos) << e.message;
    EXPECT_EQ(ErrorOf({.params = {{"level", 1e13}}, .entry = "close > $level"}).field, "strategy.params.level");
}

TEST(RulesChecker, LetsInAnyOrderAndParameterKinds) {
    auto made = MakeRulesStrategy(
        {.params = {{"fast", 10}, {"slow", 30}, {"lag", 2}, {"level", 1.5}},
         .lets = {{"cross", "crossover(f, s)"}, {"s", "ema(close, $slow)"}, {"f", "ema(close, $fast)"}},
         .entry = "cross and close[$lag] * $level > s"});
    ASSERT_TRUE(made.has_value()) << FormatWithCaret(made.error());
    const auto& params = made->definition->params;
    ASSERT_EQ(params.size(), 4u);
    EXPECT_EQ(params[0].type, ParamType::kInteger);
    EXPECT_EQ(params[0].min, 1);
    EXPECT_EQ(params[2].type, ParamType::kInteger);
    EXPECT_EQ(params[2].min, 0);
    EXPECT_EQ(params[3].type, ParamType::kNumber);
    EXPECT_EQ(made->checked->functions, (std::vector<std::string>{"crossover", "ema"}));
    // Each let once: f and s are compiled once even though two expressions use them.
    const Program program = Compile(*made->checked, {{"fast", 10}, {"slow", 30}, {"lag", 2}, {"level", 1.5}});
    size_t emas = 0;
    for (const Step& step : program.steps) emas += step.op == Op::kEma ? 1 : 0;
    EXPECT_EQ(emas, 2u);
    EXPECT_EQ(program.lookback, 30u);  // ema(30) defined at 29, crossover one later
}

// The lookback is the first bar an entry can be true, through three-valued logic: `not` swaps
// when a condition can first be true and first be false.
TEST(RulesChecker, LookbackFollowsTheLogic) {
    const auto lookback = [](const std::string& entry) {
        auto made = MakeRulesStrategy({.entry = entry});
        EXPECT_TRUE(made.has_value()) << entry;
        return made ? Compile(*made->checked, {}).lookback : 0;
    };
    EXPECT_EQ(lookback("rsi(close, 14) > 70"), 14u);
    EXPECT_EQ(lookback("close > 0 or rsi(close, 14) > 70"), 0u);
    EXPECT_EQ(lookback("close > 0 and rsi(close, 14) > 70"), 14u);
    // False as soon as either side can be false: `not` of it can be true from bar 0.
    EXPECT_EQ(lookback("not (close < 0 and rsi(close, 14) > 70)"), 0u);
    // False only once both sides can be false.
    EXPECT_EQ(lookback("not (rsi(close, 14) > 70 or close < 0)"), 14u);
    EXPECT_EQ(lookback("(rsi(close, 14) > 70)[3]"), 17u);
    EXPECT_EQ(lookback("bars_since(crossover(close, sma(close, 20))) > 5"), 20u);
    EXPECT_EQ(lookback("true"), 0u);
    EXPECT_EQ(lookback("false"), 0u);  // never fires: needs no history
}

TEST(RulesChecker, SharedKeysStaySmallHoweverDeepTheExpression) {
    std::string deep = "close";
    for (int i = 0; i < 60; ++i) deep = fmt::format("sma({}, 2)", deep);
    auto made = MakeRulesStrategy({.entry = deep + " > 0"});
    ASSERT_TRUE(made.has_value()) << FormatWithCaret(made.error());
    const Program program = Compile(*made->checked, {});
    for (const Step& step : program.steps) EXPECT_EQ(step.key.size(), 32u);
    // Equal sub-expressions share a key across programs; different windows do not.
    auto other = MakeRulesStrategy({.params = {{"n", 2}}, .entry = "sma(close, $n) > 0"});
    const Program with_2 = Compile(*other->checked, {{"n", 2}});
    const Program with_3 = Compile(*other->checked, {{"n", 3}});
    EXPECT_EQ(with_2.steps[1].key, program.steps[1].key);  // sma(close, 2)
    EXPECT_NE(with_2.steps[1].key, with_3.steps[1].key);
}

// --- values against plain loops -------------------------------------------------------------

std::vector<double> Evaluate(const std::string& number_expression, std::span<const Candle> bars) {
    // The test reaches into the program for the step holding the expression and reads its
    // series from the shared context (indicators live there).
    auto made = MakeRulesStrategy({.lets = {{"v", number_expression}}, .entry = "v == v or not (v == v)"});
    EXPECT_TRUE(made.has_value()) << (made ? "" : FormatWithCaret(made.error()));
    if (!made) return {};
    const Program program = Compile(*made->checked, {});
    const SeriesContext context(bars);
    RuleStrategy strategy(std::make_shared<const Program>(program));
    std::vector<Signal> signals(bars.size());
    strategy.Signals(context, signals);
    // The `v` step is the left operand of the first `==`.
    for (const Step& step : program.steps) {
        if (step.op == Op::kEqual) {
            const Step& v = program.steps[static_cast<size_t>(step.inputs[0])];
            if (v.scalar) return std::vector<double>(bars.size(), v.value);
            if (v.Shared()) {
                auto series = context.Derived(v.key, [](std::vector<double>&) { FAIL() << "not computed"; });
                return {series.begin(), series.end()};
            }
        }
    }
    ADD_FAILURE() << "the value is not a shared series; test it through a shared one";
    return {};
}

void ExpectSeries(const std::vector<double>& got, const std::vector<double>& want, double tolerance = 0) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t t = 0; t < got.size(); ++t) {
        if (std::isnan(want[t])) {
            EXPECT_TRUE(std::isnan(got[t])) << "t=" << t << " got " << got[t];
        } else {
            EXPECT_NEAR(got[t], want[t], tolerance * std::fabs(want[t])) << "t=" << t;
        }
    }
}

class RulesValues : public ::testing::Test {
  protected:
    void SetUp() override {
        bars_ = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
        ASSERT_GT(bars_.size(), 1000u);
        bars_.resize(1000);
    }
    std::vector<Candle> bars_;
};

TEST_F(RulesValues, HighestLowestAndStdevMatchNaiveWindows) {
    const size_t n = 20;
    std::vector<double> highest(bars_.size(), kNaN), lowest(bars_.size(), kNaN), stdev(bars_.size(), kNaN);
    for (size_t t = n - 1; t < bars_.size(); ++t) {
        double hi = -1e300, lo = 1e300, sum = 0;
        for (size_t i = t + 1 - n; i <= t; ++i) {
            hi = std::max(hi, bars_[i].high);
            lo = std::min(lo, bars_[i].low);
            sum += bars_[i].close;
        }
        const double mean = sum / n;
        double squares = 0;
        for (size_t i = t + 1 - n; i <= t; ++i) squares += (bars_[i].close - mean) * (bars_[i].close - mean);
        highest[t] = hi;
        lowest[t] = lo;
        stdev[t] = std::sqrt(squares / n);
    }
    ExpectSeries(Evaluate("highest(high, 20)", bars_), highest);
    ExpectSeries(Evaluate("lowest(low, 20)", bars_), lowest);
    ExpectSeries(Evaluate("stdev(close, 20)", bars_), stdev, 1e-9);
}

TEST_F(RulesValues, RmaIsWildersAverage) {
    const size_t n = 14;
    std::vector<double> want(bars_.size(), kNaN);
    double sum = 0;
    for (size_t t = 0; t < n; ++t) sum += bars_[t].close;
    double value = sum / n;
    want[n - 1] = value;
    for (size_t t = n; t < bars_.size(); ++t) {
        value = value + (bars_[t].close - value) / n;
        want[t] = value;
    }
    ExpectSeries(Evaluate("rma(close, 14)", bars_), want, 1e-12);
}

TEST_F(RulesValues, IndicatorsRestartAfterAnAbsentInput) {
    // change(close, 1) is absent at bar 0 only; sma over it starts one bar later than over close.
    const std::vector<double> got = Evaluate("sma(change(close, 1), 3)", bars_);
    EXPECT_TRUE(std::isnan(got[2]));
    EXPECT_NEAR(
        got[3],
        ((bars_[3].close - bars_[2].close) + (bars_[2].close - bars_[1].close) + (bars_[1].close - bars_[0].close)) / 3,
        1e-9);
}

std::vector<double> ConditionValues(const std::string& condition, std::span<const Candle> bars) {
    // sma(x, 1) is x itself, kept in the shared context where the test can read it.
    return Evaluate(fmt::format("sma(iff({}, 1, 0), 1)", condition), bars);
}

TEST(RulesLogic, ThreeValuedAndAbsentComparisons) {
    std::vector<Candle> bars = testing::MakeBars({{1, 1}, {1, 2}, {2, 3}, {3, 2}, {2, 1}, {1, 1}});
    // sma(close, 3) is absent on bars 0 and 1.
    const std::vector<double> defined = ConditionValues("sma(close, 3) > 0", bars);
    EXPECT_TRUE(std::isnan(defined[0]) && std::isnan(defined[1]));
    EXPECT_EQ(defined[2], 1);
    // false and absent = false; true or absent = true; not absent = absent.
    EXPECT_EQ(ConditionValues("close > 100 and sma(close, 3) > 0", bars)[0], 0);
    EXPECT_EQ(ConditionValues("close > 0 or sma(close, 3) > 0", bars)[0], 1);
    EXPECT_TRUE(std::isnan(ConditionValues("not (sma(close, 3) > 0)", bars)[0]));
    EXPECT_TRUE(std::isnan(ConditionValues("close > 0 and sma(close, 3) > 0", bars)[0]));
    // Division by zero is absent.
    EXPECT_TRUE(std::isnan(Evaluate("sma(close / (close - close), 1)", bars)[3]));
}

TEST(RulesLogic, EventsAndCalendar) {
    //                                         0       1       2       3       4       5       6
    std::vector<Candle> bars = testing::MakeBars({{1, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 3}, {3, 5}, {5, 6}});
    const auto values = [&](const std::string& c) { return ConditionValues(c, bars); };
    const std::vector<double> rising = values("rising(close, 2)");
    EXPECT_TRUE(std::isnan(rising[1]));
    EXPECT_EQ(rising[2], 1);
    EXPECT_EQ(rising[3], 1);
    EXPECT_EQ(rising[4], 0);
    EXPECT_EQ(rising[5], 0);  // one rise since the fall
    EXPECT_EQ(rising[6], 1);
    const std::vector<double> falling = values("falling(close, 1)");
    EXPECT_EQ(falling[4], 1);
    EXPECT_EQ(falling[5], 0);
    const std::vector<double> since = Evaluate("sma(bars_since(close < close[1]), 1)", bars);
    EXPECT_TRUE(std::isnan(since[0]));  // close[1] absent
    EXPECT_TRUE(std::isnan(since[3]));  // never true yet
    EXPECT_EQ(since[4], 0);
    EXPECT_EQ(since[6], 2);
    // crossover(close, 3.5): close goes 3 → 4 at bar 3, and 3 → 5 at bar 5.
    const std::vector<double> cross = values("crossover(close, 3.5)");
    EXPECT_TRUE(std::isnan(cross[0]));
    EXPECT_EQ(cross[3], 1);
    EXPECT_EQ(cross[4], 0);
    EXPECT_EQ(cross[5], 1);
    EXPECT_EQ(values("crossunder(close, 3.5)")[4], 1);
    // MakeBars starts on Monday 2024-01-01 00:00 UTC, hourly.
    const std::vector<double> hours = Evaluate("sma(hour(), 1)", bars);
    EXPECT_EQ(hours[0], 0);
    EXPECT_EQ(hours[5], 5);
    EXPECT_EQ(Evaluate("sma(dayofweek(), 1)", bars)[6], 1);
    EXPECT_EQ(Evaluate("sma(change(close, 2), 1)", bars)[6], 3);  // 6 - 3
    EXPECT_EQ(Evaluate("sma(close[2], 1)", bars)[6], 3);
}

TEST(RulesSignals, TheTableOfTheFourRules) {
    using S = Signal;
    EXPECT_EQ(CombineRules(true, false, false, false), S::kBullish);
    EXPECT_EQ(CombineRules(true, true, false, false), S::kExitLong);  // the exit wins
    EXPECT_EQ(CombineRules(false, false, true, false), S::kBearish);
    EXPECT_EQ(CombineRules(false, false, true, true), S::kExitShort);
    EXPECT_EQ(CombineRules(true, false, true, false), S::kNone);  // both entries cancel
    EXPECT_EQ(CombineRules(true, false, false, true), S::kBullish);
    EXPECT_EQ(CombineRules(false, true, false, true), S::kExit);
    EXPECT_EQ(CombineRules(false, false, false, false), S::kNone);
}

}  // namespace
}  // namespace spark::rules
