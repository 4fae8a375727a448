#pragma once

#include <cstdint>

namespace spark {

//! One closed OHLCV bar, identified by its open time (epoch ms, UTC). Prices in quote currency,
//! volume in base asset. Plain data: 48 bytes, so series are contiguous and cheap to scan.
struct Candle {
    int64_t open_time_ms = 0;
    double open = 0;
    double high = 0;
    double low = 0;
    double close = 0;
    double volume = 0;

    friend bool operator==(const Candle&, const Candle&) = default;
};

}  // namespace spark
