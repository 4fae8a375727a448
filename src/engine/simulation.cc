#include "engine/simulation.h"

#include <cmath>

#include "engine/intrabar_path.h"
#include "engine/sizing.h"

namespace spark {
namespace {

constexpr size_t SignalIndex(Signal s) { return static_cast<size_t>(static_cast<int>(s) + 2); }

}  // namespace

//! Most bars of a state-based strategy repeat a signal the position already reflects; a table
//! lookup makes those a predictable "nothing to do" instead of a hard-to-predict switch.
Simulation::ActionTable Simulation::BuildActionTable(bool allow_short) {
    ActionTable table{};
    constexpr size_t kLong = 1;
    constexpr size_t kShort = 2;
    table[SignalIndex(Signal::kBullish)] = {Action::kOpenLong, Action::kNone, Action::kCloseThenOpenLong};
    table[SignalIndex(Signal::kBearish)] = {allow_short ? Action::kOpenShort : Action::kNone,
                                            allow_short ? Action::kCloseThenOpenShort : Action::kClose, Action::kNone};
    table[SignalIndex(Signal::kExitLong)][kLong] = Action::kClose;
    table[SignalIndex(Signal::kExitShort)][kShort] = Action::kClose;
    table[SignalIndex(Signal::kExit)][kLong] = Action::kClose;
    table[SignalIndex(Signal::kExit)][kShort] = Action::kClose;
    return table;
}

ExitSeries ExitSeriesFor(const SeriesContext& context, const BacktestOptions& options, size_t first) {
    ExitSeries series;
    series.offset = first;
    if (options.stop_loss_atr) series.stop_loss_atr = context.Atr(options.stop_loss_atr->period);
    if (options.take_profit_atr) series.take_profit_atr = context.Atr(options.take_profit_atr->period);
    if (options.trailing_stop_atr) series.trailing_stop_atr = context.Atr(options.trailing_stop_atr->period);
    return series;
}

ExitSeries DecideSignals(const SeriesContext& context, const Strategy& strategy, const BacktestOptions& options,
                         size_t first, std::vector<Signal>& signals, LevelBuffers& levels) {
    const size_t n = context.Bars().size();
    signals.resize(n);
    ExitSeries series = ExitSeriesFor(context, options, first);
    if (!strategy.SetsLevels()) {
        strategy.Signals(context, signals);
        return series;
    }
    for (std::vector<double>& prices : levels) prices.resize(n);
    strategy.SignalsAndLevels(context, signals, {levels[0], levels[1], levels[2], levels[3]});
    series.stop_level = levels[0];
    series.target_level = levels[1];
    series.stop_level_short = levels[2];
    series.target_level_short = levels[3];
    return series;
}

Simulation::Simulation(std::span<const Candle> bars, const BacktestOptions& options, std::vector<Trade>& trades,
                       ExitSeries exit_series)
    : bars_(bars),
      options_(options),
      account_(options),
      trades_(trades),
      actions_(BuildActionTable(options.allow_short)),
      exit_series_(exit_series),
      // A futures position can always be liquidated: its checks run on every bar.
      has_exit_rules_(options.HasExitRules() || !exit_series.stop_level.empty() || !exit_series.target_level.empty() ||
                      options.futures.has_value()),
      funding_(options.futures ? options.futures->funding : std::span<const FundingRate>{}) {}

void Simulation::SettleFunding(size_t t, bool through_bar) {
    const Candle& bar = bars_[t];
    // Funding at a bar's open time is settled before anything trades at that open; funding inside
    // the bar at its close. Without a known interval, the bar ends where the next one opens.
    int64_t end = bar.open_time_ms + kSettlementSlackMs;
    if (through_bar) {
        end = options_.timeframe     ? options_.timeframe->Next(bar.open_time_ms)
              : t + 1 < bars_.size() ? bars_[t + 1].open_time_ms
                                     : bar.open_time_ms + kSettlementSlackMs;
    }
    while (next_funding_ < funding_.size() && funding_[next_funding_].time_ms < end) {
        const FundingRate& funding = funding_[next_funding_++];
        if (account_.Flat()) continue;
        // Without the settlement's own mark price: the last close at or before it.
        const double last_close = through_bar ? bar.close : t > 0 ? bars_[t - 1].close : bar.open;
        account_.SettleFunding(funding.rate, funding.HasMarkPrice() ? funding.mark_price : last_close);
    }
}

std::optional<double> Simulation::ValueAt(std::span<const double> series, ptrdiff_t t) const {
    const ptrdiff_t at = static_cast<ptrdiff_t>(exit_series_.offset) + t;
    if (at < 0 || static_cast<size_t>(at) >= series.size() || !std::isfinite(series[at])) return std::nullopt;
    return series[at];
}

std::optional<double> Simulation::TrailCandidate(ptrdiff_t t, double direction) const {
    if (options_.trailing_stop_pct) return levels_.best * (1.0 - direction * *options_.trailing_stop_pct);
    if (options_.trailing_stop_atr) {
        const std::optional<double> atr = ValueAt(exit_series_.trailing_stop_atr, t);
        if (atr) return levels_.best - direction * options_.trailing_stop_atr->multiple * *atr;
    }
    return std::nullopt;
}

void Simulation::MarkOpenPositionAtEnd() {
    if (!account_.Flat())
        trades_.push_back(account_.MarkOpenTrade(bars_[last_stepped_], static_cast<int64_t>(last_stepped_)));
}

Account::Resizing Simulation::Rebalance(size_t t, double target, double fee_rate) {
    return account_.Resize(target, bars_[t].close, fee_rate);
}

void Simulation::Apply(Signal signal, double price, size_t t) {
    const size_t state = account_.Flat() ? 0 : account_.Long() ? 1 : 2;
    const Action action = actions_[SignalIndex(signal)][state];
    if (action == Action::kNone) return;
    if (action != Action::kOpenLong && action != Action::kOpenShort) Close(price, t);
    if (action == Action::kOpenLong || action == Action::kCloseThenOpenLong) Open(Side::kLong, price, t);
    if (action == Action::kOpenShort || action == Action::kCloseThenOpenShort) Open(Side::kShort, price, t);
}

void Simulation::Liquidate(size_t t) {
    Close(bars_[t].close, t, ExitReason::kLiquidation);
    ruined_ = true;
}

void Simulation::Open(Side side, double price, size_t t) {
    if (ruined_) return;
    const double fill = account_.EntryFillPrice(side, price);
    const double direction = side == Side::kLong ? 1.0 : -1.0;
    // The bar whose close decided this entry: the one before under next_open, this one under close.
    const ptrdiff_t decision = static_cast<ptrdiff_t>(t) - (options_.fill == FillMode::kNextOpen ? 1 : 0);
    levels_ = Levels{};
    levels_.best = fill;
    if (options_.stop_loss_pct) {
        levels_.stop = fill * (1.0 - direction * *options_.stop_loss_pct);
    } else if (options_.stop_loss_atr) {
        if (const auto atr = ValueAt(exit_series_.stop_loss_atr, decision))
            levels_.stop = fill - direction * options_.stop_loss_atr->multiple * *atr;
    }
    if (options_.take_profit_pct) {
        levels_.target = fill * (1.0 + direction * *options_.take_profit_pct);
    } else if (options_.take_profit_atr) {
        if (const auto atr = ValueAt(exit_series_.take_profit_atr, decision))
            levels_.target = fill + direction * options_.take_profit_atr->multiple * *atr;
    }
    // The strategy's own prices replace the options' (the API refuses both for one level), when
    // they lie beyond the fill on the protective (stop) or profitable (target) side.
    const bool is_long = side == Side::kLong;
    const std::span<const double> stop_levels = is_long ? exit_series_.stop_level : exit_series_.stop_level_short;
    const std::span<const double> target_levels = is_long ? exit_series_.target_level : exit_series_.target_level_short;
    if (const auto level = ValueAt(stop_levels, decision); level && direction * (fill - *level) > 0) {
        levels_.stop = *level;
    }
    if (const auto level = ValueAt(target_levels, decision); level && direction * (*level - fill) > 0) {
        levels_.target = *level;
    }
    // The trail's first level is the one the first bar checked will see: the best price is the
    // fill, and the ATR that bar reads (its previous close) is the decision's.
    std::optional<double> stop_at_entry = levels_.stop;
    const std::optional<double> trail = TrailCandidate(decision, direction);
    if (trail && (!stop_at_entry || direction * *trail > direction * *stop_at_entry)) stop_at_entry = trail;
    std::optional<double> stop_distance;
    if (stop_at_entry) stop_distance = direction * (fill - *stop_at_entry);
    const double quantity =
        EntryQuantity(options_.sizing, account_.Cash(), fill, account_.FeeRate(), stop_distance, account_.Leverage());
    if (!(quantity > 0)) return;  // risk sizing with no stop beyond the fill: no position
    account_.Open(side, fill, quantity, static_cast<int64_t>(t), bars_[t].open_time_ms);
    // Under next_open the entry bar trades after the fill; under close, trading starts next bar.
    exits_from_bar_ = options_.fill == FillMode::kNextOpen ? t : t + 1;
}

void Simulation::Close(double price, size_t t, ExitReason reason) {
    trades_.push_back(account_.Close(price, static_cast<int64_t>(t), bars_[t].open_time_ms, reason));
}

void Simulation::CheckExits(size_t t) {
    if (account_.Flat() || t < exits_from_bar_) return;
    const Candle& bar = bars_[t];
    // The entry bar's open is the entry itself (only slippage separates them): it cannot have
    // gapped beyond a level, so the open checks start after it.
    const bool entered_at_this_open =
        options_.fill == FillMode::kNextOpen && account_.EntryBar() == static_cast<int64_t>(t);
    const bool has_price_level =
        levels_.stop || levels_.target || levels_.trail || options_.trailing_stop_pct || options_.trailing_stop_atr;
    const bool has_level = has_price_level || options_.futures;
    const std::span<const Candle> inside = options_.intrabar != nullptr && has_level
                                               ? options_.intrabar->Inside(bar.open_time_ms)
                                               : std::span<const Candle>{};
    if (inside.empty() && !has_price_level) {
        // Only a liquidation can end the trade inside this bar (a futures position without stops).
        if (CheckLiquidation(bar, entered_at_this_open, t, std::nullopt)) return;
    } else if (inside.empty()) {
        if (CheckLevels(bar, entered_at_this_open, t)) return;
    } else {
        // In time order: the first finer bar to reach a level decides, at its own price rules.
        for (size_t j = 0; j < inside.size(); ++j) {
            if (CheckLevels(inside[j], entered_at_this_open && j == 0, t)) return;
        }
    }
    if (options_.max_bars_in_trade) {
        const int64_t held = static_cast<int64_t>(t) - account_.EntryBar() + (options_.fill == FillMode::kNextOpen);
        if (held >= *options_.max_bars_in_trade) return Close(bar.close, t, ExitReason::kTime);
    }
}

bool Simulation::CheckLiquidation(const Candle& prices, bool open_is_entry, size_t t,
                                  const std::optional<double>& stop) {
    const std::optional<double> liquidation = account_.LiquidationPrice();
    if (!liquidation) return false;
    const double direction = account_.Long() ? 1.0 : -1.0;
    const double worst = account_.Long() ? prices.low : prices.high;
    // An open beyond the liquidation price liquidates whatever the stop; inside the range, the
    // tighter of the two is reached first.
    const bool reached =
        (!open_is_entry && direction * prices.open <= direction * *liquidation) ||
        (direction * worst <= direction * *liquidation && (!stop || direction * *liquidation >= direction * *stop));
    if (!reached) return false;
    trades_.push_back(account_.Liquidate(*liquidation, static_cast<int64_t>(t), bars_[t].open_time_ms));
    // A position that had committed the whole equity leaves nothing to trade with.
    if (account_.Cash() <= 0) ruined_ = true;
    return true;
}

bool Simulation::CheckLevels(const Candle& prices, bool open_is_entry, size_t t) {
    const bool is_long = account_.Long();
    const double direction = is_long ? 1.0 : -1.0;
    // Expressed so that "further in the trade's favour" is always "greater".
    const auto favour = [&](double price) { return direction * price; };
    // The trail moves with the best price of the prices before these (never their own extreme:
    // no look-ahead inside a bar) and never loosens. Its ATR is the run's bar before `t`.
    if (const std::optional<double> candidate = TrailCandidate(static_cast<ptrdiff_t>(t) - 1, direction)) {
        if (!levels_.trail || favour(*candidate) > favour(*levels_.trail)) levels_.trail = candidate;
    }
    std::optional<double> stop = levels_.stop;
    ExitReason stop_reason = ExitReason::kStopLoss;
    if (levels_.trail && (!stop || favour(*levels_.trail) > favour(*stop))) {
        stop = levels_.trail;
        stop_reason = ExitReason::kTrailingStop;
    }
    const std::optional<double>& target = levels_.target;
    const auto close = [&](double price, ExitReason reason) {
        Close(price, t, reason);
        return true;
    };
    if (CheckLiquidation(prices, open_is_entry, t, stop)) return true;
    const double worst = is_long ? prices.low : prices.high;
    if (!open_is_entry) {
        if (stop && favour(prices.open) <= favour(*stop)) return close(prices.open, stop_reason);
        if (target && favour(prices.open) >= favour(*target)) return close(prices.open, ExitReason::kTakeProfit);
    }
    const double best = is_long ? prices.high : prices.low;
    if (stop && favour(worst) <= favour(*stop)) return close(*stop, stop_reason);
    if (target && favour(best) >= favour(*target)) return close(*target, ExitReason::kTakeProfit);
    if (favour(best) > favour(levels_.best)) levels_.best = best;
    return false;
}

}  // namespace spark
