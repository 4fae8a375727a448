#pragma once

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Mean reversion on Bollinger Bands of the close: bullish below the lower band, bearish above
//! the upper band; between the bands a long exits once the close is back at or above the middle
//! and a short once it is at or below it.
class BollingerReversion final : public Strategy {
  public:
    BollingerReversion(size_t period, double k) : period_(period), k_(k) {}

    std::string_view Name() const override { return "bollinger_reversion"; }
    size_t LookbackBars() const override { return period_ - 1; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t period_;
    double k_;
};

}  // namespace spark
