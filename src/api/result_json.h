#pragma once

#include <string_view>
#include <vector>

#include "analysis/performance_report.h"
#include "api/intrabar_support.h"
#include "api/json/json_writer.h"
#include "api/run/run_request.h"
#include "common/warning.h"
#include "marketdata/bar_loader.h"
#include "model/trade.h"
#include "strategy/strategy_registry.h"

namespace spark::api {

//! JSON pieces every backtesting answer shares, so each route writes them the same way.

std::string_view ExitReasonName(ExitReason reason);
//! The request fields every backtesting route shares (market, range, costs, options), into the
//! object being written. A portfolio leaves `symbol` out: each of its assets names its own.
void WriteRunFields(JsonWriter& json, const RunRequest& request, bool with_symbol = true);
//! "semantics": the rules in force for these options.
void WriteSemantics(JsonWriter& json, const RunRequest& request);
//! "bars": count, expected, missing, missingOpenTimes, source, cacheHit, uncoveredRanges, first/last.
void WriteBars(JsonWriter& json, const LoadedBars& bars);
//! "intrabar": null, or the finer bars exits were resolved on (timeframe, count, expected,
//! missing, source, cacheHit, incompleteBars).
void WriteIntrabar(JsonWriter& json, const IntrabarBars* intrabar);
//! "metrics" (or `key`): every metric of SEMANTICS.md; `futures` adds totalFunding.
void WriteMetrics(JsonWriter& json, const analysis::Metrics& metrics, std::string_view key = "metrics",
                  bool futures = false);
//! "trades": the round trips; `futures` adds each one's funding and liquidationPrice.
void WriteTrades(JsonWriter& json, const std::vector<Trade>& trades, bool futures = false);
//! `"warnings": [{"code", "message"}, ...]`, always present (empty when there are none).
void WriteWarnings(JsonWriter& json, const Warnings& warnings);
//! The longest lookback among the strategy's bindings (a grid's combinations); 0 without a strategy.
size_t LongestLookback(const StrategyDefinition* definition, const std::vector<ParamValues>& bindings);
//! `"strategy": {"name", "lookbackBars"}` then `"warnings"`, with LOOKBACK_EXCEEDS_RANGE added
//! when `bars` (the shortest window the strategy runs on) plus its warm-up is no longer than the
//! lookback.
void WriteStrategyAndWarnings(JsonWriter& json, std::string_view name, size_t lookback_bars, size_t bars,
                              size_t warmup_bars = 0, Warnings warnings = {});
//! LOOKBACK_EXCEEDS_RANGE: the strategy needs more bars than were loaded before it can signal.
Warning LookbackWarning(size_t lookback_bars, size_t warmup_bars, size_t bars);
//! What the loaded bars change about a result: RANGE_NOT_LOADED when part of the range was never
//! loaded and no upstream could fetch it (the run stands on the cached part), BARS_MISSING when
//! loaded data has exchange gaps. `symbol` prefixes the messages (a portfolio's assets).
Warnings BarWarnings(const LoadedBars& bars, const Interval& interval, std::string_view symbol = {});

}  // namespace spark::api
