#pragma once

#include <compare>
#include <string>

namespace spark {

//! Identifies one candle series in the cache: exchange (`binance`), symbol (`BTCUSDT`) and the
//! Binance interval name (`1h`).
struct SeriesKey {
    std::string exchange;
    std::string symbol;
    std::string interval;

    friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

}  // namespace spark
