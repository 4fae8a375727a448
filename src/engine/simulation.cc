#include "engine/simulation.h"

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

Simulation::Simulation(std::span<const Candle> bars, const BacktestOptions& options, std::vector<Trade>& trades)
    : bars_(bars),
      options_(options),
      account_(options),
      trades_(trades),
      actions_(BuildActionTable(options.allow_short)) {}

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
    account_.Open(side, price, static_cast<int64_t>(t), bars_[t].open_time_ms);
    // Under next_open the entry bar trades after the fill; under close, trading starts next bar.
    exits_from_bar_ = options_.fill == FillMode::kNextOpen ? t : t + 1;
}

void Simulation::Close(double price, size_t t, ExitReason reason) {
    trades_.push_back(account_.Close(price, static_cast<int64_t>(t), bars_[t].open_time_ms, reason));
}

void Simulation::CheckExits(size_t t) {
    if (account_.Flat() || t < exits_from_bar_) return;
    if (!options_.stop_loss_pct && !options_.take_profit_pct) return;
    const Candle& bar = bars_[t];
    const double entry = account_.EntryPrice();
    const bool is_long = account_.Long();
    const double direction = is_long ? 1.0 : -1.0;
    // Adverse and favourable moves expressed so that "beyond" is always "greater than".
    const auto adverse = [&](double price) { return -direction * price; };
    const auto favourable = [&](double price) { return direction * price; };
    // The entry bar's open is the entry itself (only slippage separates them): it cannot have
    // gapped beyond a level, so the open checks start with the next bar.
    const bool entered_at_this_open =
        options_.fill == FillMode::kNextOpen && account_.EntryBar() == static_cast<int64_t>(t);
    if (options_.stop_loss_pct && !entered_at_this_open) {
        const double level = entry * (1.0 - direction * *options_.stop_loss_pct);
        if (adverse(bar.open) >= adverse(level)) return Close(bar.open, t, ExitReason::kStopLoss);
    }
    if (options_.take_profit_pct && !entered_at_this_open) {
        const double level = entry * (1.0 + direction * *options_.take_profit_pct);
        if (favourable(bar.open) >= favourable(level)) return Close(bar.open, t, ExitReason::kTakeProfit);
    }
    if (options_.stop_loss_pct) {
        const double level = entry * (1.0 - direction * *options_.stop_loss_pct);
        const double worst = is_long ? bar.low : bar.high;
        if (adverse(worst) >= adverse(level)) return Close(level, t, ExitReason::kStopLoss);
    }
    if (options_.take_profit_pct) {
        const double level = entry * (1.0 + direction * *options_.take_profit_pct);
        const double best = is_long ? bar.high : bar.low;
        if (favourable(best) >= favourable(level)) return Close(level, t, ExitReason::kTakeProfit);
    }
}

}  // namespace spark
