#include "rules/kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "common/time_format.h"
#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/donchian.h"
#include "indicators/ema.h"
#include "indicators/exact_sum.h"
#include "indicators/macd.h"
#include "indicators/roc.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/wma.h"

namespace spark::rules {
namespace {

constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();

template <typename F>
void Zip(Operand a, Operand b, std::span<double> out, F f) {
    const size_t n = out.size();
    if (a.is_scalar && b.is_scalar) {
        std::fill(out.begin(), out.end(), f(a.scalar, b.scalar));
    } else if (a.is_scalar) {
        for (size_t t = 0; t < n; ++t) out[t] = f(a.scalar, b.data[t]);
    } else if (b.is_scalar) {
        for (size_t t = 0; t < n; ++t) out[t] = f(a.data[t], b.scalar);
    } else {
        for (size_t t = 0; t < n; ++t) out[t] = f(a.data[t], b.data[t]);
    }
}

template <typename Compare>
void CompareInto(Operand a, Operand b, std::span<double> out, Compare compare) {
    Zip(a, b, out, [&](double x, double y) {
        return std::isnan(x) || std::isnan(y) ? kAbsent : (compare(x, y) ? kTrue : kFalse);
    });
}

//! Calls `run(begin, end)` for each maximal stretch of defined values of `x`; `out` is absent
//! everywhere else.
template <typename Run>
void ForEachDefinedRun(std::span<const double> x, std::span<double> out, Run run) {
    size_t t = 0;
    const size_t n = x.size();
    while (t < n) {
        if (std::isnan(x[t])) {
            out[t++] = kAbsent;
            continue;
        }
        size_t end = t;
        while (end < n && !std::isnan(x[end])) ++end;
        run(t, end);
        t = end;
    }
}

void Rma(std::span<const double> x, size_t period, std::span<double> out) {
    indicators::ExactSum seed;
    double value = 0;
    const double n = static_cast<double>(period);
    for (size_t t = 0; t < x.size(); ++t) {
        if (t + 1 < period) {
            seed.Add(x[t]);
            out[t] = kAbsent;
        } else if (t + 1 == period) {
            seed.Add(x[t]);
            value = seed.Value() / n;
            out[t] = value;
        } else {
            value = (value * (n - 1) + x[t]) / n;
            out[t] = value;
        }
    }
}

void Stdev(std::span<const double> x, size_t period, std::span<double> out) {
    // As the Bollinger bands compute their deviation: exact running sum for the mean, then a
    // two-pass sum of squared deviations over the window.
    const double n = static_cast<double>(period);
    indicators::ExactSum sum;
    for (size_t t = 0; t < x.size(); ++t) {
        sum.Add(x[t]);
        if (t >= period) sum.Add(-x[t - period]);
        if (t + 1 < period) {
            out[t] = kAbsent;
            continue;
        }
        const double mean = sum.Value() / n;
        out[t] = std::sqrt(indicators::SquaredDeviations(x.data() + (t + 1 - period), period, mean) / n);
    }
}

void Indicator(const Step& s, std::span<const double> x, std::span<double> out) {
    const size_t n = s.windows[0];
    switch (s.op) {
        case Op::kSma:
            indicators::ComputeSma(x, n, out);
            return;
        case Op::kEma:
            indicators::ComputeEma(x, n, out);
            return;
        case Op::kWma:
            indicators::ComputeWma(x, n, out);
            return;
        case Op::kRma:
            Rma(x, n, out);
            return;
        case Op::kRsi:
            indicators::ComputeRsi(x, n, out);
            return;
        case Op::kRoc:
            indicators::ComputeRoc(x, n, out);
            // A rate of change from 0 is infinite: absent, as a division by zero is.
            for (double& v : out) {
                if (std::isinf(v)) v = kAbsent;
            }
            return;
        case Op::kStdev:
            Stdev(x, n, out);
            return;
        case Op::kHighest:
            indicators::ComputeHighest(x, n, out);
            return;
        case Op::kLowest:
            indicators::ComputeLowest(x, n, out);
            return;
        case Op::kMacd:
        case Op::kMacdSignal:
        case Op::kMacdHist: {
            std::vector<double> line(x.size()), signal(x.size()), histogram(x.size());
            // The line does not depend on the signal window: any will do when only the line is read.
            const size_t signal_window = s.op == Op::kMacd ? 1 : s.windows[2];
            indicators::ComputeMacd(x, s.windows[0], s.windows[1], signal_window, line, signal, histogram);
            const std::vector<double>& chosen = s.op == Op::kMacd ? line : s.op == Op::kMacdSignal ? signal : histogram;
            std::copy(chosen.begin(), chosen.end(), out.begin());
            return;
        }
        case Op::kBbUpper:
        case Op::kBbMiddle:
        case Op::kBbLower: {
            std::vector<double> lower(x.size()), middle(x.size()), upper(x.size());
            indicators::ComputeBollinger(x, n, s.op == Op::kBbMiddle ? 1.0 : s.value, lower, middle, upper);
            const std::vector<double>& chosen = s.op == Op::kBbUpper ? upper : s.op == Op::kBbLower ? lower : middle;
            std::copy(chosen.begin(), chosen.end(), out.begin());
            return;
        }
        default:
            return;
    }
}

bool IsAbsent(double v) { return std::isnan(v); }

}  // namespace

void Elementwise(Op op, Operand a, Operand b, Operand c, std::span<double> out) {
    switch (op) {
        case Op::kNegate:
            Zip(a, a, out, [](double x, double) { return -x; });
            return;
        case Op::kAbs:
            Zip(a, a, out, [](double x, double) { return std::fabs(x); });
            return;
        case Op::kNot:
            Zip(a, a, out, [](double x, double) { return IsAbsent(x) ? kAbsent : (x == kTrue ? kFalse : kTrue); });
            return;
        case Op::kAdd:
            Zip(a, b, out, [](double x, double y) { return x + y; });
            return;
        case Op::kSubtract:
            Zip(a, b, out, [](double x, double y) { return x - y; });
            return;
        case Op::kMultiply:
            Zip(a, b, out, [](double x, double y) { return x * y; });
            return;
        case Op::kDivide:
            Zip(a, b, out, [](double x, double y) { return y == 0 ? kAbsent : x / y; });
            return;
        case Op::kMin:
            Zip(a, b, out, [](double x, double y) { return IsAbsent(x) || IsAbsent(y) ? kAbsent : std::min(x, y); });
            return;
        case Op::kMax:
            Zip(a, b, out, [](double x, double y) { return IsAbsent(x) || IsAbsent(y) ? kAbsent : std::max(x, y); });
            return;
        case Op::kLess:
            CompareInto(a, b, out, [](double x, double y) { return x < y; });
            return;
        case Op::kLessEqual:
            CompareInto(a, b, out, [](double x, double y) { return x <= y; });
            return;
        case Op::kGreater:
            CompareInto(a, b, out, [](double x, double y) { return x > y; });
            return;
        case Op::kGreaterEqual:
            CompareInto(a, b, out, [](double x, double y) { return x >= y; });
            return;
        case Op::kEqual:
            CompareInto(a, b, out, [](double x, double y) { return x == y; });
            return;
        case Op::kNotEqual:
            CompareInto(a, b, out, [](double x, double y) { return x != y; });
            return;
        case Op::kAnd:
            Zip(a, b, out, [](double x, double y) {
                if (x == kFalse || y == kFalse) return kFalse;
                return x == kTrue && y == kTrue ? kTrue : kAbsent;
            });
            return;
        case Op::kOr:
            Zip(a, b, out, [](double x, double y) {
                if (x == kTrue || y == kTrue) return kTrue;
                return x == kFalse && y == kFalse ? kFalse : kAbsent;
            });
            return;
        case Op::kIff:
            for (size_t t = 0; t < out.size(); ++t) {
                const double condition = a[t];
                out[t] = condition == kTrue ? b[t] : condition == kFalse ? c[t] : kAbsent;
            }
            return;
        default:
            return;
    }
}

void Windowed(const Step& s, std::span<const double> x, std::span<const double> y, std::span<double> out) {
    const size_t n = x.size();
    switch (s.op) {
        case Op::kShift: {
            const size_t k = std::min(s.windows[0], n);
            std::fill(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), kAbsent);
            std::copy(x.begin(), x.end() - static_cast<std::ptrdiff_t>(k),
                      out.begin() + static_cast<std::ptrdiff_t>(k));
            return;
        }
        case Op::kChange:
            for (size_t t = 0; t < n; ++t) out[t] = t >= s.windows[0] ? x[t] - x[t - s.windows[0]] : kAbsent;
            return;
        case Op::kCrossover:
        case Op::kCrossunder: {
            const bool over = s.op == Op::kCrossover;
            if (n > 0) out[0] = kAbsent;
            for (size_t t = 1; t < n; ++t) {
                const double a = x[t], b = y[t], a1 = x[t - 1], b1 = y[t - 1];
                if (IsAbsent(a) || IsAbsent(b) || IsAbsent(a1) || IsAbsent(b1)) {
                    out[t] = kAbsent;
                } else {
                    out[t] = (over ? (a > b && a1 <= b1) : (a < b && a1 >= b1)) ? kTrue : kFalse;
                }
            }
            return;
        }
        case Op::kRising:
        case Op::kFalling: {
            // Length of the current run of strict rises (falls), and how far back the last absent
            // value is: the answer needs the last n changes all defined.
            const bool rising = s.op == Op::kRising;
            const size_t window = s.windows[0];
            size_t streak = 0;
            size_t defined = 0;  // consecutive defined values ending at t
            for (size_t t = 0; t < n; ++t) {
                if (IsAbsent(x[t])) {
                    defined = 0;
                    streak = 0;
                    out[t] = kAbsent;
                    continue;
                }
                ++defined;
                const bool moved = defined > 1 && (rising ? x[t] > x[t - 1] : x[t] < x[t - 1]);
                streak = moved ? streak + 1 : 0;
                out[t] = defined > window ? (streak >= window ? kTrue : kFalse) : kAbsent;
            }
            return;
        }
        case Op::kBarsSince: {
            double since = kAbsent;
            for (size_t t = 0; t < n; ++t) {
                if (x[t] == kTrue) {
                    since = 0;
                } else if (!IsAbsent(since)) {
                    since += 1;
                }
                out[t] = IsAbsent(x[t]) ? kAbsent : since;
            }
            return;
        }
        default:
            ForEachDefinedRun(x, out, [&](size_t begin, size_t end) {
                Indicator(s, x.subspan(begin, end - begin), out.subspan(begin, end - begin));
            });
            return;
    }
}

void FromBars(const Step& s, std::span<const Candle> bars, std::span<double> out) {
    const size_t n = bars.size();
    switch (s.op) {
        case Op::kPrice:
            for (size_t t = 0; t < n; ++t) {
                const Candle& b = bars[t];
                switch (s.price) {
                    case Price::kOpen:
                        out[t] = b.open;
                        break;
                    case Price::kHigh:
                        out[t] = b.high;
                        break;
                    case Price::kLow:
                        out[t] = b.low;
                        break;
                    case Price::kClose:
                        out[t] = b.close;
                        break;
                    case Price::kVolume:
                        out[t] = b.volume;
                        break;
                    case Price::kHl2:
                        out[t] = (b.high + b.low) / 2;
                        break;
                    case Price::kHlc3:
                        out[t] = (b.high + b.low + b.close) / 3;
                        break;
                    case Price::kOhlc4:
                        out[t] = (b.open + b.high + b.low + b.close) / 4;
                        break;
                }
            }
            return;
        case Op::kAtr:
            indicators::ComputeAtr(bars, s.windows[0], out);
            return;
        case Op::kHour:
        case Op::kDayOfWeek: {
            constexpr int64_t kHourMs = 3'600'000;
            constexpr int64_t kDayMs = 24 * kHourMs;
            for (size_t t = 0; t < n; ++t) {
                const int64_t ms = bars[t].open_time_ms;
                const int64_t day = FloorDiv(ms, kDayMs);
                if (s.op == Op::kHour) {
                    out[t] = static_cast<double>((ms - day * kDayMs) / kHourMs);
                } else {
                    // 1970-01-01 was a Thursday: day + 3 counts from a Monday.
                    const int64_t from_monday = day + 3 - FloorDiv(day + 3, 7) * 7;
                    out[t] = static_cast<double>(from_monday + 1);
                }
            }
            return;
        }
        default:
            return;
    }
}

}  // namespace spark::rules
