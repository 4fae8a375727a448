#pragma once

#include <cstdint>

#include "model/candle.h"

namespace spark {

//! A full Binance kline row as stored in the cache: the candle plus the columns the engine does
//! not use but an operator may want to audit (close time, quote volume, trade counts).
struct KlineRow {
    Candle candle;
    int64_t close_time_ms = 0;
    double quote_volume = 0;
    int64_t trade_count = 0;
    double taker_buy_base = 0;
    double taker_buy_quote = 0;
};

}  // namespace spark
