#pragma once

#include "strategy/strategy.h"

namespace spark {

//! Buys on the first bar and never sells. Under `fill: next_open` the entry fills at the second
//! bar's open, like every other decision taken at a close; `buyAndHoldReturn` in the metrics is
//! the frictionless first-open-to-last-close benchmark instead.
class BuyAndHold final : public Strategy {
  public:
    std::string_view Name() const override { return "buy_and_hold"; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;
};

}  // namespace spark
