#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <string_view>

#include "common/error.h"
#include "engine/backtest_options.h"

namespace spark::api {

//! The request fields of stops, targets, time exits and sizing, shared by every backtesting route.
inline constexpr std::array<std::string_view, 10> kExitAndSizingFields = {
    "intrabar",    "positionSize",  "sizing",          "stopLossPct",     "takeProfitPct",
    "stopLossAtr", "takeProfitAtr", "trailingStopPct", "trailingStopAtr", "maxBarsInTrade"};

//! Reads them into `options` (docs/strategies.md "Engine options"): ranges, objects' keys, the
//! pairs that exclude each other (CONFLICTING_FIELDS), and risk sizing's need for a stop. Every
//! error names the field, nested ones by path (`sizing.value`, `stopLossAtr.period`).
Result<void> ReadExitAndSizingOptions(const nlohmann::json& body, BacktestOptions& options);

}  // namespace spark::api
