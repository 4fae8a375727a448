#include "research/walk_forward_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace spark::research {

StitchedOutOfSample StitchOutOfSample(const WalkForwardOutcome& outcome, std::span<const Candle> bars,
                                      double initial_cash, double periods_per_year) {
    StitchedOutOfSample s;
    std::vector<Candle> stitched_bars;
    int64_t bars_in_market = 0;
    double fees = 0;
    double funding = 0;
    double running = initial_cash;
    for (const FoldOutcome& fold : outcome.folds) {
        const size_t begin = fold.window.in_sample_end;
        const size_t end = fold.window.out_of_sample_end;
        stitched_bars.insert(stitched_bars.end(), bars.begin() + static_cast<std::ptrdiff_t>(begin),
                             bars.begin() + static_cast<std::ptrdiff_t>(end));
        for (size_t t = begin; t < end; ++t) s.times.push_back(bars[t].open_time_ms);
        if (!fold.out_of_sample) {
            s.equity.insert(s.equity.end(), end - begin, running);  // nothing chosen: stay in cash
            continue;
        }
        const BacktestResult& r = *fold.out_of_sample;
        const double scale = running / initial_cash;
        for (const double e : r.equity) s.equity.push_back(e * scale);
        running = s.equity.back();
        s.trades.insert(s.trades.end(), r.trades.begin(), r.trades.end());
        bars_in_market += static_cast<int64_t>(std::llround(r.metrics.exposure * static_cast<double>(r.equity.size())));
        fees += r.metrics.total_fees * scale;
        funding += r.metrics.total_funding * scale;
    }
    s.metrics = analysis::ComputeMetrics({.equity = s.equity,
                                          .trades = s.trades,
                                          .bars = stitched_bars,
                                          .initial_cash = initial_cash,
                                          .periods_per_year = periods_per_year,
                                          .bars_in_market = bars_in_market,
                                          .total_fees = fees,
                                          .total_funding = funding});
    return s;
}

WalkForwardVerdict JudgeWalkForward(const WalkForwardOutcome& outcome, double out_of_sample_cagr, double threshold) {
    WalkForwardVerdict v;
    v.threshold = threshold;
    v.out_of_sample_cagr = out_of_sample_cagr;
    v.folds = outcome.folds.size();
    double in_sample_sum = 0;
    int64_t chosen = 0;
    for (const FoldOutcome& fold : outcome.folds) {
        if (!fold.best || !fold.in_sample || !fold.out_of_sample) continue;
        ++chosen;
        in_sample_sum += fold.in_sample->cagr;
        v.folds_at_or_above += fold.efficiency && *fold.efficiency >= threshold ? 1 : 0;
    }
    if (chosen > 0) v.in_sample_cagr = in_sample_sum / static_cast<double>(chosen);
    v.efficiency = v.in_sample_cagr ? WalkForwardEfficiency(*v.in_sample_cagr, out_of_sample_cagr) : std::nullopt;
    v.pass = v.efficiency && *v.efficiency >= threshold;
    if (!v.in_sample_cagr) {
        v.reason = "no fold produced a ranked in-sample result, so there is nothing to judge";
    } else if (!v.efficiency) {
        v.reason = fmt::format(
            "the mean in-sample annualised return ({:.4f}) is not positive: the optimisation found nothing worth "
            "carrying out of sample, so the efficiency is undefined and the strategy fails",
            *v.in_sample_cagr);
    } else {
        v.reason = fmt::format(
            "out of sample the strategy earned {:.4f} a year against {:.4f} in sample: an efficiency of {:.4f}, {} the "
            "threshold {:.4f}",
            out_of_sample_cagr, *v.in_sample_cagr, *v.efficiency, v.pass ? "at or above" : "below", threshold);
    }
    return v;
}

Stability ParameterStabilityOf(const WalkForwardOutcome& outcome, const std::vector<ParamValues>& combinations) {
    std::map<std::string, std::vector<double>> values;
    std::map<size_t, int64_t> chosen;  // combination → folds that chose it
    for (const FoldOutcome& fold : outcome.folds) {
        if (!fold.best) continue;
        ++chosen[*fold.best];
        for (const auto& [name, value] : combinations[*fold.best]) values[name].push_back(value);
    }
    Stability out;
    for (auto& [name, series] : values) {
        ParameterStability p{.name = name, .by_fold = std::move(series)};
        double sum = 0;
        for (const double v : p.by_fold) sum += v;
        p.mean = sum / static_cast<double>(p.by_fold.size());
        double squares = 0;
        for (const double v : p.by_fold) squares += (v - p.mean) * (v - p.mean);
        p.stdev = p.by_fold.size() > 1 ? std::sqrt(squares / static_cast<double>(p.by_fold.size() - 1)) : 0;
        p.coefficient_of_variation = p.mean != 0 ? p.stdev / std::abs(p.mean) : 0.0;
        std::vector<double> distinct = p.by_fold;
        std::sort(distinct.begin(), distinct.end());
        p.distinct = static_cast<size_t>(std::unique(distinct.begin(), distinct.end()) - distinct.begin());
        out.params.push_back(std::move(p));
    }
    // Most folds first, then the earlier combination: deterministic.
    for (const auto& [combination, folds] : chosen) {
        if (!out.most_chosen || folds > out.most_chosen_folds) {
            out.most_chosen = combination;
            out.most_chosen_folds = folds;
        }
    }
    return out;
}

}  // namespace spark::research
