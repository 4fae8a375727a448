#pragma once

#include <optional>
#include <string_view>

#include "api/optimize/optimize_request.h"
#include "research/walk_forward.h"

namespace spark::api {

//! A validated POST /backtest/walkforward request (docs/walkforward.md).
struct WalkForwardRequest {
    OptimizeRequest search;  //!< strategy, grid, objective, costs, options; topN unused
    research::WindowSpec windows;
    std::optional<double> threshold;  //!< overrides WFO_THRESHOLD for this request
};

//! `windows.inSample` etc. are bar counts (integers) or durations ("90d", "12h", "2w", "30m"),
//! converted to bars with the timeframe's length.
Result<WalkForwardRequest> ParseWalkForwardRequest(std::string_view body, int64_t now_ms);

}  // namespace spark::api
