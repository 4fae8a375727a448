#include "engine/backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "common/time_format.h"
#include "engine/simulation.h"

namespace spark {

std::string_view FillModeName(FillMode mode) { return mode == FillMode::kClose ? "close" : "next_open"; }

Result<void> CheckBars(std::span<const Candle> bars) {
    if (bars.empty()) return MakeError(ErrorCode::kRunEngineError, "no bars to run on");
    for (const Candle& bar : bars) {
        const bool sane = bar.open > 0 && bar.close > 0 && std::isfinite(bar.open) && std::isfinite(bar.close) &&
                          std::isfinite(bar.high) && std::isfinite(bar.low);
        if (!sane) {
            return MakeError(ErrorCode::kRunEngineError, fmt::format("bar at {} has a non-positive or non-finite price",
                                                                     FormatIsoUtc(bar.open_time_ms)));
        }
    }
    return {};
}

void RunBacktest(const SeriesContext& context, const Strategy& strategy, const BacktestOptions& options,
                 double periods_per_year, BacktestWorkspace& workspace, size_t warmup_bars) {
    // Warm-up bars feed the indicators only: trading, equity and metrics start after them.
    const size_t first = std::min(warmup_bars, context.Bars().size());
    const ExitSeries exit_series =
        DecideSignals(context, strategy, options, first, workspace.signals, workspace.levels);
    const std::span<const Candle> bars = context.Bars().subspan(first);
    BacktestResult& result = workspace.result;
    const std::span<const Signal> signals = std::span<const Signal>(workspace.signals).subspan(first);
    result.trades.clear();
    result.equity.resize(bars.size());
    Simulation simulation(bars, options, result.trades, exit_series);
    int64_t bars_in_market = 0;
    for (size_t t = 0; t < bars.size(); ++t) {
        simulation.Step(t, signals[t]);
        result.equity[t] = simulation.Equity(t);
        bars_in_market += simulation.InMarket() ? 1 : 0;
    }
    simulation.MarkOpenPositionAtEnd();
    result.metrics = analysis::ComputeMetrics({.equity = result.equity,
                                               .trades = result.trades,
                                               .bars = bars,
                                               .initial_cash = options.initial_cash,
                                               .periods_per_year = periods_per_year,
                                               .bars_in_market = bars_in_market,
                                               .total_fees = simulation.TotalFees(),
                                               .total_funding = simulation.TotalFunding()});
}

Result<BacktestResult> RunBacktest(std::span<const Candle> bars, const Strategy& strategy,
                                   const BacktestOptions& options, double periods_per_year, size_t warmup_bars) {
    if (Result<void> ok = CheckBars(bars); !ok) return std::unexpected(ok.error());
    if (warmup_bars >= bars.size()) return MakeError(ErrorCode::kRunEngineError, "no bars to trade after the warm-up");
    const SeriesContext context(bars, warmup_bars, options.timeframe);
    BacktestWorkspace workspace;
    RunBacktest(context, strategy, options, periods_per_year, workspace, warmup_bars);
    return std::move(workspace.result);
}

}  // namespace spark
