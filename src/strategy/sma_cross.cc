#include "strategy/sma_cross.h"

#include <algorithm>

#include "strategy/crossover.h"

namespace spark {

void SmaCross::Signals(const SeriesContext& context, std::span<Signal> out) const {
    CrossoverSignals(context.Sma(fast_), context.Sma(slow_), std::max(fast_, slow_) - 1, out);
}

}  // namespace spark
