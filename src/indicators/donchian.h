#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>

#include "model/candle.h"

namespace spark::indicators {

struct DonchianValue {
    double lower = 0;  //!< lowest low of the window
    double upper = 0;  //!< highest high of the window
};

//! Donchian channel over the last `period` bars including the current one. Monotonic queues
//! make each update O(1) amortised. Warm-up: the first value appears with the `period`-th bar.
class Donchian {
  public:
    explicit Donchian(size_t period) : period_(period) {}

    std::optional<DonchianValue> Update(double high, double low);

  private:
    size_t period_;
    int64_t index_ = -1;
    std::deque<std::pair<int64_t, double>> highs_;  //!< decreasing highs with their bar index
    std::deque<std::pair<int64_t, double>> lows_;   //!< increasing lows with their bar index
};

//! Highest (lowest) value of the last `period` inputs, the current one included; NaN before the
//! `period`-th input. O(1) per input (van Herk / Gil-Werman blocks).
void ComputeHighest(std::span<const double> values, size_t period, std::span<double> out);
void ComputeLowest(std::span<const double> values, size_t period, std::span<double> out);

void ComputeDonchian(std::span<const Candle> bars, size_t period, std::span<double> lower, std::span<double> upper);

}  // namespace spark::indicators
