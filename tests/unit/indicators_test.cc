// Each indicator on a short series worked out by hand, and streaming == batch.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <vector>

#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/donchian.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/roc.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/wma.h"
#include "support/bars.h"

namespace spark::indicators {
namespace {

std::vector<double> Batch(void (*compute)(std::span<const double>, size_t, std::span<double>),
                          const std::vector<double>& values, size_t period) {
    std::vector<double> out(values.size());
    compute(values, period, out);
    return out;
}

TEST(Ema, SeededWithTheSmaThenExponential) {
    const auto out = Batch(ComputeEma, {1, 2, 3, 4, 5}, 3);  // α = 0.5
    EXPECT_TRUE(std::isnan(out[0]) && std::isnan(out[1]));
    EXPECT_DOUBLE_EQ(out[2], 2.0);                // mean of 1, 2, 3
    EXPECT_DOUBLE_EQ(out[3], 0.5 * 4 + 0.5 * 2);  // 3
    EXPECT_DOUBLE_EQ(out[4], 0.5 * 5 + 0.5 * 3);  // 4
    Ema streaming(3);
    EXPECT_FALSE(streaming.Update(1).has_value());
}

TEST(Wma, NewestWeighsMost) {
    const auto out = Batch(ComputeWma, {1, 2, 3, 4}, 3);
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_DOUBLE_EQ(out[2], (1 * 1 + 2 * 2 + 3 * 3) / 6.0);
    EXPECT_DOUBLE_EQ(out[3], (1 * 2 + 2 * 3 + 3 * 4) / 6.0);
}

TEST(Rsi, WildersSmoothing) {
    // Changes +1, -1, +2, 0. First averages (index 2): gain 0.5, loss 0.5 -> 50.
    const auto out = Batch(ComputeRsi, {1, 2, 1, 3, 3}, 2);
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_DOUBLE_EQ(out[2], 50.0);
    // Index 3: gain (0.5 + 2) / 2 = 1.25, loss 0.5 / 2 = 0.25 -> RS 5 -> 100 - 100/6.
    EXPECT_NEAR(out[3], 100.0 - 100.0 / 6.0, 1e-12);
    // Index 4 (no change): gain 0.625, loss 0.125 -> RS 5 again.
    EXPECT_NEAR(out[4], 100.0 - 100.0 / 6.0, 1e-12);
    EXPECT_DOUBLE_EQ(Batch(ComputeRsi, {1, 2, 3, 4}, 2)[3], 100.0);  // no losses
    EXPECT_DOUBLE_EQ(Batch(ComputeRsi, {5, 5, 5, 5}, 2)[3], 50.0);   // no movement
}

TEST(Macd, LineSignalAndHistogram) {
    const std::vector<double> x = {1, 2, 4, 8, 6, 5, 7};
    std::vector<double> line(x.size()), signal(x.size()), histogram(x.size());
    ComputeMacd(x, 2, 3, 2, line, signal, histogram);
    // EMA(2), α = 2/3: 1.5, 4/3·... ; EMA(3), α = 1/2, seeded at index 2 with 7/3.
    std::vector<double> ema2(x.size()), ema3(x.size());
    ComputeEma(x, 2, ema2);
    ComputeEma(x, 3, ema3);
    EXPECT_DOUBLE_EQ(ema2[1], 1.5);
    EXPECT_DOUBLE_EQ(ema2[2], 2.0 / 3.0 * 4 + 1.0 / 3.0 * 1.5);
    EXPECT_DOUBLE_EQ(ema3[2], 7.0 / 3.0);
    EXPECT_TRUE(std::isnan(line[1]));
    for (size_t t = 2; t < x.size(); ++t) EXPECT_DOUBLE_EQ(line[t], ema2[t] - ema3[t]);
    EXPECT_TRUE(std::isnan(signal[2]));  // first at slow + signal - 2 = 3
    EXPECT_DOUBLE_EQ(signal[3], (line[2] + line[3]) / 2);
    EXPECT_DOUBLE_EQ(signal[4], 2.0 / 3.0 * line[4] + 1.0 / 3.0 * signal[3]);
    EXPECT_DOUBLE_EQ(histogram[4], line[4] - signal[4]);
}

TEST(Bollinger, PopulationDeviation) {
    const std::vector<double> x = {1, 2, 3, 4};
    std::vector<double> lower(4), middle(4), upper(4);
    ComputeBollinger(x, 3, 2, lower, middle, upper);
    EXPECT_TRUE(std::isnan(middle[1]));
    const double sd = std::sqrt(2.0 / 3.0);  // of {1, 2, 3} around 2, divided by n
    EXPECT_DOUBLE_EQ(middle[2], 2);
    EXPECT_NEAR(upper[2], 2 + 2 * sd, 1e-15);
    EXPECT_NEAR(lower[3], 3 - 2 * sd, 1e-15);
}

TEST(Atr, TrueRangeNeedsThePreviousClose) {
    // (high, low, close): TR1 = 2, TR2 = 2 -> ATR(2) at index 2 = 2; TR3 = 4 -> (2 + 4) / 2 = 3.
    const std::vector<Candle> bars = {
        {0, 9, 10, 8, 9, 1}, {1, 9, 11, 9, 10, 1}, {2, 10, 12, 10, 11, 1}, {3, 11, 15, 11, 14, 1}};
    std::vector<double> out(bars.size());
    ComputeAtr(bars, 2, out);
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_DOUBLE_EQ(out[2], 2);
    EXPECT_DOUBLE_EQ(out[3], 3);
    // A gap counts: TR = |high - previous close| when it is larger than the bar's own range.
    Atr gap(1);
    gap.Update(10, 9, 10);
    EXPECT_DOUBLE_EQ(*gap.Update(16, 15, 15.5), 6);
}

TEST(Donchian, HighestHighLowestLowIncludingTheCurrentBar) {
    const std::vector<Candle> bars = {{0, 1, 1, 0, 1, 1}, {1, 2, 3, 1, 2, 1}, {2, 2, 2, 1, 2, 1}, {3, 3, 5, 2, 4, 1}};
    std::vector<double> lower(4), upper(4);
    ComputeDonchian(bars, 2, lower, upper);
    EXPECT_TRUE(std::isnan(upper[0]));
    EXPECT_EQ(upper[1], 3);
    EXPECT_EQ(lower[1], 0);
    EXPECT_EQ(upper[2], 3);
    EXPECT_EQ(lower[2], 1);
    EXPECT_EQ(upper[3], 5);
    EXPECT_EQ(lower[3], 1);
}

TEST(Roc, PercentChangeOverThePeriod) {
    const auto out = Batch(ComputeRoc, {100, 110, 121, 100}, 2);
    EXPECT_TRUE(std::isnan(out[1]));
    EXPECT_NEAR(out[2], 21, 1e-12);
    EXPECT_NEAR(out[3], 100 * (100.0 / 110.0 - 1), 1e-12);
}

//! Streaming values must equal the batch ones bit for bit, absent exactly where NaN.
void ExpectSame(const char* name, size_t t, const std::optional<double>& streamed, double batch) {
    ASSERT_EQ(streamed.has_value(), !std::isnan(batch)) << name << " at " << t;
    if (streamed) {
        ASSERT_EQ(*streamed, batch) << name << " at " << t;
    }
}

TEST(Indicators, StreamingEqualsBatchOnRealData) {
    const auto bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    ASSERT_EQ(bars.size(), 17543u);
    std::vector<double> closes;
    for (const Candle& c : bars) closes.push_back(c.close);
    const size_t n = closes.size();
    std::vector<double> sma(n), ema(n), wma(n), rsi(n), roc(n), atr(n), dl(n), du(n);
    std::vector<double> line(n), signal(n), histogram(n), bl(n), bm(n), bu(n);
    ComputeSma(closes, 30, sma);
    ComputeEma(closes, 26, ema);
    ComputeWma(closes, 20, wma);
    ComputeRsi(closes, 14, rsi);
    ComputeRoc(closes, 12, roc);
    ComputeAtr(bars, 14, atr);
    ComputeDonchian(bars, 20, dl, du);
    ComputeMacd(closes, 12, 26, 9, line, signal, histogram);
    ComputeBollinger(closes, 20, 2, bl, bm, bu);
    Sma s(30);
    Ema e(26);
    Wma w(20);
    Rsi r(14);
    Roc rc(12);
    Atr a(14);
    Donchian d(20);
    Macd m(12, 26, 9);
    Bollinger b(20, 2);
    for (size_t t = 0; t < n; ++t) {
        ExpectSame("sma", t, s.Update(closes[t]), sma[t]);
        ExpectSame("ema", t, e.Update(closes[t]), ema[t]);
        ExpectSame("wma", t, w.Update(closes[t]), wma[t]);
        ExpectSame("rsi", t, r.Update(closes[t]), rsi[t]);
        ExpectSame("roc", t, rc.Update(closes[t]), roc[t]);
        ExpectSame("atr", t, a.Update(bars[t].high, bars[t].low, bars[t].close), atr[t]);
        const auto dv = d.Update(bars[t].high, bars[t].low);
        ExpectSame("donchian lower", t, dv ? std::optional(dv->lower) : std::nullopt, dl[t]);
        ExpectSame("donchian upper", t, dv ? std::optional(dv->upper) : std::nullopt, du[t]);
        const auto mv = m.Update(closes[t]);
        ExpectSame("macd line", t, mv ? std::optional(mv->line) : std::nullopt, line[t]);
        ExpectSame("macd signal", t, mv ? mv->signal : std::nullopt, signal[t]);
        ExpectSame("macd histogram", t, mv ? mv->histogram : std::nullopt, histogram[t]);
        const auto bv = b.Update(closes[t]);
        ExpectSame("bollinger lower", t, bv ? std::optional(bv->lower) : std::nullopt, bl[t]);
        ExpectSame("bollinger middle", t, bv ? std::optional(bv->middle) : std::nullopt, bm[t]);
        ExpectSame("bollinger upper", t, bv ? std::optional(bv->upper) : std::nullopt, bu[t]);
    }
    // Donchian against a brute-force window.
    for (size_t t = 19; t < n; t += 101) {
        double high = 0;
        double low = 1e300;
        for (size_t i = t - 19; i <= t; ++i) {
            high = std::max(high, bars[i].high);
            low = std::min(low, bars[i].low);
        }
        EXPECT_EQ(du[t], high);
        EXPECT_EQ(dl[t], low);
    }
}

}  // namespace
}  // namespace spark::indicators
