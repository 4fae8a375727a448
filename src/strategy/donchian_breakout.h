#pragma once

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Channel breakout (the Turtle rule): bullish when the close breaks above the highest high of
//! the previous `entry` bars, bearish below their lowest low; otherwise a long exits when the
//! close breaks below the lowest low of the previous `exit` bars, a short above their highest high.
class DonchianBreakout final : public Strategy {
  public:
    DonchianBreakout(size_t entry, size_t exit) : entry_(entry), exit_(exit) {}

    std::string_view Name() const override { return "donchian_breakout"; }
    size_t LookbackBars() const override { return entry_; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t entry_;
    size_t exit_;
};

}  // namespace spark
