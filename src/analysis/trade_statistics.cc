#include "analysis/trade_statistics.h"

#include <algorithm>

namespace spark::analysis {

TradeStatistics ComputeTradeStatistics(std::span<const Trade> trades) {
    TradeStatistics stats;
    int64_t wins = 0;
    double gross_profit = 0;
    double gross_loss = 0;
    double return_sum = 0;
    for (const Trade& trade : trades) {
        if (trade.open) continue;
        if (stats.num_trades == 0) {
            stats.best_trade = trade.return_fraction;
            stats.worst_trade = trade.return_fraction;
        }
        ++stats.num_trades;
        return_sum += trade.return_fraction;
        stats.best_trade = std::max(stats.best_trade, trade.return_fraction);
        stats.worst_trade = std::min(stats.worst_trade, trade.return_fraction);
        if (trade.pnl > 0) {
            ++wins;
            gross_profit += trade.pnl;
        } else if (trade.pnl < 0) {
            gross_loss -= trade.pnl;
        }
    }
    if (stats.num_trades == 0) return stats;
    const auto count = static_cast<double>(stats.num_trades);
    stats.win_rate = static_cast<double>(wins) / count;
    stats.avg_trade_return = return_sum / count;
    if (gross_loss > 0) stats.profit_factor = gross_profit / gross_loss;
    return stats;
}

}  // namespace spark::analysis
