#pragma once

#include <string>
#include <string_view>

#include "api/futures_support.h"
#include "api/intrabar_support.h"
#include "api/run/run_request.h"
#include "common/warning.h"
#include "engine/backtest.h"
#include "marketdata/bar_loader.h"

namespace spark::api {

struct RunTiming {
    double load_ms = 0;
    double compute_ms = 0;
    double total_ms = 0;
};

//! The POST /backtest/run answer: runId, the request with defaults, the semantics in force,
//! the bars it stands on, metrics, trades, the equity curve (unless excluded) and timings.
std::string WriteRunResponse(std::string_view run_id, const RunRequest& request, const LoadedBars& bars,
                             const IntrabarBars* intrabar, size_t warmup_bars, size_t lookback_bars,
                             const Warnings& warnings, const BacktestResult& result, const RunTiming& timing,
                             std::span<const FundingSettlements> funding = {});

}  // namespace spark::api
