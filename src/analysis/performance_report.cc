#include "analysis/performance_report.h"

#include <cmath>

#include "analysis/drawdown.h"
#include "analysis/return_statistics.h"
#include "analysis/trade_statistics.h"

namespace spark::analysis {
namespace {

//! (final / initial)^(1 / years) - 1 with years = bars / periodsPerYear. A wiped-out account
//! is -1; a growth too large for a double (a few bars extrapolated to a year) is reported as 0
//! rather than Infinity, with calmar following it.
double Cagr(double final_equity, double initial_cash, size_t bars, double periods_per_year) {
    if (bars == 0 || initial_cash <= 0 || periods_per_year <= 0) return 0;
    if (final_equity <= 0) return -1;
    const double years = static_cast<double>(bars) / periods_per_year;
    const double cagr = std::pow(final_equity / initial_cash, 1.0 / years) - 1.0;
    return std::isfinite(cagr) ? cagr : 0;
}

double Finite(double value) { return std::isfinite(value) ? value : 0; }

}  // namespace

Metrics ComputeMetrics(const PerformanceInputs& in) {
    Metrics m;
    m.final_equity = in.equity.empty() ? in.initial_cash : in.equity.back();
    m.total_return = Finite(m.final_equity / in.initial_cash - 1.0);

    const ReturnStatistics returns = ComputeReturnStatistics(in.equity, in.periods_per_year);
    m.sharpe = returns.sharpe;
    m.sortino = returns.sortino;
    m.volatility = returns.volatility;

    const DrawdownStatistics drawdown = ComputeDrawdown(in.equity);
    m.max_drawdown = drawdown.max_drawdown;
    m.max_drawdown_duration_bars = drawdown.max_duration_bars;

    m.cagr = Cagr(m.final_equity, in.initial_cash, in.equity.size(), in.periods_per_year);
    m.calmar = m.max_drawdown > 0 ? Finite(m.cagr / m.max_drawdown) : 0;

    const TradeStatistics trades = ComputeTradeStatistics(in.trades);
    m.num_trades = trades.num_trades;
    m.win_rate = trades.win_rate;
    m.profit_factor = trades.profit_factor;
    m.avg_trade_return = trades.avg_trade_return;
    m.best_trade = trades.best_trade;
    m.worst_trade = trades.worst_trade;

    m.exposure = in.bars.empty() ? 0 : static_cast<double>(in.bars_in_market) / static_cast<double>(in.bars.size());
    m.total_fees = in.total_fees;
    m.total_funding = in.total_funding;
    m.buy_and_hold_return = in.bars.empty() ? 0 : Finite(in.bars.back().close / in.bars.front().open - 1.0);
    return m;
}

}  // namespace spark::analysis
