#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "indicators/exact_sum.h"

namespace spark::indicators {

//! Relative Strength Index with Wilder's smoothing. The first averages of gains and losses are the
//! means of the first `period` changes, so the first value appears with input `period + 1`
//! (index `period`). 100 when the average loss is 0, 50 when both averages are 0.
class Rsi {
  public:
    explicit Rsi(size_t period) : period_(period) {}

    std::optional<double> Update(double value);
    std::optional<double> Value() const { return value_; }

  private:
    size_t period_;
    size_t changes_ = 0;
    bool has_previous_ = false;
    double previous_ = 0;
    ExactSum gain_seed_;
    ExactSum loss_seed_;
    double avg_gain_ = 0;
    double avg_loss_ = 0;
    std::optional<double> value_;
};

void ComputeRsi(std::span<const double> values, size_t period, std::span<double> out);

}  // namespace spark::indicators
