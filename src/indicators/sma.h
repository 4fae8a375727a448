#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "indicators/exact_sum.h"

namespace spark::indicators {

//! Simple moving average of the last `period` inputs. Warm-up: the first value appears with the
//! `period`-th input; before that the value is absent (nullopt in streaming, NaN in batch).
class Sma {
  public:
    explicit Sma(size_t period);

    //! Feeds one value, returns the average once `period` values have been seen.
    std::optional<double> Update(double value);
    std::optional<double> Value() const;
    size_t Period() const { return period_; }
    void Reset();

  private:
    size_t period_;
    std::vector<double> window_;  //!< ring buffer of the last `period` inputs
    size_t count_ = 0;
    ExactSum sum_;
};

//! Batch form over a whole series: out[t] = mean(values[t-period+1 .. t]), NaN before warm-up.
//! `out` must have the size of `values`.
void ComputeSma(std::span<const double> values, size_t period, std::span<double> out);

}  // namespace spark::indicators
