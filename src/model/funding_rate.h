#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace spark {

//! One funding settlement of a perpetual contract (Binance's `/fapi/v1/fundingRate` row or a
//! monthly `fundingRate` dump row): at `time_ms` a long position pays `notional at the mark price
//! × rate` to shorts (a negative rate: shorts pay longs). `mark_price` is NaN where the source
//! does not give one (dump files, old API rows): the engine then uses a bar's close
//! (docs/futures.md "Funding").
struct FundingRate {
    int64_t time_ms = 0;
    double rate = 0;
    double mark_price = std::numeric_limits<double>::quiet_NaN();

    bool HasMarkPrice() const { return std::isfinite(mark_price) && mark_price > 0; }
};

}  // namespace spark
