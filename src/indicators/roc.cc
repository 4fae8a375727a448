#include "indicators/roc.h"

#include <limits>

namespace spark::indicators {

std::optional<double> Roc::Update(double value) {
    window_[count_ % (period_ + 1)] = value;
    ++count_;
    if (count_ <= period_) return std::nullopt;
    const double past = window_[count_ % (period_ + 1)];
    return 100.0 * (value / past - 1.0);
}

void ComputeRoc(std::span<const double> values, size_t period, std::span<double> out) {
    Roc roc(period);
    for (size_t t = 0; t < values.size(); ++t) {
        out[t] = roc.Update(values[t]).value_or(std::numeric_limits<double>::quiet_NaN());
    }
}

}  // namespace spark::indicators
