// Each built-in strategy against its rules twin, signal for signal, on real candles; and the
// look-ahead property: signals on bars 0..t alone equal the full run's up to t.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <random>

#include "rules/rule_definition.h"
#include "rules/rule_strategy.h"
#include "strategy/strategy_registry.h"
#include "support/bars.h"

namespace spark::rules {
namespace {

std::vector<Signal> SignalsOf(const Strategy& strategy, std::span<const Candle> bars) {
    std::vector<Signal> out(bars.size());
    strategy.GenerateSignals(bars, out);
    return out;
}

std::unique_ptr<Strategy> TwinStrategy(std::string_view name, const ParamValues& values) {
    const RuleSource* twin = TwinOf(name);
    EXPECT_NE(twin, nullptr) << name;
    auto made = MakeRulesStrategy(*twin);
    EXPECT_TRUE(made.has_value()) << (made ? "" : FormatWithCaret(made.error()));
    auto resolved = ResolveParams(made->definition->params, values);
    EXPECT_TRUE(resolved.has_value());
    return made->definition->create(*resolved);
}

TEST(RulesTwins, EveryBuiltInHasOneWithTheSameParameters) {
    for (const StrategyDefinition& builtin : StrategyRegistry::BuiltIn().All()) {
        const RuleSource* twin = TwinOf(builtin.name);
        ASSERT_NE(twin, nullptr) << builtin.name;
        ASSERT_EQ(twin->params.size(), builtin.params.size()) << builtin.name;
        for (size_t i = 0; i < builtin.params.size(); ++i) {
            EXPECT_EQ(twin->params[i].first, builtin.params[i].name);
            EXPECT_EQ(twin->params[i].second, builtin.params[i].default_value);
        }
    }
}

// Signals equal bar for bar, over a year of BTC and ETH hours, for the defaults and other
// settings (the golden cases run through HTTP in tests/integration/rules_test.cc).
TEST(RulesTwins, SignalsEqualTheBuiltInsOnRealCandles) {
    const std::vector<ParamValues> settings[] = {
        {{{"fast", 10}, {"slow", 30}}, {{"fast", 3}, {"slow", 7}}, {{"fast", 50}, {"slow", 200}}},        // sma
        {{{"fast", 12}, {"slow", 26}}, {{"fast", 5}, {"slow", 60}}},                                      // ema
        {{{"fast", 12}, {"slow", 26}, {"signal", 9}}, {{"fast", 5}, {"slow", 35}, {"signal", 5}}},        // macd
        {{{"period", 14}, {"lower", 30}, {"upper", 70}}, {{"period", 6}, {"lower", 20}, {"upper", 85}}},  // rsi
        {{{"period", 20}, {"k", 2}}, {{"period", 10}, {"k", 1.5}}},                                       // bollinger
        {{{"entry", 20}, {"exit", 10}}, {{"entry", 55}, {"exit", 20}}},                                   // donchian
        {{}},                                                                                             // buy & hold
    };
    const char* names[] = {"sma_cross",           "ema_cross",         "macd_cross",  "rsi_reversion",
                           "bollinger_reversion", "donchian_breakout", "buy_and_hold"};
    for (const char* sample : {"BTCUSDT-1h", "ETHUSDT-1h"}) {
        const std::vector<Candle> bars = testing::LoadSampleBars(sample, *Interval::Parse("1h"));
        ASSERT_GT(bars.size(), 8000u);
        for (size_t s = 0; s < std::size(names); ++s) {
            for (const ParamValues& values : settings[s]) {
                SCOPED_TRACE(std::string(sample) + " " + names[s]);
                auto resolved = StrategyRegistry::BuiltIn().Resolve(names[s], values);
                ASSERT_TRUE(resolved.has_value());
                const auto builtin = StrategyRegistry::BuiltIn().Create(names[s], *resolved);
                const auto twin = TwinStrategy(names[s], *resolved);
                ASSERT_NE(twin, nullptr);
                const std::vector<Signal> want = SignalsOf(*builtin, bars);
                std::vector<Signal> got = SignalsOf(*twin, bars);
                if (std::string_view(names[s]) == "buy_and_hold") {
                    // Its twin says "be long" on every bar: while long, a bullish signal does nothing.
                    std::fill(got.begin() + 1, got.end(), Signal::kNone);
                }
                size_t differing = 0;
                for (size_t t = 0; t < bars.size(); ++t) differing += want[t] != got[t] ? 1 : 0;
                EXPECT_EQ(differing, 0u);
                EXPECT_EQ(twin->LookbackBars(), builtin->LookbackBars());
            }
        }
    }
}

// --- no look-ahead ------------------------------------------------------------------------

//! Random well-typed expressions from the grammar.
class ExpressionGenerator {
  public:
    explicit ExpressionGenerator(uint64_t seed) : random_(seed) {}

    std::string Number(int depth) {
        const int choice = Pick(depth <= 0 ? 3 : 14);
        switch (choice) {
            case 0:
                return Pick(2) ? "close" : std::string(kPrices[Pick(8)]);
            case 1:
                return std::to_string(Pick(100));
            case 2:
                return "$p";
            case 3:
                return fmt::format("{}({}, {})", kAverages[Pick(std::size(kAverages))], Number(depth - 1), Window());
            case 4:
                return fmt::format("{} {} {}", Number(depth - 1), "+-*/"[Pick(4)], Number(depth - 1));
            case 5:
                return "(" + Number(depth - 1) + ")[" + std::to_string(Pick(4)) + "]";
            case 6:
                return fmt::format("atr({})", Window());
            case 7:
                return fmt::format("macd({}, {}, {})", Number(depth - 1), 2 + Pick(4), 7 + Pick(5));
            case 8:
                return fmt::format("macd_signal({}, {}, {}, {})", Number(depth - 1), 2 + Pick(4), 7 + Pick(5),
                                   1 + Pick(4));
            case 9:
                return fmt::format("{}({}, {}, 2)", Pick(2) ? "bb_upper" : "bb_lower", Number(depth - 1), Window());
            case 10:
                return "bars_since(" + Condition(depth - 1) + ")";
            case 11:
                return fmt::format("iff({}, {}, {})", Condition(depth - 1), Number(depth - 1), Number(depth - 1));
            case 12:
                return fmt::format("{}({}, {})", Pick(2) ? "min" : "max", Number(depth - 1), Number(depth - 1));
            default:
                return Pick(2) ? "hour()" : "abs(" + Number(depth - 1) + ")";
        }
    }

    std::string Condition(int depth) {
        const int choice = Pick(depth <= 0 ? 1 : 7);
        switch (choice) {
            case 0:
                return fmt::format("{} {} {}", Number(depth - 1), kComparisons[Pick(6)], Number(depth - 1));
            case 1:
                return fmt::format("{}({}, {})", Pick(2) ? "crossover" : "crossunder", Number(depth - 1),
                                   Number(depth - 1));
            case 2:
                return fmt::format("{} {} {}", Condition(depth - 1), Pick(2) ? "and" : "or", Condition(depth - 1));
            case 3:
                return "not (" + Condition(depth - 1) + ")";
            case 4:
                return fmt::format("{}({}, {})", Pick(2) ? "rising" : "falling", Number(depth - 1), 1 + Pick(3));
            case 5:
                return "(" + Condition(depth - 1) + ")[" + std::to_string(1 + Pick(3)) + "]";
            default:
                return fmt::format("{} > {}", Number(depth - 1), Number(depth - 1));
        }
    }

  private:
    static constexpr const char* kPrices[] = {"open", "high", "low", "close", "volume", "hl2", "hlc3", "ohlc4"};
    static constexpr const char* kAverages[] = {"sma", "ema",   "wma",     "rma",    "rsi",
                                                "roc", "stdev", "highest", "lowest", "change"};
    static constexpr const char* kComparisons[] = {"<", "<=", ">", ">=", "==", "!="};

    int Pick(size_t n) { return static_cast<int>(random_() % n); }
    std::string Window() { return Pick(4) == 0 ? "$w" : std::to_string(1 + Pick(12)); }
    std::mt19937_64 random_;
};

//! The first bar t at which `strategy` signals differently on bars[0..t] than on all bars, or
//! -1 when every cut point agrees.
int64_t FirstLookAhead(const Strategy& strategy, std::span<const Candle> bars, std::mt19937_64& random) {
    const std::vector<Signal> full = SignalsOf(strategy, bars);
    for (int cut = 0; cut < 12; ++cut) {
        const size_t t = random() % bars.size();
        const std::vector<Signal> prefix = SignalsOf(strategy, bars.first(t + 1));
        for (size_t i = 0; i <= t; ++i) {
            if (prefix[i] != full[i]) return static_cast<int64_t>(i);
        }
    }
    return -1;
}

//! A deliberately wrong strategy for the test below: the signal at t is the inner strategy's at
//! t + 1, as if a rule could read `close` of the next bar.
class PeeksOneBarAhead final : public Strategy {
  public:
    explicit PeeksOneBarAhead(std::unique_ptr<Strategy> inner) : inner_(std::move(inner)) {}
    std::string_view Name() const override { return "peeks"; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override {
        std::vector<Signal> inner(out.size());
        inner_->Signals(context, inner);
        for (size_t t = 0; t < out.size(); ++t) out[t] = t + 1 < out.size() ? inner[t + 1] : Signal::kNone;
    }

  private:
    std::unique_ptr<Strategy> inner_;
};

std::unique_ptr<Strategy> Build(const RuleSource& source, uint64_t seed) {
    auto made = MakeRulesStrategy(source);
    if (!made) return nullptr;
    std::mt19937_64 random(seed);
    ParamValues values = {{"p", static_cast<double>(random() % 50)}, {"w", static_cast<double>(1 + random() % 10)}};
    if (!made->definition->check_constraint(values)) return nullptr;
    return made->definition->create(values);
}

TEST(RulesLookAhead, RandomExpressionsOnPrefixesGiveTheSameSignals) {
    std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    bars.resize(400);
    std::mt19937_64 random(20261129);
    size_t checked = 0;
    size_t with_signals = 0;
    for (uint64_t seed = 1; checked < 300 && seed < 3000; ++seed) {
        ExpressionGenerator generate(seed);
        const RuleSource source{.params = {{"p", 20}, {"w", 5}},
                                .entry = generate.Condition(3),
                                .exit = generate.Condition(2),
                                .entry_short = generate.Condition(2)};
        const auto strategy = Build(source, seed);
        if (strategy == nullptr) continue;  // a random MACD with fast >= slow, or too large
        ++checked;
        const std::vector<Signal> all = SignalsOf(*strategy, bars);
        with_signals += std::any_of(all.begin(), all.end(), [](Signal s) { return s != Signal::kNone; }) ? 1 : 0;
        ASSERT_EQ(FirstLookAhead(*strategy, bars, random), -1)
            << source.entry << " | " << *source.exit << " | " << *source.entry_short;
    }
    EXPECT_EQ(checked, 300u);
    EXPECT_GT(with_signals, 150u) << "the generated strategies rarely signal: the test would prove little";
}

// The same check catches a strategy that reads the next bar.
TEST(RulesLookAhead, TheCheckCatchesAStrategyThatPeeksAhead) {
    std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    bars.resize(400);
    std::mt19937_64 random(7);
    const PeeksOneBarAhead peeking(Build({.entry = "close > close[1]"}, 1));
    EXPECT_GE(FirstLookAhead(peeking, bars, random), 0);
    const auto honest = Build({.entry = "close > close[1]"}, 1);
    EXPECT_EQ(FirstLookAhead(*honest, bars, random), -1);
}

}  // namespace
}  // namespace spark::rules
