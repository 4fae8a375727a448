#include "strategy/strategy.h"

namespace spark {

void Strategy::GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const {
    const SeriesContext context(bars);
    Signals(context, out);
}

}  // namespace spark
