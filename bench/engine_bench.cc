// Engine throughput on real BTCUSDT 1h candles (2023-2024, 17,543 bars). Items = bars.
#include <benchmark/benchmark.h>

#include <vector>

#include "analysis/performance_report.h"
#include "api/json_writer.h"
#include "engine/backtest.h"
#include "indicators/sma.h"
#include "strategy/buy_and_hold.h"
#include "strategy/sma_cross.h"
#include "support/bars.h"

namespace spark {
namespace {

const std::vector<Candle>& Bars() {
    static const std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    return bars;
}

void RunStrategy(benchmark::State& state, const Strategy& strategy) {
    const auto& bars = Bars();
    for (auto _ : state) {
        auto result = RunBacktest(bars, strategy, BacktestOptions{}, 8760);
        benchmark::DoNotOptimize(result);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(bars.size()));
}

//! A full run: signals, simulation, equity curve and every metric.
void BM_RunBacktest_SmaCross(benchmark::State& state) {
    RunStrategy(state, SmaCross(static_cast<size_t>(state.range(0)), static_cast<size_t>(state.range(1))));
}
BENCHMARK(BM_RunBacktest_SmaCross)->Args({10, 30})->Args({50, 200});

void BM_RunBacktest_BuyAndHold(benchmark::State& state) { RunStrategy(state, BuyAndHold()); }
BENCHMARK(BM_RunBacktest_BuyAndHold);

void BM_SmaCrossSignals(benchmark::State& state) {
    const auto& bars = Bars();
    std::vector<Signal> signals(bars.size());
    const SmaCross strategy(10, 30);
    for (auto _ : state) {
        strategy.GenerateSignals(bars, signals);
        benchmark::DoNotOptimize(signals.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(bars.size()));
}
BENCHMARK(BM_SmaCrossSignals);

void BM_Sma(benchmark::State& state) {
    std::vector<double> closes;
    for (const Candle& c : Bars()) closes.push_back(c.close);
    std::vector<double> out(closes.size());
    for (auto _ : state) {
        indicators::ComputeSma(closes, 30, out);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(closes.size()));
}
BENCHMARK(BM_Sma);

//! Writing an equity curve of 5,000 points as JSON (the bulk of a /backtest/run answer).
void BM_EquityJson5000(benchmark::State& state) {
    const auto& bars = Bars();
    auto result = RunBacktest(bars, SmaCross(10, 30), BacktestOptions{}, 8760);
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
