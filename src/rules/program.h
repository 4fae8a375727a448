#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace spark::rules {

//! One operation of a compiled strategy. Operations are elementwise over whole series (the
//! arithmetic, comparisons, logic) or windowed (indicators, offsets, events).
enum class Op : uint8_t {
    kConstant,
    kPrice,
    kHour,
    kDayOfWeek,
    kNegate,
    kAdd,
    kSubtract,
    kMultiply,
    kDivide,
    kLess,
    kLessEqual,
    kGreater,
    kGreaterEqual,
    kEqual,
    kNotEqual,
    kAnd,
    kOr,
    kNot,
    kShift,
    kSma,
    kEma,
    kWma,
    kRma,
    kRsi,
    kRoc,
    kStdev,
    kAtr,
    kHighest,
    kLowest,
    kMacd,
    kMacdSignal,
    kMacdHist,
    kBbUpper,
    kBbMiddle,
    kBbLower,
    kCrossover,
    kCrossunder,
    kRising,
    kFalling,
    kChange,
    kBarsSince,
    kAbs,
    kMin,
    kMax,
    kIff,
    kHtf,  //!< a sub-program on higher-timeframe bars (Program::higher[windows[0]])
};

//! Where an operation reads from, which decides how it is evaluated (rule_strategy.cc).
enum class OpFamily {
    kConstant,     //!< kConstant: one value
    kBars,         //!< prices, ATR, calendar: from the bars themselves
    kWindowed,     //!< offsets, events and indicators over one or two input series
    kElementwise,  //!< arithmetic, comparisons, logic, abs/min/max/iff: bar by bar
    kHigher,       //!< htf: evaluated on the higher timeframe's bars, then mapped back
};
OpFamily FamilyOf(Op op);
//! The indicators: windowed operations worth keeping in the shared SeriesContext (a grid then
//! computes each once per distinct binding of its windows).
bool IsIndicator(Op op);

//! The price series kPrice reads, by `Step::price`.
enum class Price : uint8_t { kOpen, kHigh, kLow, kClose, kVolume, kHl2, kHlc3, kOhlc4 };

//! "Never": a condition that cannot become true (or false) at any bar.
inline constexpr size_t kNever = SIZE_MAX;

struct Step {
    Op op = Op::kConstant;
    std::array<int, 3> inputs = {-1, -1, -1};   //!< earlier steps
    std::array<size_t, 3> windows = {0, 0, 0};  //!< bound windows and offsets
    double value = 0;                           //!< kConstant's value, Bollinger's k
    Price price = Price::kClose;
    bool scalar = false;  //!< the same value on every bar (a constant, or arithmetic on constants)
    //! The sub-expression's identity with its parameters bound: the same in every program compiled
    //! from the same rules (a structural 128-bit hash, so its size stays fixed however deep the
    //! expression). Indicators are kept in the run's SeriesContext under it, so a grid computes
    //! each once per distinct binding of its windows.
    std::string key;
    size_t first_defined = 0;  //!< first bar that can hold a value (every price is defined from bar 0)
    size_t first_true = 0;     //!< conditions: first bar that can be true (kNever: none)
    size_t first_false = 0;    //!< conditions: first bar that can be false (kNever: none)
    size_t last_use = 0;       //!< the last step that reads this one (the step count for a rule's result)

    bool Shared() const { return IsIndicator(op) || op == Op::kPrice; }
};

struct Program;

//! The expression inside one htf call, compiled on its own: it runs on the higher timeframe's
//! bars, whose indicators are their own.
struct HigherProgram {
    std::string timeframe;                   //!< a Binance interval name, checked
    std::shared_ptr<const Program> program;  //!< its result is outputs[0]
};

//! A strategy compiled for one binding of its parameters: steps in evaluation order, each
//! distinct sub-expression once, and where the four rules' results are.
struct Program {
    std::vector<Step> steps;
    std::vector<HigherProgram> higher;                              //!< by a kHtf step's windows[0]
    std::array<int, 8> outputs = {-1, -1, -1, -1, -1, -1, -1, -1};  //!< by RuleSlot; -1 when the rule is absent
    size_t lookback = 0;  //!< bars before the first bar on which an entry can be signalled
};

}  // namespace spark::rules
