#include "indicators/macd.h"

#include <algorithm>
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
    // The same arithmetic as the streaming class, one whole series at a time.
    constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
    const size_t n = values.size();
    ComputeEma(values, fast, line);       // fast EMA, turned into the line below
    ComputeEma(values, slow, histogram);  // slow EMA, scratch until the end
    const size_t first_line = std::max(fast, slow) - 1;
    for (size_t t = 0; t < n; ++t) line[t] = t >= first_line ? line[t] - histogram[t] : kAbsent;
    std::fill(signal_line.begin(), signal_line.end(), kAbsent);
    if (n > first_line) ComputeEma(line.subspan(first_line), signal, signal_line.subspan(first_line));
    for (size_t t = 0; t < n; ++t) histogram[t] = line[t] - signal_line[t];  // NaN where either is absent
}

}  // namespace spark::indicators
