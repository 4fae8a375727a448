#include "api/run/run_request.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/json/json_fields.h"
#include "api/run/exit_options.h"
#include "common/bounded_text.h"
#include "common/time_format.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 13> kOwnFields = {
    "symbol", "timeframe",   "start", "end",           "useCache",   "exchange",   "strategy",
    "feeBps", "slippageBps", "fill",  "includeEquity", "allowShort", "initialCash"};
constexpr std::array<std::string_view, 2> kWarmupFields = {"warmupBars", "warmup"};
constexpr std::array<std::string_view, 2> kExchanges = {"binance", "binance-futures"};
constexpr double kMaxBps = 1000;  // 10 %: beyond this a cost setting is surely a unit mistake
constexpr double kMinInitialCash = 0.01;
constexpr double kMaxInitialCash = 1e12;
constexpr size_t kMaxSymbolLength = 20;

//! A date field: a string (date, date-time) or an integer of epoch milliseconds.
Result<ParsedTime> ReadTime(const json& body, const char* field, std::string& as_given) {
    const auto it = body.find(field);
    if (it == body.end()) return Invalid(field, fmt::format("{} is required", field), "MISSING_FIELD");
    if (it->is_number_integer()) {
        as_given = it->dump();
        // Through the text parser, which bounds the value (an unsigned above INT64_MAX included).
        auto parsed = ParseTime(as_given);
        if (!parsed)
            return Invalid(field, fmt::format("{} {} {}", field, TruncateForEcho(as_given), parsed.error()),
                           "INVALID_DATE");
        return *parsed;
    }
    if (!it->is_string()) {
        return Invalid(
            field,
            fmt::format("{} must be a date string (YYYY-MM-DD or ISO-8601) or integer epoch milliseconds, got {}",
                        field, TypeName(*it)),
            "WRONG_TYPE");
    }
    as_given = it->get<std::string>();
    auto parsed = ParseTime(as_given);
    if (!parsed)
        return Invalid(field, fmt::format("{} '{}' {}", field, TruncateForEcho(as_given), parsed.error()),
                       "INVALID_DATE");
    return *parsed;
}

Result<void> ReadSymbol(const json& body, RunRequest& out) {
    auto symbol = ReadString(body, "symbol", true);
    if (!symbol) return std::unexpected(symbol.error());
    if (!IsValidSymbol(*symbol)) {
        return Invalid(
            "symbol",
            fmt::format("symbol '{}' must be 1-{} upper-case letters or digits, as Binance writes it (e.g. BTCUSDT)",
                        TruncateForEcho(*symbol), kMaxSymbolLength),
            "INVALID_SYMBOL");
    }
    out.symbol = std::move(*symbol);
    return {};
}

Result<void> ReadExchangeAndTimeframe(const json& body, RunRequest& out) {
    auto exchange = ReadString(body, "exchange", false);
    if (!exchange) return std::unexpected(exchange.error());
    if (!exchange->empty()) {
        if (std::find(kExchanges.begin(), kExchanges.end(), *exchange) == kExchanges.end()) {
            return Invalid(
                "exchange",
                fmt::format("exchange '{}' is not supported (binance, binance-futures)", TruncateForEcho(*exchange)),
                "UNKNOWN_EXCHANGE");
        }
        out.exchange = std::move(*exchange);
    }
    auto timeframe = ReadString(body, "timeframe", true);
    if (!timeframe) return std::unexpected(timeframe.error());
    const std::optional<Interval> interval = Interval::Parse(*timeframe);
    if (!interval) {
        return Invalid(
            "timeframe",
            fmt::format("timeframe '{}' is not a Binance interval (1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M; "
                        "case-sensitive)",
                        TruncateForEcho(*timeframe)),
            "UNKNOWN_TIMEFRAME");
    }
    out.interval = *interval;
    return {};
}

//! For a time sent as digits that is implausibly early as milliseconds but plausible as seconds:
//! the hint to send milliseconds; empty otherwise.
std::string EpochSecondsHint(const std::string& as_given, int64_t epoch_ms) {
    const bool digits =
        !as_given.empty() && std::all_of(as_given.begin(), as_given.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || epoch_ms > kMaxEpochMs / 1000 || epoch_ms * 1000 < kEarliestStartMs) return {};
    return fmt::format("; {} looks like epoch seconds: send milliseconds ({}000 is {})", as_given, as_given,
                       FormatIsoUtc(epoch_ms * 1000));
}

//! SEMANTICS.md "Time and ranges": [start, end_exclusive), a date-only end covering its whole
//! day; nothing before 2017-07-01 or in the future; only closed bars.
Result<void> ReadRange(const json& body, int64_t now_ms, RunRequest& out) {
    auto start = ReadTime(body, "start", out.start);
    if (!start) return std::unexpected(start.error());
    auto end = ReadTime(body, "end", out.end);
    if (!end) return std::unexpected(end.error());
    const int64_t end_exclusive = end->date_only ? end->epoch_ms + kMillisPerDay : end->epoch_ms;
    if (start->epoch_ms < kEarliestStartMs) {
        return Invalid("start",
                       fmt::format("start {} is before 2017-07-01, where Binance spot history begins{}",
                                   FormatIsoUtc(start->epoch_ms), EpochSecondsHint(out.start, start->epoch_ms)),
                       "DATE_OUT_OF_BOUNDS");
    }
    if (start->epoch_ms > now_ms) {
        return Invalid("start", fmt::format("start {} is in the future", FormatIsoUtc(start->epoch_ms)),
                       "DATE_OUT_OF_BOUNDS");
    }
    if (end->epoch_ms > now_ms) {
        return Invalid("end", fmt::format("end {} is in the future", FormatIsoUtc(end->epoch_ms)),
                       "DATE_OUT_OF_BOUNDS");
    }
    if (start->epoch_ms >= end_exclusive) {
        return Invalid("end",
                       fmt::format("the range is empty: start {} is not before the exclusive end {}{}",
                                   FormatIsoUtc(start->epoch_ms), FormatIsoUtc(end_exclusive),
                                   EpochSecondsHint(out.end, end->epoch_ms)),
                       "INVALID_RANGE");
    }
    // A bar that is still forming is never traded: stop at the open of the current bar.
    const int64_t closed_end = std::min(end_exclusive, out.interval.AlignDown(now_ms));
    if (out.interval.CountOpenTimes(start->epoch_ms, closed_end) == 0) {
        return Invalid("end",
                       fmt::format("no closed {} bar opens between {} and {}", out.interval.Name(),
                                   FormatIsoUtc(start->epoch_ms), FormatIsoUtc(end_exclusive)),
                       "INVALID_RANGE");
    }
    const int64_t bars = out.interval.CountOpenTimes(start->epoch_ms, closed_end);
    if (bars > kMaxBarsPerRun) {
        return Invalid("end",
                       fmt::format("the range from start to end spans {} {} bars; a run may span at most {}", bars,
                                   out.interval.Name(), kMaxBarsPerRun),
                       "RANGE_TOO_LARGE");
    }
    out.range = {start->epoch_ms, closed_end};
    return {};
}

//! `intrabar`: a timeframe that divides the run's, over as many bars as a run may load.
Result<void> ReadIntrabar(const json& body, RunRequest& out) {
    const auto it = body.find("intrabar");
    if (it == body.end() || it->is_null()) return {};
    if (!it->is_string()) {
        return Invalid("intrabar",
                       fmt::format("intrabar must be a timeframe string such as \"1m\", got {}", TypeName(*it)),
                       "WRONG_TYPE");
    }
    const std::string name = it->get<std::string>();
    const std::optional<Interval> fine = Interval::Parse(name);
    if (!fine) {
        return Invalid("intrabar", fmt::format("intrabar '{}' is not a Binance interval", TruncateForEcho(name)),
                       "UNKNOWN_TIMEFRAME");
    }
    if (!fine->Divides(out.interval)) {
        std::vector<std::string_view> finer;
        for (const Interval& i : Interval::All()) {
            if (i.Divides(out.interval)) finer.push_back(i.Name());
        }
        return Invalid(
            "intrabar",
            fmt::format("intrabar '{}' must be a finer timeframe that divides the run's {} ({})", name,
                        out.interval.Name(), finer.empty() ? "none does" : fmt::format("{}", fmt::join(finer, ", "))),
            "OUT_OF_RANGE");
    }
    const int64_t fine_bars = fine->CountOpenTimes(out.range.start_ms, out.range.end_ms);
    if (fine_bars > kMaxBarsPerRun) {
        return Invalid("intrabar",
                       fmt::format("the range spans {} {} bars; intrabar may load at most {}: shorten the range or "
                                   "choose a coarser intrabar",
                                   fine_bars, fine->Name(), kMaxBarsPerRun),
                       "RANGE_TOO_LARGE");
    }
    out.intrabar = *fine;
    return {};
}

Result<void> ReadOptions(const json& body, RunRequest& out) {
    BacktestOptions& o = out.options;
    o.timeframe = out.interval;
    if (out.exchange == kFuturesExchange) o.fee_bps = kFuturesTakerFeeBps;
    if (auto ok = ReadNumber(body, "feeBps", 0, kMaxBps, false, o.fee_bps); !ok) return ok;
    if (auto ok = ReadNumber(body, "slippageBps", 0, kMaxBps, false, o.slippage_bps); !ok) return ok;
    if (auto ok = ReadNumber(body, "initialCash", kMinInitialCash, kMaxInitialCash, false, o.initial_cash); !ok)
        return ok;
    auto fill = ReadString(body, "fill", false);
    if (!fill) return std::unexpected(fill.error());
    if (*fill == "close") {
        o.fill = FillMode::kClose;
    } else if (*fill == "next_open" || !body.contains("fill")) {
        o.fill = FillMode::kNextOpen;
    } else {
        return Invalid("fill", fmt::format("fill '{}' must be next_open or close", TruncateForEcho(*fill)),
                       "OUT_OF_RANGE");
    }
    if (auto ok = ReadBool(body, "allowShort", o.allow_short); !ok) return ok;
    if (auto ok = ReadExitAndSizingOptions(body, o); !ok) return ok;
    if (auto ok = ReadIntrabar(body, out); !ok) return ok;
    if (auto ok = ReadFuturesOptions(body, out.exchange, out.symbol, o, out.futures); !ok) return ok;
    return ReadBool(body, "useCache", out.use_cache);
}

}  // namespace

bool IsValidSymbol(std::string_view symbol) {
    return !symbol.empty() && symbol.size() <= kMaxSymbolLength &&
           std::all_of(symbol.begin(), symbol.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); });
}

Result<void> ReadRunFields(const json& body, int64_t now_ms, RunRequest& out, const std::string* symbol) {
    if (symbol != nullptr) {
        out.symbol = *symbol;
    } else if (auto ok = ReadSymbol(body, out); !ok) {
        return ok;
    }
    if (auto ok = ReadExchangeAndTimeframe(body, out); !ok) return ok;
    if (auto ok = ReadRange(body, now_ms, out); !ok) return ok;
    return ReadOptions(body, out);
}

std::span<const std::string_view> RunRequestFields() {
    static const std::vector<std::string_view> fields = [] {
        std::vector<std::string_view> all(kOwnFields.begin(), kOwnFields.end());
        all.insert(all.end(), kExitAndSizingFields.begin(), kExitAndSizingFields.end());
        all.insert(all.end(), kFuturesFields.begin(), kFuturesFields.end());
        all.insert(all.end(), kWarmupFields.begin(), kWarmupFields.end());
        return all;
    }();
    return fields;
}

Result<RunRequest> ParseRunRequest(std::string_view body_text, int64_t now_ms) {
    auto body = ParseJsonObject(body_text, RunRequestFields());
    if (!body) return std::unexpected(body.error());
    RunRequest out;
    if (auto ok = ReadRunFields(*body, now_ms, out); !ok) return std::unexpected(ok.error());
    auto strategy = ReadStrategy(*body);
    if (!strategy) return std::unexpected(strategy.error());
    out.strategy = std::move(*strategy);
    if (auto ok = CheckHigherTimeframes(out.strategy, out.interval, "strategy"); !ok)
        return std::unexpected(ok.error());
    auto resolved = ResolveStrategyParams(out.strategy);
    if (!resolved) return std::unexpected(resolved.error());
    out.params = std::move(*resolved);
    if (auto ok = ReadBool(*body, "includeEquity", out.include_equity); !ok) return std::unexpected(ok.error());
    double warmup = 0;
    if (auto ok = ReadNumber(*body, "warmupBars", 0, kMaxWarmupBars, false, warmup); !ok)
        return std::unexpected(ok.error());
    if (warmup != std::trunc(warmup)) return Invalid("warmupBars", "warmupBars must be an integer", "WRONG_TYPE");
    out.warmup_bars = static_cast<size_t>(warmup);
    if (const auto it = body->find("warmup"); it != body->end()) {
        if (!it->is_string() || (*it != "strict" && *it != "best_effort")) {
            return Invalid("warmup", "warmup must be \"strict\" (the default) or \"best_effort\"", "OUT_OF_RANGE");
        }
        out.warmup_best_effort = *it == "best_effort";
    }
    return out;
}

}  // namespace spark::api
