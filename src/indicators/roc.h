#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace spark::indicators {

//! Rate of change in percent: 100 × (x_t / x_{t-period} − 1). Warm-up: the first value appears
//! with input `period + 1` (index `period`).
class Roc {
  public:
    explicit Roc(size_t period) : period_(period), window_(period + 1, 0.0) {}

    std::optional<double> Update(double value);

  private:
    size_t period_;
    std::vector<double> window_;
    size_t count_ = 0;
};

void ComputeRoc(std::span<const double> values, size_t period, std::span<double> out);

}  // namespace spark::indicators
