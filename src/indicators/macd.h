#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include "indicators/ema.h"

namespace spark::indicators {

struct MacdValue {
    double line = 0;
    std::optional<double> signal;     //!< EMA(signal period) of the line, seeded with its SMA
    std::optional<double> histogram;  //!< line - signal
};

//! MACD: line = EMA(fast) - EMA(slow), defined from index slow-1 (needs fast < slow); signal
//! and histogram from index slow + signal - 2.
class Macd {
  public:
    Macd(size_t fast, size_t slow, size_t signal) : fast_(fast), slow_(slow), signal_(signal) {}

    std::optional<MacdValue> Update(double value);

  private:
    Ema fast_;
    Ema slow_;
    Ema signal_;
};

//! Batch form; NaN where absent.
void ComputeMacd(std::span<const double> values, size_t fast, size_t slow, size_t signal, std::span<double> line,
                 std::span<double> signal_line, std::span<double> histogram);

}  // namespace spark::indicators
