#pragma once

#include <span>

#include "model/candle.h"
#include "rules/program.h"

namespace spark::rules {

//! An operand: a whole series, or one value for every bar.
struct Operand {
    const double* data = nullptr;
    double scalar = 0;
    bool is_scalar = false;

    double operator[](size_t t) const { return is_scalar ? scalar : data[t]; }
};

//! Conditions are series of 1 (true), 0 (false) and NaN (absent). Comparisons with an absent
//! operand are absent; `and`, `or` and `not` follow three-valued logic (false and absent is
//! false, true or absent is true); a rule fires only where its value is exactly 1.
inline constexpr double kTrue = 1.0;
inline constexpr double kFalse = 0.0;

//! The elementwise operations (arithmetic, comparisons, logic, abs/min/max/iff) over whole
//! series: out[t] from the operands at t. `c` is iff's third operand.
void Elementwise(Op op, Operand a, Operand b, Operand c, std::span<double> out);

//! The windowed operations that read one input series `x` (indicators, offsets, events).
//! Indicators restart after an absent value: they run over each stretch of consecutive defined
//! inputs, each with its own warm-up (docs/strategy-language.md "Absent values").
void Windowed(const Step& step, std::span<const double> x, std::span<const double> y, std::span<double> out);

//! Series read from the bars themselves: prices, ATR, calendar.
void FromBars(const Step& step, std::span<const Candle> bars, std::span<double> out);

}  // namespace spark::rules
