#pragma once

#include <algorithm>

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Trend following on two simple moving averages of the close: bullish when the fast SMA crosses
//! above the slow one, bearish when it crosses below (SEMANTICS.md "Signals and fills": a cross
//! needs both averages defined on the previous bar, so the first defined bar never crosses).
class SmaCross final : public Strategy {
  public:
    SmaCross(size_t fast, size_t slow) : fast_(fast), slow_(slow) {}

    std::string_view Name() const override { return "sma_cross"; }
    size_t LookbackBars() const override { return std::max(fast_, slow_); }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t fast_;
    size_t slow_;
};

}  // namespace spark
