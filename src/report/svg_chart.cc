#include "report/svg_chart.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <utility>

#include "common/interval.h"
#include "report/html_text.h"

namespace spark::report {
namespace {

std::string AxisDate(int64_t t, int64_t span_ms) {
    const std::string iso = IsoOf(t);
    // Within a few days the hour tells points apart; beyond, the date does.
    return span_ms < 7 * kMillisPerDay ? iso.substr(0, 16) : iso.substr(0, 10);
}

}  // namespace

Frame MakeFrame(double height, int64_t t0, int64_t t1, double lo, double hi, double pad) {
    double margin = (hi - lo) * pad;
    if (margin <= 0) margin = std::max(std::abs(hi) * 0.01, 1e-9);
    return Frame{height, t0, t1, lo - margin, hi + margin};
}

void OpenChart(std::string& out, const Frame& f, std::string_view label, AxisUnit unit) {
    Append(out, "<svg viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" aria-label=\"{}\">\n", kChartWidth, f.height, label);
    for (int k = 0; k <= kGridLines; ++k) {
        const double v = f.lo + (f.hi - f.lo) * k / kGridLines;
        const double y = f.Y(v);
        Append(out, "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", kPadLeft, y,
               kChartWidth - kPadRight, y);
        Append(out, "<text class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kPadLeft - 6,
               y + 3, unit == AxisUnit::kPercent ? fmt::format("{:.1f}%", v) : fmt::format("{:.6g}", v));
    }
    const int64_t span = f.t1 - f.t0;
    const std::array<std::pair<int64_t, std::string_view>, 3> ticks = {
        {{f.t0, "start"}, {f.t0 + span / 2, "middle"}, {f.t1, "end"}}};
    for (const auto& [t, anchor] : ticks) {
        Append(out, "<text class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>\n", f.X(t),
               f.height - 6, anchor, AxisDate(t, span));
    }
}

std::vector<Candle> DownsampleBars(std::span<const Candle> bars, size_t max_points) {
    if (bars.size() <= max_points) return {bars.begin(), bars.end()};
    const size_t per = (bars.size() + max_points - 1) / max_points;
    std::vector<Candle> out;
    out.reserve(bars.size() / per + 1);
    for (size_t i = 0; i < bars.size(); i += per) {
        const size_t end = std::min(bars.size(), i + per);
        Candle bucket = bars[i];
        for (size_t j = i + 1; j < end; ++j) {
            bucket.high = std::max(bucket.high, bars[j].high);
            bucket.low = std::min(bucket.low, bars[j].low);
            bucket.volume += bars[j].volume;
        }
        bucket.close = bars[end - 1].close;
        out.push_back(bucket);
    }
    return out;
}

std::vector<EquityPoint> DownsampleEquity(const std::vector<EquityPoint>& curve, size_t max_points) {
    if (curve.size() <= max_points) return curve;
    const size_t per = (curve.size() + max_points - 1) / max_points;
    std::vector<EquityPoint> out;
    out.reserve(curve.size() / per + 1);
    for (size_t i = 0; i < curve.size(); i += per) {
        const size_t end = std::min(curve.size(), i + per);
        EquityPoint bucket = curve[end - 1];
        for (size_t j = i; j < end; ++j) {
            if (std::isfinite(curve[j].drawdown) && !(bucket.drawdown >= curve[j].drawdown)) {
                bucket.drawdown = curve[j].drawdown;
            }
        }
        out.push_back(bucket);
    }
    return out;
}

}  // namespace spark::report
