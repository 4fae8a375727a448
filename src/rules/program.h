#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
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
};

//! Where an operation reads from, which decides how it is evaluated (rule_strategy.cc).
enum class OpFamily {
    kConstant,     //!< kConstant: one value
    kBars,         //!< prices, ATR, calendar: from the bars themselves
    kWindowed,     //!< offsets, events and indicators over one or two input series
    kElementwise,  //!< arithmetic, comparisons, logic, abs/min/max/iff: bar by bar
};
OpFamily FamilyOf(Op op);
//! The indicators: windowed operations worth keeping in the shared SeriesContext (a grid then
//! computes each once per distinct binding of its windows).
bool IsIndicator(Op op);

//! The price series kPrice reads, by `Step::price`.
enum class Price : uint8_t { kOpen, kHigh, kLow, kClose, kVolume, kHl2, kHlc3, kOhlc4 };

struct Step {
    Op op = Op::kConstant;
    std::array<int, 3> inputs = {-1, -1, -1};   //!< earlier steps
    std::array<size_t, 3> windows = {0, 0, 0};  //!< bound windows and offsets
    double value = 0;                           //!< kConstant's value, Bollinger's k
    Price price = Price::kClose;
    //! Indicators are kept in the run's SeriesContext under `key` (the sub-expression with its
    //! parameters bound, e.g. "ema(close,10)"), so a grid computes each once per distinct binding.
    bool shared = false;
    bool scalar = false;       //!< the same value on every bar (a constant, or arithmetic on constants)
    std::string key;           //!< canonical text of the sub-expression, parameters bound
    size_t first_defined = 0;  //!< first bar that can hold a value (every price is defined from bar 0)
};

//! A strategy compiled for one binding of its parameters: steps in evaluation order, each
//! distinct sub-expression once, and where the four rules' results are.
struct Program {
    std::vector<Step> steps;
    std::array<int, 4> outputs = {-1, -1, -1, -1};  //!< by RuleSlot; -1 when the rule is absent
    size_t lookback = 0;                            //!< bars before the first bar on which an entry can be signalled
};

}  // namespace spark::rules
