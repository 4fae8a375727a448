#pragma once

#include <cstddef>
#include <span>

#include "strategy/strategy.h"

namespace spark {

//! Crossover events of `a` against `b` (SEMANTICS.md "Signals and fills"): bullish at t when
//! a[t] > b[t] and a[t-1] <= b[t-1], bearish when a[t] < b[t] and a[t-1] >= b[t-1]. Both series
//! must be defined from index `first_defined` on; the first defined bar cannot cross.
void CrossoverSignals(std::span<const double> a, std::span<const double> b, size_t first_defined,
                      std::span<Signal> out);

}  // namespace spark
