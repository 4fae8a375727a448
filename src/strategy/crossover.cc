#include "strategy/crossover.h"

#include <algorithm>

namespace spark {

void CrossoverSignals(std::span<const double> a, std::span<const double> b, size_t first_defined,
                      std::span<Signal> out) {
    std::fill(out.begin(), out.end(), Signal::kNone);
    for (size_t t = first_defined + 1; t < out.size(); ++t) {
        const bool above_now = a[t] > b[t];
        const bool below_now = a[t] < b[t];
        const bool above_before = a[t - 1] > b[t - 1];
        const bool below_before = a[t - 1] < b[t - 1];
        if (above_now && !above_before) out[t] = Signal::kBullish;
        if (below_now && !below_before) out[t] = Signal::kBearish;
    }
}

}  // namespace spark
