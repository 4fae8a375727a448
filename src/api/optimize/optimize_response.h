#pragma once

#include <string>

#include "api/futures_support.h"
#include "api/intrabar_support.h"
#include "api/json/json_writer.h"
#include "api/optimize/optimize_request.h"
#include "marketdata/bar_loader.h"
#include "research/grid_search.h"

namespace spark::api {

struct OptimizeTiming {
    double load_ms = 0;
    double compute_ms = 0;
    double total_ms = 0;
};

//! "params": {name: value} of one combination.
void WriteParams(JsonWriter& json, const ParamValues& params);
//! "grid": {axis: [values...]}, each axis's values as expanded (ranges listed).
void WriteGridEcho(JsonWriter& json, const research::GridSpec& grid);
//! "overfitting": the guard of the best combination (PSR, DSR, trials...), or null.
void WriteGuard(JsonWriter& json, const std::optional<analysis::OverfittingGuard>& guard);

//! The POST /backtest/optimize answer (docs/optimize.md "Response").
std::string WriteOptimizeResponse(std::string_view run_id, const OptimizeRequest& request,
                                  const std::vector<ParamValues>& combinations, int64_t skipped, const LoadedBars& bars,
                                  const IntrabarBars* intrabar, const Warnings& warnings,
                                  const research::GridSearchOutcome& outcome, const OptimizeTiming& timing,
                                  std::span<const FundingSettlements> funding = {});

//! Every combination in enumeration order, `[{params, metrics|null, skipped, belowMinTrades}]`:
//! kept with the stored run for combinations.csv (the answer itself lists the top N).
std::string WriteCombinations(const OptimizeRequest& request, const std::vector<ParamValues>& combinations,
                              const research::GridSearchOutcome& outcome);

}  // namespace spark::api
