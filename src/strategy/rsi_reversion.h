#pragma once

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Mean reversion on Wilder's RSI of the close: bullish while RSI < lower (oversold), bearish
//! while RSI > upper (overbought). States, not events: the engine ignores a signal that matches
//! the position it already holds.
class RsiReversion final : public Strategy {
  public:
    RsiReversion(size_t period, double lower, double upper) : period_(period), lower_(lower), upper_(upper) {}

    std::string_view Name() const override { return "rsi_reversion"; }
    size_t LookbackBars() const override { return period_; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t period_;
    double lower_;
    double upper_;
};

}  // namespace spark
