#include "strategy/buy_and_hold.h"

#include <algorithm>

namespace spark {

void BuyAndHold::Signals(const SeriesContext&, std::span<Signal> out) const {
    std::fill(out.begin(), out.end(), Signal::kNone);
    if (!out.empty()) out[0] = Signal::kBullish;
}

}  // namespace spark
