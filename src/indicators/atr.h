#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "indicators/exact_sum.h"
#include "model/candle.h"

namespace spark::indicators {

//! Average True Range with Wilder's smoothing. True range needs the previous close, so it starts
//! with the second bar; the first ATR is the mean of the first `period` true ranges, at index
//! `period`.
class Atr {
  public:
    explicit Atr(size_t period) : period_(period) {}

    std::optional<double> Update(double high, double low, double close);
    std::optional<double> Value() const { return value_; }

  private:
    size_t period_;
    bool has_previous_ = false;
    double previous_close_ = 0;
    size_t ranges_ = 0;
    ExactSum seed_;
    std::optional<double> value_;
};

void ComputeAtr(std::span<const Candle> bars, size_t period, std::span<double> out);

}  // namespace spark::indicators
