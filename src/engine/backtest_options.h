#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/interval.h"
#include "model/funding_rate.h"

namespace spark {

//! When an order decided at the close of bar t fills (SEMANTICS.md "Signals and fills").
enum class FillMode {
    kNextOpen,  //!< at the open of bar t+1 (default; no look-ahead)
    kClose,     //!< at the close of bar t (vectorbt-style)
};

std::string_view FillModeName(FillMode mode);

//! The accepted ranges of the options below (requests and grids alike).
namespace option_limits {
//! A stop 100 % below a long's entry could never trigger: the largest accepted is just below 1.
inline const double kMaxStopFraction = 0.9999999999999999;
inline constexpr double kMaxTakeProfit = 10;  //!< +1000 %
inline constexpr double kMaxAtrPeriod = 1000;
inline constexpr double kMaxAtrMultiple = 100;
inline constexpr double kMaxBarsInTrade = 1'000'000;
inline constexpr double kMaxNotional = 1e12;
inline constexpr double kMaxLeverage = 125;  //!< Binance USD-M's highest
}  // namespace option_limits

//! A level `multiple × ATR(period)` away from a price (docs/strategies.md "Trailing stops, ATR
//! levels and time exits").
struct AtrDistance {
    size_t period = 14;
    double multiple = 2;
};

//! How an entry's quantity is chosen (docs/strategies.md "Sizing").
enum class SizingMode {
    kFraction,  //!< value × equity committed, value in (0, 1]
    kNotional,  //!< value of quote currency per entry, capped by equity
    kRisk,      //!< value × equity lost if the stop in force at entry is hit; needs a stop
};

std::string_view SizingModeName(SizingMode mode);

struct Sizing {
    SizingMode mode = SizingMode::kFraction;
    double value = 1.0;
};

class IntrabarPath;

//! One tier of an exchange's maintenance-margin brackets (docs/futures.md "Liquidation"): a
//! position whose entry notional is at most `notional_cap` needs `rate × notional − amount` of
//! margin to stay open.
struct MaintenanceTier {
    double notional_cap = 0;  //!< quote currency, inclusive
    double max_leverage = 1;  //!< the most the exchange lets such a position use
    double rate = 0;          //!< maintenance margin rate
    double amount = 0;        //!< maintenance amount, quote currency
};

//! What makes a run a perpetual-futures run (docs/futures.md): leverage on isolated margin,
//! liquidation by maintenance margin, and funding settlements.
struct FuturesTerms {
    double leverage = 1;  //!< notional = committed equity × leverage; margin = notional / leverage
    //! By ascending notional_cap; not owned. A notional above the last cap uses the last tier.
    std::span<const MaintenanceTier> tiers;
    //! `maintenanceMarginRate`: one rate for every notional, with no maintenance amount.
    std::optional<double> maintenance_rate;
    //! Settlements sorted by time; not owned. Those inside the bars are paid or received.
    std::span<const FundingRate> funding;
};

//! Costs, sizing and exits of a single run, with SEMANTICS.md's defaults.
struct BacktestOptions {
    FillMode fill = FillMode::kNextOpen;
    double fee_bps = 10;                           //!< of traded notional, every fill
    double slippage_bps = 0;                       //!< moves each fill price against the trader
    double initial_cash = 10000;                   //!< quote currency
    Sizing sizing;                                 //!< `positionSize` is the fraction mode's value
    bool allow_short = false;                      //!< bearish signals open shorts (docs/strategies.md)
    std::optional<double> stop_loss_pct;           //!< fraction of the entry fill price, checked intrabar
    std::optional<double> take_profit_pct;         //!< fraction of the entry fill price, checked intrabar
    std::optional<AtrDistance> stop_loss_atr;      //!< ATR at the entry decision, fixed for the trade
    std::optional<AtrDistance> take_profit_atr;    //!< ATR at the entry decision, fixed for the trade
    std::optional<double> trailing_stop_pct;       //!< behind the best price since entry
    std::optional<AtrDistance> trailing_stop_atr;  //!< behind the best price, ATR of the previous close
    std::optional<int64_t> max_bars_in_trade;      //!< exit at the close of the Nth bar held
    //! Finer bars to resolve stops, targets and trails on (`intrabar`); not owned: the caller keeps
    //! them alive for the run. Null: each bar's own open, high and low decide, conservatively.
    const IntrabarPath* intrabar = nullptr;
    //! The bars' interval, when known: rules reading a higher timeframe (htf) need it, and funding
    //! inside a bar is settled at its end.
    std::optional<Interval> timeframe;
    //! Set for perpetual futures: margin, liquidation and funding apply (docs/futures.md).
    std::optional<FuturesTerms> futures;

    //! Whether anything can close a position other than a signal (the per-bar exit checks run).
    bool HasExitRules() const {
        return stop_loss_pct || take_profit_pct || stop_loss_atr || take_profit_atr || trailing_stop_pct ||
               trailing_stop_atr || max_bars_in_trade;
    }
    //! Whether any level (stop, target, trail) exists: what intrabar paths resolve.
    bool HasLevels() const {
        return stop_loss_pct || take_profit_pct || stop_loss_atr || take_profit_atr || trailing_stop_pct ||
               trailing_stop_atr;
    }
    //! Whether a stop exists to size `risk` entries by.
    bool HasStop() const { return stop_loss_pct || stop_loss_atr || trailing_stop_pct || trailing_stop_atr; }
};

}  // namespace spark
