#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "api/run/run_request.h"
#include "common/error.h"
#include "research/grid.h"
#include "research/grid_search.h"

namespace spark::api {

//! A validated POST /backtest/optimize request (docs/optimize.md).
struct OptimizeRequest {
    RunRequest run;  //!< market, range, costs and options; `run.strategy` names the strategy
    research::GridSpec grid;
    research::Objective objective = research::Objective::kSharpe;
    size_t top_n = 10;
    int64_t min_trades = 1;
};

inline constexpr size_t kMaxTopN = 100;
inline constexpr size_t kMaxValuesPerAxis = 10'000;

Result<OptimizeRequest> ParseOptimizeRequest(std::string_view body, int64_t now_ms);
//! The optimize fields of an already parsed object whose keys the caller has checked (walk-forward
//! reads its own fields beside them from the same document, without copying it).
Result<OptimizeRequest> ReadOptimizeFields(const nlohmann::json& body, int64_t now_ms);
//! The top-level fields /backtest/optimize accepts.
std::span<const std::string_view> OptimizeRequestFields();

}  // namespace spark::api
