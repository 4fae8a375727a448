#pragma once

#include <string>

#include "api/futures_support.h"
#include "api/intrabar_support.h"
#include "api/walkforward/walkforward_request.h"
#include "marketdata/bar_loader.h"
#include "research/walk_forward.h"

namespace spark::api {

struct WalkForwardTiming {
    double load_ms = 0;
    double compute_ms = 0;
    double total_ms = 0;
};

//! The POST /backtest/walkforward answer (docs/walkforward.md "Response"): folds, verdict,
//! stitched out-of-sample equity and metrics, parameter stability.
std::string WriteWalkForwardResponse(std::string_view run_id, const WalkForwardRequest& request, double threshold,
                                     const std::vector<ParamValues>& combinations, const LoadedBars& bars,
                                     const IntrabarBars* intrabar, const Warnings& warnings,
                                     const research::WalkForwardOutcome& outcome, const WalkForwardTiming& timing,
                                     std::span<const FundingSettlements> funding = {},
                                     analysis::Metrics* stitched_metrics = nullptr);

}  // namespace spark::api
