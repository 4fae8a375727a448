#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace spark::indicators {

//! Linearly weighted moving average: weights 1..period, the newest input heaviest.
//! Warm-up: the first value appears with the `period`-th input. O(period) per update.
class Wma {
  public:
    explicit Wma(size_t period);

    std::optional<double> Update(double value);
    std::optional<double> Value() const { return value_; }

  private:
    size_t period_;
    std::vector<double> window_;  //!< ring buffer, oldest at `next_` once full
    size_t next_ = 0;
    size_t count_ = 0;
    std::optional<double> value_;
};

void ComputeWma(std::span<const double> values, size_t period, std::span<double> out);

}  // namespace spark::indicators
