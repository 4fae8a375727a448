#include "research/portfolio.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/interval.h"
#include "common/time_format.h"
#include "engine/simulation.h"

namespace spark::research {
namespace {

constexpr double kBasisPoint = 1e-4;
//! 1970-01-01 was a Thursday: weeks counted from the first Monday, 1970-01-05.
constexpr int64_t kFirstMondayMs = 4 * kMillisPerDay;

int64_t MonthIndex(int64_t t) {
    const CivilDate d = CivilFromDays(FloorDiv(t, kMillisPerDay));
    return d.year * 12 + static_cast<int64_t>(d.month);
}

//! One sleeve while the portfolio runs.
struct Sleeve {
    const PortfolioAsset* asset = nullptr;
    BacktestOptions options;
    std::vector<Signal> signals;
    LevelBuffers levels;  //!< the strategy's own prices, as in BacktestWorkspace
    std::vector<Trade> trades;
    std::unique_ptr<SeriesContext> context;  //!< the ATRs of ATR-based exits
    std::unique_ptr<Simulation> simulation;
    size_t next = 0;    //!< next bar of the asset to step
    double equity = 0;  //!< at the last close, after any rebalancing (or the starting capital)
    double initial = 0;
    double flows = 0;  //!< capital moved in (+) or out (−) by rebalancing
    double index = 0;  //!< time-weighted value: flows removed
    std::vector<double> index_curve;
    std::vector<double> equity_curve;
    int64_t in_market = 0;  //!< timeline bars closed with a position
};

std::optional<double> Correlation(const std::vector<double>& a, const std::vector<double>& b) {
    const size_t n = a.size();
    if (n < 2) return std::nullopt;
    double mean_a = 0, mean_b = 0;
    for (size_t i = 0; i < n; ++i) {
        mean_a += a[i];
        mean_b += b[i];
    }
    mean_a /= static_cast<double>(n);
    mean_b /= static_cast<double>(n);
    double cov = 0, var_a = 0, var_b = 0;
    for (size_t i = 0; i < n; ++i) {
        cov += (a[i] - mean_a) * (b[i] - mean_b);
        var_a += (a[i] - mean_a) * (a[i] - mean_a);
        var_b += (b[i] - mean_b) * (b[i] - mean_b);
    }
    if (!(var_a > 0) || !(var_b > 0)) return std::nullopt;
    return cov / std::sqrt(var_a * var_b);
}

//! Bar-to-bar close returns of each asset on the timeline, a missing bar carrying the last close
//! (before its first bar, the first close).
std::vector<std::vector<double>> TimelineReturns(const PortfolioInput& input, const std::vector<int64_t>& timeline) {
    std::vector<std::vector<double>> out;
    for (const PortfolioAsset& asset : input.assets) {
        std::vector<double> closes;
        size_t i = 0;
        double last = asset.bars.front().close;
        for (const int64_t t : timeline) {
            if (i < asset.bars.size() && asset.bars[i].open_time_ms == t) last = asset.bars[i++].close;
            closes.push_back(last);
        }
        std::vector<double> returns;
        for (size_t u = 1; u < closes.size(); ++u) returns.push_back(closes[u] / closes[u - 1] - 1.0);
        out.push_back(std::move(returns));
    }
    return out;
}

}  // namespace

bool IsRebalanceTime(const RebalanceRule& rule, size_t index, int64_t time, int64_t next) {
    switch (rule.kind) {
        case RebalanceKind::kNone:
            return false;
        case RebalanceKind::kDaily:
            return FloorDiv(time, kMillisPerDay) != FloorDiv(next, kMillisPerDay);
        case RebalanceKind::kWeekly:
            return FloorDiv(time - kFirstMondayMs, 7 * kMillisPerDay) !=
                   FloorDiv(next - kFirstMondayMs, 7 * kMillisPerDay);
        case RebalanceKind::kMonthly:
            return MonthIndex(time) != MonthIndex(next);
        case RebalanceKind::kEveryBars:
            return rule.bars > 0 && (index + 1) % rule.bars == 0;
    }
    return false;
}

PortfolioResult RunPortfolio(const PortfolioInput& input) {
    PortfolioResult result;
    for (const PortfolioAsset& asset : input.assets) {
        for (const Candle& c : asset.bars) result.timeline.push_back(c.open_time_ms);
    }
    std::sort(result.timeline.begin(), result.timeline.end());
    result.timeline.erase(std::unique(result.timeline.begin(), result.timeline.end()), result.timeline.end());

    std::vector<Sleeve> sleeves(input.assets.size());
    for (size_t i = 0; i < sleeves.size(); ++i) {
        Sleeve& s = sleeves[i];
        s.asset = &input.assets[i];
        s.options = input.options;
        s.initial = input.options.initial_cash * s.asset->weight;
        s.options.initial_cash = s.initial;
        s.options.intrabar = s.asset->intrabar;
        if (s.asset->futures) s.options.futures = s.asset->futures;
        s.equity = s.initial;
        s.index = s.initial;
        s.context = std::make_unique<SeriesContext>(s.asset->bars, 0, input.options.timeframe);
        const ExitSeries exit_series = DecideSignals(*s.context, *s.asset->strategy, s.options, 0, s.signals, s.levels);
        s.simulation = std::make_unique<Simulation>(s.asset->bars, s.options, s.trades, exit_series);
    }
    const double fee_rate = input.options.fee_bps * kBasisPoint;
    std::vector<bool> has_bar(sleeves.size());
    int64_t any_in_market = 0;
    const size_t n = result.timeline.size();
    for (size_t u = 0; u < n; ++u) {
        const int64_t time = result.timeline[u];
        double total = 0;
        bool in_market = false;
        for (size_t i = 0; i < sleeves.size(); ++i) {
            Sleeve& s = sleeves[i];
            const std::vector<Candle>& bars = s.asset->bars;
            has_bar[i] = s.next < bars.size() && bars[s.next].open_time_ms == time;
            const double before = s.equity;
            if (has_bar[i]) {
                s.simulation->Step(s.next, s.signals[s.next]);
                s.equity = s.simulation->Equity(s.next);
                ++s.next;
            }
            // A sleeve without a bar here keeps its last close: its value does not move.
            if (before > 0) s.index *= s.equity / before;
            const bool held = s.next > 0 && s.simulation->InMarket();
            s.in_market += held ? 1 : 0;
            in_market = in_market || held;
            total += s.equity;
        }
        any_in_market += in_market ? 1 : 0;
        if (u + 1 < n && IsRebalanceTime(input.rebalance, u, time, result.timeline[u + 1])) {
            // Sleeves that can trade now are reset to their weights of what the others leave.
            double untouched = 0;
            double tradable_weight = 0;
            for (size_t i = 0; i < sleeves.size(); ++i) {
                const bool tradable = has_bar[i] && sleeves[i].equity > 0;
                if (tradable) tradable_weight += sleeves[i].asset->weight;
                if (!tradable) untouched += sleeves[i].equity;
            }
            double traded = 0;
            for (size_t i = 0; i < sleeves.size(); ++i) {
                Sleeve& s = sleeves[i];
                if (!has_bar[i] || !(s.equity > 0)) continue;
                const double target = s.asset->weight / tradable_weight * (total - untouched);
                const Account::Resizing r = s.simulation->Rebalance(s.next - 1, target, fee_rate);
                s.flows += target - s.equity;
                s.index *= (s.equity - r.fee) / s.equity;  // the fee is the sleeve's cost, the flow is not a return
                s.equity = target - r.fee;
                traded += r.traded;
                result.rebalance_fees += r.fee;
            }
            result.turnover += total > 0 ? traded / total : 0;
            ++result.rebalances;
            total = 0;
            for (const Sleeve& s : sleeves) total += s.equity;
        }
        for (Sleeve& s : sleeves) {
            s.index_curve.push_back(s.index);
            s.equity_curve.push_back(s.equity);
        }
        result.equity.push_back(total);
    }

    // Per sleeve: trades, time-weighted metrics, contribution.
    std::vector<Trade> all_trades;
    double trade_fees = 0;
    double funding = 0;
    double buy_and_hold = 0;
    for (Sleeve& s : sleeves) {
        s.simulation->MarkOpenPositionAtEnd();
        SleeveResult sleeve;
        sleeve.trades = s.trades;
        sleeve.final_equity = s.equity;
        sleeve.equity = std::move(s.equity_curve);
        sleeve.contribution = (s.equity - s.initial - s.flows) / input.options.initial_cash;
        sleeve.missing_on_timeline = static_cast<int64_t>(n - s.asset->bars.size());
        sleeve.metrics = analysis::ComputeMetrics({.equity = s.index_curve,
                                                   .trades = s.trades,
                                                   .bars = s.asset->bars,
                                                   .initial_cash = s.initial,
                                                   .periods_per_year = input.periods_per_year,
                                                   .bars_in_market = 0,
                                                   .total_fees = s.simulation->TotalFees(),
                                                   .total_funding = s.simulation->TotalFunding()});
        sleeve.metrics.exposure = n > 0 ? static_cast<double>(s.in_market) / static_cast<double>(n) : 0;
        trade_fees += s.simulation->TotalFees();
        funding += s.simulation->TotalFunding();
        buy_and_hold += s.asset->weight * sleeve.metrics.buy_and_hold_return;
        all_trades.insert(all_trades.end(), s.trades.begin(), s.trades.end());
        result.sleeves.push_back(std::move(sleeve));
    }
    result.metrics = analysis::ComputeMetrics({.equity = result.equity,
                                               .trades = all_trades,
                                               .bars = {},
                                               .initial_cash = input.options.initial_cash,
                                               .periods_per_year = input.periods_per_year,
                                               .bars_in_market = 0,
                                               .total_fees = trade_fees + result.rebalance_fees,
                                               .total_funding = funding});
    result.metrics.exposure = n > 0 ? static_cast<double>(any_in_market) / static_cast<double>(n) : 0;
    result.metrics.buy_and_hold_return = buy_and_hold;

    const std::vector<std::vector<double>> returns = TimelineReturns(input, result.timeline);
    result.correlation.assign(returns.size(), std::vector<std::optional<double>>(returns.size()));
    for (size_t a = 0; a < returns.size(); ++a) {
        for (size_t b = 0; b < returns.size(); ++b) {
            result.correlation[a][b] = a == b ? std::optional(1.0) : Correlation(returns[a], returns[b]);
        }
    }
    return result;
}

}  // namespace spark::research
