#pragma once

#include <optional>
#include <string_view>

namespace spark {

//! When an order decided at the close of bar t fills (SEMANTICS.md "Signals and fills").
enum class FillMode {
    kNextOpen,  //!< at the open of bar t+1 (default; no look-ahead)
    kClose,     //!< at the close of bar t (vectorbt-style)
};

std::string_view FillModeName(FillMode mode);

//! Costs and sizing of a single run, with SEMANTICS.md's defaults.
struct BacktestOptions {
    FillMode fill = FillMode::kNextOpen;
    double fee_bps = 10;                    //!< of traded notional, every fill
    double slippage_bps = 0;                //!< moves each fill price against the trader
    double initial_cash = 10000;            //!< quote currency
    double position_size = 1.0;             //!< fraction of equity committed per entry, (0, 1]
    bool allow_short = false;               //!< bearish signals open shorts (docs/strategies.md)
    std::optional<double> stop_loss_pct;    //!< fraction of the entry fill price, checked intrabar
    std::optional<double> take_profit_pct;  //!< fraction of the entry fill price, checked intrabar
};

}  // namespace spark
