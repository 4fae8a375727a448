#include "strategy/buy_and_hold.h"

#include <algorithm>

namespace spark {

void BuyAndHold::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    std::fill(out.begin(), out.end(), Signal::kNone);
    if (!bars.empty()) out[0] = Signal::kBullish;
}

}  // namespace spark
