#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "engine/backtest_options.h"
#include "model/trade.h"

namespace spark {

//! Binance USD-M's published leverage and margin tiers for `symbol` (BTCUSDT, ETHUSDT); empty for
//! a symbol without built-in figures (a request must then give `maintenanceMarginRate`). The
//! figures and their source are in docs/futures.md "Maintenance margin".
std::span<const MaintenanceTier> BinanceMaintenanceTiers(std::string_view symbol);

//! The tier a position of `notional` falls in: the first whose cap is at least the notional, the
//! last one beyond them all. `terms.maintenance_rate`, when set, is the only tier.
MaintenanceTier TierFor(const FuturesTerms& terms, double notional);

//! The price at which an isolated position's margin balance falls to its maintenance margin
//! (Binance's formula for one position in one-way mode, docs/futures.md "Liquidation"):
//!   long:  (qty × entry − margin − amount) / (qty × (1 − rate))
//!   short: (qty × entry + margin + amount) / (qty × (1 + rate))
//! None for a long whose liquidation price would not be positive.
std::optional<double> LiquidationPrice(Side side, double quantity, double entry_price, double margin,
                                       const MaintenanceTier& tier);

}  // namespace spark
