#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace spark::report {

//! Downloads built from a stored answer (the JSON a backtesting route returned), and the reading
//! of that answer they share with the tearsheet. An answer is trusted to come from this service,
//! yet every read checks the type it expects: a field that is missing or of another type reads as
//! absent, never as an exception.

//! The route that wrote an answer, told by the keys only its answers have.
enum class AnswerKind { kRun, kOptimize, kWalkForward, kPortfolio };

//! `folds` + `outOfSample`: walk-forward; `topN` + `best`: optimize; `assets` + `correlation`:
//! portfolio; `trades` or `runId`: run. Anything else (an error envelope) is kInvalidRequest.
Result<AnswerKind> KindOfAnswer(const nlohmann::json& answer);

//! "run", "optimize", "walkforward", "portfolio": the route's last path segment.
std::string_view AnswerKindName(AnswerKind kind);

//! A futures answer (`futures` non-null): its trades carry `funding` and `liquidationPrice`.
bool IsFuturesAnswer(const nlohmann::json& answer);

//! `object[key]`, or nullptr when `object` is not an object or lacks the key.
const nlohmann::json* FindMember(const nlohmann::json& object, std::string_view key);

//! An epoch-ms time of the answer; none when `value` is null, absent or not a number in range.
std::optional<int64_t> TimeMsOf(const nlohmann::json* value);

//! The trades of an answer, each with the fold or the asset it belongs to. The pointers point
//! into the answer, which must outlive this.
struct AnswerTrades {
    std::string label_column;  //!< "fold" (walk-forward), "symbol" (portfolio), or empty
    std::vector<std::string> labels;
    std::vector<const nlohmann::json*> trades;  //!< one per label (labels empty when no column)
    bool futures = false;
};

//! run: `trades`; optimize: `best.trades` (an error when `best` is null); walk-forward: every
//! fold's out-of-sample `trades`, fold by fold; portfolio: every asset's `trades`, asset by asset.
Result<AnswerTrades> TradesOf(const nlohmann::json& answer);

//! One point of an equity curve. `equity` is NaN where the answer holds null; `drawdown` is
//! 1 - equity / the running maximum (a fraction, 0 at a new high), NaN where it is undefined.
struct EquityPoint {
    int64_t time_ms = 0;
    double equity = 0;
    double drawdown = 0;
};

//! run: `equity` (absent when the run had includeEquity false: an error saying so); walk-forward:
//! the stitched out-of-sample curve `outOfSample.equity`; portfolio: `equity`; optimize: an error
//! (its answer has no curve).
Result<std::vector<EquityPoint>> EquityCurveOf(const nlohmann::json& answer);

//! The CSV files below follow RFC 4180: a header row, CRLF line ends, a field quoted when it holds
//! a comma, a quote, CR or LF (quotes doubled). Times take two columns: ISO-8601 UTC
//! (`2024-01-01T00:00:00Z`) and epoch ms. Numbers have full round-trip precision; null is an
//! empty field.

//! trades.csv: `[symbol|fold,] side, entryTime, entryTimeMs, entryPrice, exitTime, exitTimeMs,
//! exitPrice, quantity, fees, [funding, liquidationPrice (futures),] pnl, return, exitReason, open`.
Result<std::string> TradesCsv(const nlohmann::json& answer);

//! equity.csv: `time, timeMs, equity, drawdown`, from EquityCurveOf.
Result<std::string> EquityCsv(const nlohmann::json& answer);

//! combinations.csv, from the array an optimize job stores beside its answer:
//! `[{"params": {...}, "metrics": {...} | null, "skipped": bool, "belowMinTrades": bool}, ...]`.
//! One row per combination: the parameters (names sorted), every metric (the union of their
//! names, in the order first seen), then `skipped`, `belowMinTrades`.
Result<std::string> CombinationsCsv(const nlohmann::json& combinations);

//! A JSON scalar as one CSV or table value: integers as written, doubles with shortest round-trip
//! precision, booleans `true`/`false`, strings as they are, null (and non-finite) empty; arrays
//! and objects as compact JSON.
std::string ScalarText(const nlohmann::json& value);

}  // namespace spark::report
