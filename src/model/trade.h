#pragma once

#include <cstdint>

namespace spark {

enum class Side { kLong, kShort };

//! Why a position was closed.
enum class ExitReason { kSignal, kStopLoss, kTrailingStop, kTakeProfit, kTime, kLiquidation, kEnd };

//! One round trip. Prices are fill prices after slippage; `fees` is in quote currency and `pnl`
//! includes both fees (and funding). The margin of a spot trade is its entry notional. An `open` trade is still held
//! after the last bar: its exit fields are the mark at the last close (no slippage, no exit fee) and it is not counted
//! as a closed trade.
struct Trade {
    Side side = Side::kLong;
    int64_t entry_time_ms = 0;
    int64_t entry_bar = 0;
    double entry_price = 0;
    int64_t exit_time_ms = 0;
    int64_t exit_bar = 0;
    double exit_price = 0;
    double quantity = 0;
    double fees = 0;
    //! Perpetual futures: funding the position paid (negative: received), quote currency.
    double funding = 0;
    double pnl = 0;              //!< after fees and funding
    double return_fraction = 0;  //!< pnl / (margin + entry fee), the capital committed
    //! Perpetual futures: the liquidation price when the trade ended (or now, if open); 0 where
    //! none exists (a long on so little leverage that only a price below zero liquidates it).
    double liquidation_price = 0;
    bool open = false;
    ExitReason exit_reason = ExitReason::kSignal;  //!< kEnd for a trade still open
};

}  // namespace spark
