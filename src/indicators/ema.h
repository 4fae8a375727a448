#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "indicators/exact_sum.h"

namespace spark::indicators {

//! Exponential moving average, α = 2 / (period + 1), seeded with the SMA of the first `period`
//! inputs. Warm-up: the first value appears with the `period`-th input.
class Ema {
  public:
    explicit Ema(size_t period);

    std::optional<double> Update(double value);
    std::optional<double> Value() const;

  private:
    size_t period_;
    double alpha_;
    size_t count_ = 0;
    ExactSum seed_;
    double value_ = 0;
};

//! Batch form: NaN before warm-up. `out.size() == values.size()`.
void ComputeEma(std::span<const double> values, size_t period, std::span<double> out);

}  // namespace spark::indicators
