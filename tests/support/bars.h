#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "common/interval.h"
#include "marketdata/kline_csv.h"
#include "model/candle.h"

namespace spark::testing {

inline constexpr int64_t kTestEpochMs = 1704067200000;  // 2024-01-01T00:00Z

//! Hourly bars from (open, close) pairs; high/low bracket them, volume 1.
inline std::vector<Candle> MakeBars(const std::vector<std::pair<double, double>>& open_close) {
    std::vector<Candle> bars;
    for (size_t i = 0; i < open_close.size(); ++i) {
        const auto [open, close] = open_close[i];
        bars.push_back({kTestEpochMs + static_cast<int64_t>(i) * kMillisPerHour, open, std::max(open, close),
                        std::min(open, close), close, 1.0});
    }
    return bars;
}

//! The bundled real candles of one sample file, e.g. "BTCUSDT-1h".
inline std::vector<Candle> LoadSampleBars(const std::string& name, const Interval& interval) {
    const auto text = ReadKlineFile(std::string(SPARK_SAMPLE_DIR) + "/" + name + ".csv.gz");
    std::vector<Candle> bars;
    if (!text) return bars;
    for (const KlineRow& row : ParseKlineCsv(*text, interval, INT64_MAX).rows) bars.push_back(row.candle);
    return bars;
}

}  // namespace spark::testing
