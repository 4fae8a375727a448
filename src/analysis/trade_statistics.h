#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "model/trade.h"

namespace spark::analysis {

//! Statistics over closed round trips only; a trade still open at the end is excluded.
struct TradeStatistics {
    int64_t num_trades = 0;
    double win_rate = 0;                  //!< trades with pnl > 0 / trades; 0 without trades
    std::optional<double> profit_factor;  //!< gross profit / gross loss; absent without a losing trade
    double avg_trade_return = 0;          //!< mean return fraction; 0 without trades
    double best_trade = 0;                //!< best return fraction; 0 without trades
    double worst_trade = 0;               //!< worst return fraction; 0 without trades
};

TradeStatistics ComputeTradeStatistics(std::span<const Trade> trades);

}  // namespace spark::analysis
