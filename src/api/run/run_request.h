#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "api/run/futures_options.h"
#include "api/strategy/strategy_choice.h"
#include "common/error.h"
#include "common/interval.h"
#include "engine/backtest_options.h"
#include "model/time_range.h"
#include "strategy/parameter_schema.h"

namespace spark::api {

//! Earliest accepted date: Binance spot history starts on 2017-07-01.
inline constexpr int64_t kEarliestStartMs = 1498867200000;
//! Largest range a single run may span, in bars (about 9 years of 1m bars; ~240 MB of candles).
inline constexpr int64_t kMaxBarsPerRun = 5'000'000;

//! A validated POST /backtest/run request with every default filled in.
struct RunRequest {
    std::string exchange = "binance";
    std::string symbol;
    Interval interval = *Interval::Parse("1h");
    std::string start;  //!< as given (echoed back)
    std::string end;    //!< as given (echoed back)
    TimeRange range;    //!< [start, end exclusive) over open times, clipped to closed bars
    bool use_cache = true;
    StrategyChoice strategy;  //!< a built-in or rules
    ParamValues params;       //!< resolved against the strategy's schema
    BacktestOptions options;
    FuturesRequest futures;  //!< binance-futures: whether funding applies (options.futures holds the rest)
    //! Finer bars to resolve stops, targets and trails on (`intrabar`); loaded beside the run's.
    std::optional<Interval> intrabar;
    bool include_equity = true;
    size_t warmup_bars = 0;  //!< bars before `start` that only warm the indicators up
    //! false ("strict", the default): a warm-up that cannot be loaded in full fails the run;
    //! true ("best_effort"): the run proceeds with what was found and says so in `warnings`.
    bool warmup_best_effort = false;
};

inline constexpr double kMaxWarmupBars = 100'000;

//! Binance's symbol form: 1-20 upper-case letters or digits.
bool IsValidSymbol(std::string_view symbol);

//! The fields every backtesting route shares: market (exchange, symbol, timeframe), range,
//! costs and engine options, useCache. Not the strategy, not includeEquity.
//! `symbol`, when given, stands in for the body's own symbol field (portfolio assets carry theirs).
Result<void> ReadRunFields(const nlohmann::json& body, int64_t now_ms, RunRequest& out,
                           const std::string* symbol = nullptr);

//! Every field /backtest/run knows.
std::span<const std::string_view> RunRequestFields();

//! Parses and validates the JSON body; `now_ms` decides what is "in the future". Every error is
//! kInvalidRequest naming the field and a reason code (MALFORMED_JSON, WRONG_TYPE, ...).
Result<RunRequest> ParseRunRequest(std::string_view body, int64_t now_ms);

}  // namespace spark::api
