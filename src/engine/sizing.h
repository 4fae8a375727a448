#pragma once

#include <optional>

#include "engine/backtest_options.h"

namespace spark {

//! The quantity an entry buys or sells short (docs/strategies.md "Sizing"): `cash` is the
//! equity (entries are from flat), `fill_price` the entry's price after slippage, `stop_distance`
//! how far the stop in force at entry lies from it (risk mode only). 0 means no position is
//! opened: risk mode without a stop beyond the fill price. With `leverage` (perpetual futures) the
//! committed equity is margin plus fee, and the notional is that margin × leverage
//! (docs/futures.md "Leverage and margin").
double EntryQuantity(const Sizing& sizing, double cash, double fill_price, double fee_rate,
                     std::optional<double> stop_distance, double leverage = 1.0);

}  // namespace spark
