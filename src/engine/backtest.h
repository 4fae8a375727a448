#pragma once

#include <array>
#include <span>
#include <vector>

#include "analysis/performance_report.h"
#include "common/error.h"
#include "engine/backtest_options.h"
#include "model/candle.h"
#include "model/trade.h"
#include "strategy/strategy.h"

namespace spark {

struct BacktestResult {
    std::vector<Trade> trades;   //!< closed round trips in order, then the open one if any
    std::vector<double> equity;  //!< equity at each bar's close, one per bar
    analysis::Metrics metrics;
};

//! One backtest over `bars` (sorted, closed bars) exactly as SEMANTICS.md defines it: fills per
//! `options.fill`, fees and slippage on every fill, the final position marked to market. Fails
//! with kRunEngineError on bars no run can stand on (none, or non-positive prices).
//! The first `warmup_bars` bars only warm the indicators up: signals before them are ignored and
//! trades, equity and metrics cover the rest (walk-forward out-of-sample runs use this).
Result<BacktestResult> RunBacktest(std::span<const Candle> bars, const Strategy& strategy,
                                   const BacktestOptions& options, double periods_per_year, size_t warmup_bars = 0);

//! Buffers one worker reuses from run to run, so a grid search allocates nothing per combination
//! once they have grown to the series' size.
struct BacktestWorkspace {
    std::vector<Signal> signals;
    //! A strategy's own prices (SetsLevels): longs' stop and target, shorts' stop and target.
    LevelBuffers levels;
    BacktestResult result;
};

//! The checks RunBacktest makes on its bars, for callers that run many times over the same bars.
Result<void> CheckBars(std::span<const Candle> bars);

//! The same run over bars already checked, with indicator series from `context` (possibly shared
//! with other runs) and the result written into `workspace.result`.
void RunBacktest(const SeriesContext& context, const Strategy& strategy, const BacktestOptions& options,
                 double periods_per_year, BacktestWorkspace& workspace, size_t warmup_bars = 0);

}  // namespace spark
