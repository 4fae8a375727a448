#pragma once

#include <algorithm>

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Crossovers of two exponential moving averages of the close (EMA seeded with its SMA).
class EmaCross final : public Strategy {
  public:
    EmaCross(size_t fast, size_t slow) : fast_(fast), slow_(slow) {}

    std::string_view Name() const override { return "ema_cross"; }
    size_t LookbackBars() const override { return std::max(fast_, slow_); }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t fast_;
    size_t slow_;
};

}  // namespace spark
