#include "indicators/macd.h"

#include <limits>

namespace spark::indicators {

std::optional<MacdValue> Macd::Update(double value) {
    const std::optional<double> fast = fast_.Update(value);
    const std::optional<double> slow = slow_.Update(value);
    if (!fast || !slow) return std::nullopt;
    MacdValue out;
    out.line = *fast - *slow;
    out.signal = signal_.Update(out.line);
    if (out.signal) out.histogram = out.line - *out.signal;
    return out;
}

void ComputeMacd(std::span<const double> values, size_t fast, size_t slow, size_t signal, std::span<double> line,
                 std::span<double> signal_line, std::span<double> histogram) {
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    Macd macd(fast, slow, signal);
    for (size_t t = 0; t < values.size(); ++t) {
        const std::optional<MacdValue> v = macd.Update(values[t]);
        line[t] = v ? v->line : kAbsent;
        signal_line[t] = v ? v->signal.value_or(kAbsent) : kAbsent;
        histogram[t] = v ? v->histogram.value_or(kAbsent) : kAbsent;
    }
}

}  // namespace spark::indicators
