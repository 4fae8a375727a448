#include "api/result_json.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "common/time_format.h"
#include "research/option_axes.h"

namespace spark::api {

std::string_view ExitReasonName(ExitReason reason) {
    switch (reason) {
        case ExitReason::kSignal:
            return "signal";
        case ExitReason::kStopLoss:
            return "stop_loss";
        case ExitReason::kTrailingStop:
            return "trailing_stop";
        case ExitReason::kTime:
            return "time";
        case ExitReason::kTakeProfit:
            return "take_profit";
        case ExitReason::kLiquidation:
            return "liquidation";
        case ExitReason::kEnd:
            return "end";
    }
    return "signal";
}

namespace {

void WriteAtrDistance(JsonWriter& json, std::string_view key, const std::optional<AtrDistance>& atr) {
    json.Key(key);
    if (!atr) {
        json.Null();
        return;
    }
    json.BeginObject().Field("period", static_cast<int64_t>(atr->period)).Field("multiple", atr->multiple).EndObject();
}

void WriteSizing(JsonWriter& json, const Sizing& sizing) {
    json.Key("sizing").BeginObject();
    json.Field("mode", SizingModeName(sizing.mode)).Field("value", sizing.value);
    json.EndObject();
}

//! Stops, targets, time exit and sizing, as the request gave them or their defaults.
void WriteExitOptions(JsonWriter& json, const BacktestOptions& o) {
    WriteSizing(json, o.sizing);
    json.Field("stopLossPct", o.stop_loss_pct).Field("takeProfitPct", o.take_profit_pct);
    WriteAtrDistance(json, "stopLossAtr", o.stop_loss_atr);
    WriteAtrDistance(json, "takeProfitAtr", o.take_profit_atr);
    json.Field("trailingStopPct", o.trailing_stop_pct);
    WriteAtrDistance(json, "trailingStopAtr", o.trailing_stop_atr);
    json.Field("maxBarsInTrade", o.max_bars_in_trade);
}

void WriteIntrabarName(JsonWriter& json, const RunRequest& r) {
    json.Key("intrabar");
    if (r.intrabar) {
        json.String(r.intrabar->Name());
    } else {
        json.Null();
    }
}

//! `positionSize` stays in answers for clients that read it: the fraction, or null when the
//! sizing is another mode.
std::optional<double> PositionSize(const Sizing& sizing) {
    if (sizing.mode != SizingMode::kFraction) return std::nullopt;
    return sizing.value;
}

//! The futures rules in force (docs/futures.md), for the semantics block.
void WriteFuturesSemantics(JsonWriter& json, const RunRequest& r) {
    const FuturesTerms& f = *r.options.futures;
    json.Key("futures").BeginObject();
    json.Field("margin",
               fmt::format("isolated, one position at a time: notional = committed equity x leverage {} (committed = "
                           "margin + entry fee), margin = notional / leverage; equity = cash + position marked at "
                           "the close, so returns and drawdowns are the account's",
                           f.leverage));
    json.Field("maintenance",
               f.maintenance_rate
                   ? fmt::format("the request's maintenanceMarginRate {} for every notional, no "
                                 "maintenance amount",
                                 *f.maintenance_rate)
                   : std::string("Binance's leverage and margin tiers for the symbol, the tier chosen by "
                                 "the entry notional (docs/futures.md)"));
    json.Field("liquidation",
               "long at (qty x entry - margin - amount) / (qty x (1 - rate)), short at (qty x entry + margin + "
               "amount) / (qty x (1 + rate)); reached when a bar (or finer bar, with intrabar) opens beyond it or its "
               "adverse extreme reaches it before a tighter stop; the whole isolated margin is lost, exit price = "
               "the liquidation price");
    json.Field("funding",
               r.futures.funding
                   ? "at each settlement time in Binance's history: a long pays qty x mark price x rate, a short "
                     "receives it (negative rates the other way); the row's mark price, else the last close at or "
                     "before it; a settlement at a bar's open is paid by the position held through the previous "
                     "close, one inside a bar by the position at its close; funding moves the isolated margin"
                   : "not applied: the request sent funding false");
    json.EndObject();
}

}  // namespace

void WriteRunFields(JsonWriter& json, const RunRequest& r, bool with_symbol) {
    json.Field("exchange", r.exchange);
    if (with_symbol) json.Field("symbol", r.symbol);
    json.Field("timeframe", r.interval.Name());
    json.Field("start", r.start).Field("end", r.end);
    json.Field("startTime", r.range.start_ms).Field("endTimeExclusive", r.range.end_ms);
    json.Field("useCache", r.use_cache);
    json.Field("feeBps", r.options.fee_bps).Field("slippageBps", r.options.slippage_bps);
    json.Field("initialCash", r.options.initial_cash).Field("positionSize", PositionSize(r.options.sizing));
    json.Field("fill", FillModeName(r.options.fill)).Field("allowShort", r.options.allow_short);
    WriteExitOptions(json, r.options);
    WriteIntrabarName(json, r);
    if (r.options.futures) {
        json.Field("leverage", r.options.futures->leverage);
        json.Field("maintenanceMarginRate", r.options.futures->maintenance_rate);
        json.Field("funding", r.futures.funding);
    }
}

void WriteSemantics(JsonWriter& json, const RunRequest& r) {
    json.Key("semantics").BeginObject();
    json.Field("version", "v1");
    json.Field("fill", FillModeName(r.options.fill));
    json.Field("feeBps", r.options.fee_bps).Field("slippageBps", r.options.slippage_bps);
    json.Field("positionSize", PositionSize(r.options.sizing));
    json.Field("periodsPerYear", r.interval.PeriodsPerYear());
    json.Field("range", "[startTime, endTimeExclusive) over bar open times, UTC, closed bars only");
    json.Field("sides", r.options.allow_short ? "long-short" : "long-only");
    WriteExitOptions(json, r.options);
    WriteIntrabarName(json, r);
    if (r.intrabar) {
        json.Field("intrabarExits",
                   fmt::format("resolved on the {} bars inside each bar, in time order: the first to reach a level "
                               "decides, at its open if it opens beyond it, else at the level; a bar missing some "
                               "of them is resolved on its own prices",
                               r.intrabar->Name()));
    } else {
        json.Field("intrabarExits",
                   "a bar opening beyond a level fills at the open; both levels in one bar: stop-loss first");
    }
    json.Field("exitOrder",
               "per bar: open beyond the stop in force (the tighter of the fixed and trailing stops), then open "
               "beyond the target, then the range reaching the stop, then the target, then maxBarsInTrade at "
               "the close; the trail takes in a bar's best price only after that bar (with intrabar, all of this "
               "but the time exit runs per finer bar; docs/strategies.md)");
    if (r.options.stop_loss_atr || r.options.take_profit_atr || r.options.trailing_stop_atr) {
        json.Field("atr",
                   "Wilder's ATR over all loaded bars; fixed levels use the ATR at the entry decision's close, the "
                   "trail the ATR at the previous bar's close");
    }
    if (r.strategy.IsRules() && !r.strategy.rules->timeframes.empty()) {
        json.Field("higherTimeframes",
                   fmt::format("htf({}) values: built from the run's own bars as Binance aggregates them (a first "
                               "bucket the bars start inside of left out), read as of the last higher bar closed by "
                               "each bar's close, never the forming one",
                               fmt::join(r.strategy.rules->timeframes, ", ")));
    }
    if (r.strategy.SetsLevels()) {
        json.Field("ruleLevels",
                   "the rules' stopLoss / takeProfit prices, read at the entry decision's close, used when beyond the "
                   "fill on the trade's side");
    }
    if (r.options.sizing.mode == SizingMode::kRisk) {
        json.Field("riskSizing",
                   "quantity = min(value x equity / |fill - stop in force at entry|, all equity); no position when "
                   "that stop does not exist yet or is not beyond the fill price");
    }
    if (r.options.futures) WriteFuturesSemantics(json, r);
    json.Field("riskFreeRate", 0);
    json.Field("openPositionAtEnd", "marked to market at the last close, listed as a trade with open: true");
    json.EndObject();
}

void WriteBars(JsonWriter& json, const LoadedBars& b) {
    json.Key("bars").BeginObject();
    json.Field("count", static_cast<int64_t>(b.bars.size())).Field("expected", b.expected).Field("missing", b.missing);
    json.Key("missingOpenTimes").BeginArray();
    for (const int64_t t : b.missing_sample) json.Integer(t);
    json.EndArray();
    json.Field("source", BarSourceName(b.source)).Key("resampledFrom");
    if (b.resampled_from.empty()) {
        json.Null();
    } else {
        json.String(b.resampled_from);
    }
    json.Field("cacheHit", b.cache_hit);
    json.Field("fetched", b.fetched).Field("upstreamRequests", b.upstream_requests);
    json.Key("uncoveredRanges").BeginArray();
    for (const TimeRange& r : b.uncovered) json.BeginArray().Integer(r.start_ms).Integer(r.end_ms).EndArray();
    json.EndArray();
    json.Field("firstOpenTime", b.bars.front().open_time_ms).Field("lastOpenTime", b.bars.back().open_time_ms);
    json.EndObject();
}

void WriteIntrabar(JsonWriter& json, const IntrabarBars* intrabar) {
    json.Key("intrabar");
    if (intrabar == nullptr) {
        json.Null();
        return;
    }
    const LoadedBars& b = intrabar->loaded;
    json.BeginObject().Field("timeframe", intrabar->timeframe);
    json.Field("count", static_cast<int64_t>(b.bars.size())).Field("expected", b.expected).Field("missing", b.missing);
    json.Field("source", BarSourceName(b.source)).Field("cacheHit", b.cache_hit);
    json.Field("incompleteBars", intrabar->incomplete_bars);
    json.EndObject();
}

void WriteMetrics(JsonWriter& json, const analysis::Metrics& m, std::string_view key, bool futures) {
    json.Key(key).BeginObject();
    json.Field("totalReturn", m.total_return).Field("finalEquity", m.final_equity).Field("cagr", m.cagr);
    json.Field("sharpe", m.sharpe).Field("sortino", m.sortino).Field("calmar", m.calmar);
    json.Field("volatility", m.volatility).Field("maxDrawdown", m.max_drawdown);
    json.Field("maxDrawdownDurationBars", m.max_drawdown_duration_bars);
    json.Field("numTrades", m.num_trades).Field("winRate", m.win_rate).Field("profitFactor", m.profit_factor);
    json.Field("avgTradeReturn", m.avg_trade_return)
        .Field("bestTrade", m.best_trade)
        .Field("worstTrade", m.worst_trade);
    json.Field("exposure", m.exposure).Field("totalFees", m.total_fees);
    if (futures) json.Field("totalFunding", m.total_funding);
    json.Field("buyAndHoldReturn", m.buy_and_hold_return);
    json.EndObject();
}

void WriteWarnings(JsonWriter& json, const Warnings& warnings) {
    json.Key("warnings").BeginArray();
    for (const Warning& w : warnings) json.BeginObject().Field("code", w.code).Field("message", w.message).EndObject();
    json.EndArray();
}

size_t LongestLookback(const StrategyDefinition* definition, const std::vector<ParamValues>& bindings) {
    size_t longest = 0;
    if (definition == nullptr) return longest;
    for (const ParamValues& values : bindings) {
        if (const auto strategy = definition->create(research::StrategyParamsOf(values)))
            longest = std::max(longest, strategy->LookbackBars());
    }
    return longest;
}

void WriteStrategyAndWarnings(JsonWriter& json, std::string_view name, size_t lookback_bars, size_t bars,
                              size_t warmup_bars, Warnings warnings) {
    json.Key("strategy").BeginObject().Field("name", name).Field("lookbackBars", lookback_bars).EndObject();
    if (warmup_bars + bars <= lookback_bars) warnings.push_back(LookbackWarning(lookback_bars, warmup_bars, bars));
    WriteWarnings(json, warnings);
}

Warning LookbackWarning(size_t lookback_bars, size_t warmup_bars, size_t bars) {
    return {"LOOKBACK_EXCEEDS_RANGE",
            fmt::format("the strategy needs {} bars before its first possible entry, but the run has {} ({} in the "
                        "range, {} of warm-up): it cannot trade; widen the range or add warmupBars",
                        lookback_bars, warmup_bars + bars, bars, warmup_bars)};
}

Warnings BarWarnings(const LoadedBars& bars, const Interval& interval, std::string_view symbol) {
    Warnings out;
    const std::string who = symbol.empty() ? std::string() : fmt::format("{}: ", symbol);
    if (!bars.resampled_from.empty()) {
        out.push_back(
            {"RESAMPLED", fmt::format("{}the cache holds no {} bars for the range: they were built from its {} bars, "
                                      "aggregated as Binance builds its own (docs/semantics.md, resampled bars)",
                                      who, interval.Name(), bars.resampled_from)});
    }
    int64_t never_loaded = 0;
    for (const TimeRange& r : bars.uncovered) never_loaded += interval.CountOpenTimes(r.start_ms, r.end_ms);
    if (never_loaded > 0) {
        out.push_back({"RANGE_NOT_LOADED",
                       fmt::format("{}{} of the range's {} bars were never loaded (first from {}) and no upstream is "
                                   "configured to fetch them: the result stands on the {} cached bars only; import "
                                   "the missing bars or configure BINANCE_BASE_URL",
                                   who, never_loaded, bars.expected, FormatIsoUtc(bars.uncovered.front().start_ms),
                                   bars.bars.size())});
    }
    const int64_t gaps = bars.missing - never_loaded;
    if (gaps > 0) {
        const auto unloaded = [&](int64_t t) {
            return std::any_of(bars.uncovered.begin(), bars.uncovered.end(),
                               [t](const TimeRange& r) { return r.Contains(t); });
        };
        const auto first = std::find_if_not(bars.missing_sample.begin(), bars.missing_sample.end(), unloaded);
        out.push_back(
            {"BARS_MISSING",
             fmt::format(
                 "{}{} of the range's {} bars do not exist on the exchange (gaps in its data{}); "
                 "indicators skip them and open positions are held across them",
                 who, gaps, bars.expected,
                 first == bars.missing_sample.end() ? "" : fmt::format(", the first at {}", FormatIsoUtc(*first)))});
    }
    return out;
}

void WriteTrades(JsonWriter& json, const std::vector<Trade>& trades, bool futures) {
    json.Key("trades").BeginArray();
    for (const Trade& t : trades) {
        json.BeginObject();
        json.Field("side", t.side == Side::kLong ? "long" : "short");
        json.Field("entryTime", t.entry_time_ms).Field("entryBar", t.entry_bar).Field("entryPrice", t.entry_price);
        json.Field("exitTime", t.exit_time_ms).Field("exitBar", t.exit_bar).Field("exitPrice", t.exit_price);
        json.Field("quantity", t.quantity).Field("fees", t.fees).Field("pnl", t.pnl);
        if (futures) {
            json.Field("funding", t.funding);
            json.Field("liquidationPrice",
                       t.liquidation_price > 0 ? std::optional<double>(t.liquidation_price) : std::nullopt);
        }
        json.Field("return", t.return_fraction).Field("open", t.open);
        json.Field("exitReason", ExitReasonName(t.exit_reason));
        json.EndObject();
    }
    json.EndArray();
}

}  // namespace spark::api
