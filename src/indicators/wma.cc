#include "indicators/wma.h"

#include <limits>

namespace spark::indicators {

Wma::Wma(size_t period) : period_(period), window_(period, 0.0) {}

std::optional<double> Wma::Update(double value) {
    window_[next_] = value;
    next_ = (next_ + 1) % period_;
    if (++count_ < period_) return std::nullopt;
    double weighted = 0;
    for (size_t i = 0; i < period_; ++i) {
        // Oldest first: window_[next_] has weight 1, the value just added weight `period`.
        weighted += static_cast<double>(i + 1) * window_[(next_ + i) % period_];
    }
    const double n = static_cast<double>(period_);
    value_ = weighted / (n * (n + 1.0) / 2.0);  // the batch form divides by the same expression
    return value_;
}

void ComputeWma(std::span<const double> values, size_t period, std::span<double> out) {
    // Straight over the input (no ring buffer), in the streaming class's order: oldest first.
    const double n = static_cast<double>(period);
    const double weight_sum = n * (n + 1.0) / 2.0;
    for (size_t t = 0; t < values.size(); ++t) {
        if (t + 1 < period) {
            out[t] = std::numeric_limits<double>::quiet_NaN();
            continue;
        }
        const double* window = values.data() + (t + 1 - period);
        double weighted = 0;
        for (size_t i = 0; i < period; ++i) weighted += static_cast<double>(i + 1) * window[i];
        out[t] = weighted / weight_sum;
    }
}

}  // namespace spark::indicators
