#pragma once

#include <span>
#include <vector>

#include "common/interval.h"
#include "model/candle.h"

namespace spark {

//! Aggregates bars (sorted by open time, unique) into bars of `coarser` as Binance builds its own
//! klines: UTC-aligned buckets (weeks from Monday 00:00, months on the calendar); open of the
//! first bar, high the maximum, low the minimum, close of the last, volume the sum. A bucket with
//! at least one bar is a bar, built from the bars it has: Binance's higher-interval kline covers
//! the trades that happened, so an outage inside a bucket shortens it, never removes it; a bucket
//! with no bar is a gap, as on Binance (docs/semantics.md "Resampled bars").
//!
//! Volumes are summed exactly and, where the magnitude allows, rounded to Binance's 8 decimals, so
//! a sum of decimal volumes equals the double Binance's own bar parses to, not a value a few ulps
//! away (a plain running sum differs in 2 of 3 hours of BTCUSDT).
std::vector<Candle> Resample(std::span<const Candle> finer, const Interval& coarser);

}  // namespace spark
