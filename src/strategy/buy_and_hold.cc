#include "strategy/buy_and_hold.h"

#include <algorithm>

namespace spark {

void BuyAndHold::Signals(const SeriesContext& context, std::span<Signal> out) const {
    std::fill(out.begin(), out.end(), Signal::kNone);
    // Bullish on the first bar trading may act on: bar 0, or the first after a warm-up (a signal
    // inside the warm-up is never acted on, so one there would never buy).
    if (!out.empty()) out[std::min(context.TradingStart(), out.size() - 1)] = Signal::kBullish;
}

}  // namespace spark
