#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "model/candle.h"
#include "model/trade.h"

namespace spark::analysis {

//! Every metric of SEMANTICS.md "Metrics", named as there. All values are finite; the one
//! optional (profitFactor) is absent where there is no losing trade.
struct Metrics {
    double total_return = 0;
    double final_equity = 0;
    double cagr = 0;
    double sharpe = 0;
    double sortino = 0;
    double calmar = 0;
    double volatility = 0;
    double max_drawdown = 0;
    int64_t max_drawdown_duration_bars = 0;
    int64_t num_trades = 0;
    double win_rate = 0;
    std::optional<double> profit_factor;
    double avg_trade_return = 0;
    double best_trade = 0;
    double worst_trade = 0;
    double exposure = 0;
    double total_fees = 0;
    //! Perpetual futures: funding paid by every position (negative: received).
    double total_funding = 0;
    double buy_and_hold_return = 0;
};

struct PerformanceInputs {
    std::span<const double> equity;  //!< equity at each bar's close
    std::span<const Trade> trades;
    std::span<const Candle> bars;
    double initial_cash = 0;
    double periods_per_year = 0;
    int64_t bars_in_market = 0;  //!< bars with a position held at the close
    double total_fees = 0;
    double total_funding = 0;
};

Metrics ComputeMetrics(const PerformanceInputs& in);

}  // namespace spark::analysis
