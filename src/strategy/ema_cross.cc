#include "strategy/ema_cross.h"

#include <algorithm>

#include "strategy/crossover.h"

namespace spark {

void EmaCross::Signals(const SeriesContext& context, std::span<Signal> out) const {
    CrossoverSignals(context.Ema(fast_), context.Ema(slow_), std::max(fast_, slow_) - 1, out);
}

}  // namespace spark
