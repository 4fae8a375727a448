// Engine throughput on real BTCUSDT 1h candles (2023-2024, 17,543 bars). Items = bars.
#include <benchmark/benchmark.h>

#include <vector>

#include "api/json/json_writer.h"
#include "engine/backtest.h"
#include "engine/intrabar_path.h"
#include "engine/margin.h"
#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/donchian.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/roc.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "indicators/wma.h"
#include "model/resample.h"
#include "rules/rule_definition.h"
#include "strategy/strategy_registry.h"
#include "support/bars.h"

namespace spark {
namespace {

const std::vector<Candle>& Bars() {
    static const std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    return bars;
}

const std::vector<double>& Closes() {
    static const std::vector<double> closes = [] {
        std::vector<double> out;
        for (const Candle& c : Bars()) out.push_back(c.close);
        return out;
    }();
    return closes;
}

void SetBars(benchmark::State& state) {
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Bars().size()));
}

//! A full run with the strategy's default parameters: signals, fills, equity, every metric.
void BM_Strategy(benchmark::State& state, const char* name, bool allow_short) {
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create(name, *registry.Resolve(name, {}));
    BacktestOptions options;
    options.allow_short = allow_short;
    for (auto _ : state) {
        auto result = RunBacktest(Bars(), *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    SetBars(state);
}
BENCHMARK_CAPTURE(BM_Strategy, sma_cross, "sma_cross", false);
BENCHMARK_CAPTURE(BM_Strategy, ema_cross, "ema_cross", false);
BENCHMARK_CAPTURE(BM_Strategy, macd_cross, "macd_cross", false);
BENCHMARK_CAPTURE(BM_Strategy, rsi_reversion, "rsi_reversion", false);
BENCHMARK_CAPTURE(BM_Strategy, bollinger_reversion, "bollinger_reversion", false);
BENCHMARK_CAPTURE(BM_Strategy, donchian_breakout, "donchian_breakout", false);
BENCHMARK_CAPTURE(BM_Strategy, buy_and_hold, "buy_and_hold", false);
BENCHMARK_CAPTURE(BM_Strategy, sma_cross_long_short, "sma_cross", true);

void BM_SmaCrossWithStops(benchmark::State& state) {
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create("sma_cross", *registry.Resolve("sma_cross", {}));
    BacktestOptions options;
    options.stop_loss_pct = 0.02;
    options.take_profit_pct = 0.05;
    for (auto _ : state) {
        auto result = RunBacktest(Bars(), *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    SetBars(state);
}
BENCHMARK(BM_SmaCrossWithStops);

//! Trailing ATR stop, ATR target and risk sizing over the two years: the per-bar exit work.
void BM_EmaCrossTrailingAtrRiskSized(benchmark::State& state) {
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create("ema_cross", *registry.Resolve("ema_cross", {}));
    BacktestOptions options;
    options.allow_short = true;
    options.trailing_stop_atr = AtrDistance{.period = 14, .multiple = 3};
    options.take_profit_atr = AtrDistance{.period = 14, .multiple = 6};
    options.sizing = {SizingMode::kRisk, 0.01};
    for (auto _ : state) {
        auto result = RunBacktest(Bars(), *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    SetBars(state);
}
BENCHMARK(BM_EmaCrossTrailingAtrRiskSized);

//! A year of hourly bars (2024) as a USD-M perpetual at 10x with funding every 8 hours (rates
//! alternating around 0.01 %), sma_cross long-short: the per-bar liquidation check and the
//! settlements. The spot run over the same year is the baseline beside it.
void BM_PerpetualYear(benchmark::State& state, bool futures) {
    static const std::vector<Candle> year = [] {
        std::vector<Candle> out;
        for (const Candle& c : Bars()) {
            if (c.open_time_ms >= 1704067200000) out.push_back(c);  // 2024-01-01
        }
        return out;
    }();
    static const std::vector<FundingRate> funding = [] {
        std::vector<FundingRate> out;
        for (const Candle& c : year) {
            if (c.open_time_ms % (8 * kMillisPerHour) != 0) continue;
            const double rate = out.size() % 3 == 2 ? -0.00005 : 0.0001;
            out.push_back({c.open_time_ms, rate, c.open});
        }
        return out;
    }();
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create("sma_cross", *registry.Resolve("sma_cross", {}));
    BacktestOptions options;
    options.allow_short = true;
    options.timeframe = Interval::Parse("1h");
    if (futures) {
        options.fee_bps = 5;
        options.futures = FuturesTerms{.leverage = 10,
                                       .tiers = BinanceMaintenanceTiers("BTCUSDT"),
                                       .maintenance_rate = std::nullopt,
                                       .funding = funding};
    }
    for (auto _ : state) {
        auto result = RunBacktest(year, *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(year.size()));
}
BENCHMARK_CAPTURE(BM_PerpetualYear, spot, false);
BENCHMARK_CAPTURE(BM_PerpetualYear, futures_10x_funding, true);

//! `intrabar: "1m"` over the bundled three weeks (500 hours, 30,000 minutes): ema_cross 5/20
//! long-short with a 0.4 % stop, 0.6 % target and 1 % trail resolved minute by minute. Items =
//! hourly bars; the same run on the hours alone is the baseline beside it.
void BM_IntrabarMinutes(benchmark::State& state, bool intrabar) {
    static const std::vector<Candle> minutes = testing::LoadSampleBars("BTCUSDT-1m", *Interval::Parse("1m"));
    static const std::vector<Candle> hours = [] {
        std::vector<Candle> out;
        for (const Candle& c : Bars()) {
            if (c.open_time_ms >= minutes.front().open_time_ms && c.open_time_ms <= minutes.back().open_time_ms)
                out.push_back(c);
        }
        return out;
    }();
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create("ema_cross", *registry.Resolve("ema_cross", {{"fast", 5}, {"slow", 20}}));
    const IntrabarPath path(minutes, *Interval::Parse("1h"), *Interval::Parse("1m"));
    BacktestOptions options;
    options.allow_short = true;
    options.stop_loss_pct = 0.004;
    options.take_profit_pct = 0.006;
    options.trailing_stop_pct = 0.01;
    if (intrabar) options.intrabar = &path;
    for (auto _ : state) {
        auto result = RunBacktest(hours, *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(hours.size()));
}
BENCHMARK_CAPTURE(BM_IntrabarMinutes, hours_alone, false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_IntrabarMinutes, intrabar_1m, true)->Unit(benchmark::kMicrosecond);

//! The rules twin of sma_cross 10/30, compiled once, in the same full run as BM_Strategy.
void BM_RulesTwinSmaCross(benchmark::State& state) {
    const auto made = rules::MakeRulesStrategy(*rules::TwinOf("sma_cross"));
    const auto strategy = made->definition->create({{"fast", 10}, {"slow", 30}});
    for (auto _ : state) {
        auto result = RunBacktest(Bars(), *strategy, BacktestOptions{}, 8760);
        benchmark::DoNotOptimize(result);
    }
    SetBars(state);
}
BENCHMARK(BM_RulesTwinSmaCross);

//! The same crossover gated by a higher-timeframe filter: each run aggregates the 4h bars (once
//! per context) and evaluates the filter's own program on them.
void BM_RulesHtfTrendFilter(benchmark::State& state) {
    const auto made = rules::MakeRulesStrategy(
        {.entry = "crossover(sma(close, 10), sma(close, 30)) and close > htf(\"4h\", sma(close, 50))",
         .exit = "crossunder(sma(close, 10), sma(close, 30))"});
    const auto strategy = made->definition->create({});
    BacktestOptions options;
    options.timeframe = *Interval::Parse("1h");
    for (auto _ : state) {
        auto result = RunBacktest(Bars(), *strategy, options, 8760);
        benchmark::DoNotOptimize(result);
    }
    SetBars(state);
}
BENCHMARK(BM_RulesHtfTrendFilter);

//! A 500-combination grid (fast 1-25 x slow 26-45) of sma_cross, built-in or rules twin, on one
//! shared SeriesContext as the optimizer runs it (one thread); items = bars x combinations.
void RunGrid(benchmark::State& state, const StrategyDefinition& definition) {
    std::vector<std::unique_ptr<Strategy>> strategies;
    for (double fast = 1; fast <= 25; ++fast) {
        for (double slow = 26; slow <= 45; ++slow)
            strategies.push_back(definition.create({{"fast", fast}, {"slow", slow}}));
    }
    BacktestWorkspace workspace;
    for (auto _ : state) {
        const SeriesContext context(Bars());  // fresh: every distinct indicator is computed again
        for (const auto& strategy : strategies) {
            RunBacktest(context, *strategy, BacktestOptions{}, 8760, workspace, 0);
            benchmark::DoNotOptimize(workspace.result.metrics);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Bars().size() * strategies.size()));
}
void BM_Grid500BuiltInSmaCross(benchmark::State& state) {
    RunGrid(state, *StrategyRegistry::BuiltIn().Find("sma_cross"));
}
BENCHMARK(BM_Grid500BuiltInSmaCross)->Unit(benchmark::kMillisecond);
void BM_Grid500RulesSmaCross(benchmark::State& state) {
    const auto made = rules::MakeRulesStrategy(*rules::TwinOf("sma_cross"));
    RunGrid(state, *made->definition);
}
BENCHMARK(BM_Grid500RulesSmaCross)->Unit(benchmark::kMillisecond);

//! Parsing, checking and compiling a strategy of 50 nodes (a request's whole cost before bars).
void BM_RulesParseCompile50Nodes(benchmark::State& state) {
    const rules::RuleSource source{
        .params = {{"fast", 10}, {"slow", 30}, {"rsiMax", 70}},
        .lets = {{"f", "ema(close, $fast)"}, {"s", "ema(close, $slow)"}},
        .entry =
            "crossover(f, s) and rsi(close, 14) < $rsiMax and close > sma(close, 200) and volume > sma(volume, 20)",
        .exit = "crossunder(f, s) or close < lowest(low, 10)[1] - 2 * atr(14)",
        .entry_short = "crossunder(f, s) and rsi(close, 14) > 100 - $rsiMax",
        .exit_short = "crossover(f, s)"};
    for (auto _ : state) {
        auto made = rules::MakeRulesStrategy(source);
        auto strategy = made->definition->create({{"fast", 10}, {"slow", 30}, {"rsiMax", 70}});
        benchmark::DoNotOptimize(strategy);
    }
}
BENCHMARK(BM_RulesParseCompile50Nodes)->Unit(benchmark::kMicrosecond);

//! Resampling: the two years of 1h bars to 1d (items = 1h bars read), and the bundled 30,000
//! minutes to 1h.
void BM_Resample1hTo1d(benchmark::State& state) {
    const Interval day = *Interval::Parse("1d");
    for (auto _ : state) benchmark::DoNotOptimize(Resample(Bars(), day));
    SetBars(state);
}
BENCHMARK(BM_Resample1hTo1d)->Unit(benchmark::kMicrosecond);
void BM_Resample1mTo1h(benchmark::State& state) {
    static const std::vector<Candle> minutes = testing::LoadSampleBars("BTCUSDT-1m", *Interval::Parse("1m"));
    const Interval hour = *Interval::Parse("1h");
    for (auto _ : state) benchmark::DoNotOptimize(Resample(minutes, hour));
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(minutes.size()));
}
BENCHMARK(BM_Resample1mTo1h)->Unit(benchmark::kMicrosecond);

//! One indicator over the closes (or the bars); items = bars.
template <typename Fn>
void RunIndicator(benchmark::State& state, Fn&& compute) {
    for (auto _ : state) compute();
    SetBars(state);
}

void BM_Sma30(benchmark::State& state) {
    std::vector<double> out(Closes().size());
    RunIndicator(state, [&] { indicators::ComputeSma(Closes(), 30, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Sma30);

void BM_Ema26(benchmark::State& state) {
    std::vector<double> out(Closes().size());
    RunIndicator(state, [&] { indicators::ComputeEma(Closes(), 26, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Ema26);

void BM_Wma20(benchmark::State& state) {
    std::vector<double> out(Closes().size());
    RunIndicator(state, [&] { indicators::ComputeWma(Closes(), 20, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Wma20);

void BM_Rsi14(benchmark::State& state) {
    std::vector<double> out(Closes().size());
    RunIndicator(state, [&] { indicators::ComputeRsi(Closes(), 14, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Rsi14);

void BM_Macd12_26_9(benchmark::State& state) {
    const size_t n = Closes().size();
    std::vector<double> line(n), signal(n), histogram(n);
    RunIndicator(state, [&] {
        indicators::ComputeMacd(Closes(), 12, 26, 9, line, signal, histogram);
        benchmark::DoNotOptimize(histogram.data());
    });
}
BENCHMARK(BM_Macd12_26_9);

void BM_Bollinger20(benchmark::State& state) {
    const size_t n = Closes().size();
    std::vector<double> lower(n), middle(n), upper(n);
    RunIndicator(state, [&] {
        indicators::ComputeBollinger(Closes(), 20, 2, lower, middle, upper);
        benchmark::DoNotOptimize(upper.data());
    });
}
BENCHMARK(BM_Bollinger20);

void BM_Atr14(benchmark::State& state) {
    std::vector<double> out(Bars().size());
    RunIndicator(state, [&] { indicators::ComputeAtr(Bars(), 14, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Atr14);

void BM_Donchian20(benchmark::State& state) {
    std::vector<double> lower(Bars().size()), upper(Bars().size());
    RunIndicator(state, [&] {
        indicators::ComputeDonchian(Bars(), 20, lower, upper);
        benchmark::DoNotOptimize(upper.data());
    });
}
BENCHMARK(BM_Donchian20);

void BM_Roc12(benchmark::State& state) {
    std::vector<double> out(Closes().size());
    RunIndicator(state, [&] { indicators::ComputeRoc(Closes(), 12, out), benchmark::DoNotOptimize(out.data()); });
}
BENCHMARK(BM_Roc12);

//! Writing an equity curve of 5,000 points as JSON (the bulk of a /backtest/run answer).
void BM_EquityJson5000(benchmark::State& state) {
    const auto& bars = Bars();
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto strategy = registry.Create("sma_cross", *registry.Resolve("sma_cross", {}));
    auto result = RunBacktest(bars, *strategy, BacktestOptions{}, 8760);
    for (auto _ : state) {
        api::JsonWriter json(5000 * 40);
        json.BeginArray();
        for (size_t t = 0; t < 5000; ++t)
            json.BeginArray().Integer(bars[t].open_time_ms).Number(result->equity[t]).EndArray();
        json.EndArray();
        benchmark::DoNotOptimize(json.str().data());
    }
    state.SetItemsProcessed(state.iterations() * 5000);
}
BENCHMARK(BM_EquityJson5000);

}  // namespace
}  // namespace spark

BENCHMARK_MAIN();
