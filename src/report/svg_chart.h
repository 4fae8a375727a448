#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/candle.h"
#include "report/csv_export.h"

namespace spark::report {

//! Chart geometry, in SVG user units: the drawings scale to the page width.
inline constexpr double kChartWidth = 960;
inline constexpr double kPadLeft = 78;
inline constexpr double kPadRight = 12;
inline constexpr double kPadTop = 10;
inline constexpr double kPadBottom = 22;
inline constexpr double kPriceHeight = 300;
inline constexpr double kEquityHeight = 220;
inline constexpr double kDrawdownHeight = 130;
inline constexpr int kGridLines = 4;
//! More points than this add nothing at print resolution and only weigh the page down.
inline constexpr size_t kMaxChartPoints = 1500;
//! Up to this many bars each is drawn as an OHLC bar; beyond, a close line over the high-low band.
inline constexpr size_t kMaxOhlcBars = 300;

//! Maps times and values onto a chart's plot area.
struct Frame {
    double height = 0;
    int64_t t0 = 0;
    int64_t t1 = 0;
    double lo = 0;
    double hi = 1;

    double X(int64_t t) const {
        const double f = t1 > t0 ? static_cast<double>(t - t0) / static_cast<double>(t1 - t0) : 0.5;
        return kPadLeft + std::clamp(f, 0.0, 1.0) * (kChartWidth - kPadLeft - kPadRight);
    }
    double Y(double v) const {
        const double f = hi > lo ? (hi - v) / (hi - lo) : 0.5;
        return kPadTop + std::clamp(f, 0.0, 1.0) * (height - kPadTop - kPadBottom);
    }
};

//! A frame whose value range is [lo, hi] widened by `pad` of its span (a flat series gets room too).
Frame MakeFrame(double height, int64_t t0, int64_t t1, double lo, double hi, double pad);

//! How the value axis labels its grid lines: plain numbers, or values already in percent.
enum class AxisUnit { kNumber, kPercent };

//! Opens an `<svg>` for `f` with its value grid and start, middle and end dates; the caller draws
//! the series and closes the element.
void OpenChart(std::string& out, const Frame& f, std::string_view label, AxisUnit unit);

//! At most `max_points` bars, consecutive bars merged into one per bucket, so long series print light.
std::vector<Candle> DownsampleBars(std::span<const Candle> bars, size_t max_points);

//! At most `max_points` points: each bucket's last equity and its deepest drawdown.
std::vector<EquityPoint> DownsampleEquity(const std::vector<EquityPoint>& curve, size_t max_points);

}  // namespace spark::report
