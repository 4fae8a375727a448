#include "engine/backtest.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "common/time_format.h"
#include "engine/account.h"

namespace spark {

std::string_view FillModeName(FillMode mode) { return mode == FillMode::kClose ? "close" : "next_open"; }

Result<void> CheckBars(std::span<const Candle> bars) {
    if (bars.empty()) return MakeError(ErrorCode::kRunEngineError, "no bars to run on");
    for (const Candle& bar : bars) {
        const bool sane = bar.open > 0 && bar.close > 0 && std::isfinite(bar.open) && std::isfinite(bar.close) &&
                          std::isfinite(bar.high) && std::isfinite(bar.low);
        if (!sane) {
            return MakeError(ErrorCode::kRunEngineError,
                             fmt::format("bar at {} has a non-positive or non-finite price",
                                         FormatIsoUtc(bar.open_time_ms)));
        }
    }
    return {};
}

namespace {

//! What a signal does in a position state (docs/strategies.md "Signals").
enum class Action : uint8_t { kNone, kClose, kOpenLong, kOpenShort, kCloseThenOpenLong, kCloseThenOpenShort };

constexpr size_t kSignalKinds = 6;  // Signal values -2..3
constexpr size_t kPositionStates = 3;  // flat, long, short
using ActionTable = std::array<std::array<Action, kPositionStates>, kSignalKinds>;

constexpr size_t SignalIndex(Signal s) { return static_cast<size_t>(static_cast<int>(s) + 2); }

//! Most bars of a state-based strategy repeat a signal the position already reflects; a table
//! lookup makes those a predictable "nothing to do" instead of a hard-to-predict switch.
ActionTable BuildActionTable(bool allow_short) {
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

//! One backtest's state machine: fills signals, applies stops and targets, records trades.
class Simulation {
public:
    Simulation(std::span<const Candle> bars, const BacktestOptions& options, BacktestResult& result)
        : bars_(bars), options_(options), account_(options), result_(result), actions_(BuildActionTable(options.allow_short)) {}

    void Run(std::span<const Signal> signals) {
        const size_t n = bars_.size();
        result_.equity.resize(n);
        result_.trades.clear();
        Signal pending = Signal::kNone;
        for (size_t t = 0; t < n; ++t) {
            const Candle& bar = bars_[t];
            if (options_.fill == FillMode::kNextOpen) {
                Apply(pending, bar.open, t);
                CheckExits(t);
                // Decided at this close, filled at the next open; a signal on the last bar never fills.
                pending = t + 1 < n ? signals[t] : Signal::kNone;
            } else {
                CheckExits(t);
                Apply(signals[t], bar.close, t);
            }
            if (!account_.Flat() && account_.Equity(bar.close) <= 0) Liquidate(t);
            result_.equity[t] = account_.Equity(bar.close);
            bars_in_market_ += account_.Flat() ? 0 : 1;
        }
        if (!account_.Flat()) result_.trades.push_back(account_.MarkOpenTrade(bars_.back(), static_cast<int64_t>(n - 1)));
    }

    int64_t BarsInMarket() const { return bars_in_market_; }
    double TotalFees() const { return account_.TotalFees(); }

private:
    //! Bullish covers a short then buys; bearish sells a long then (if allowed) shorts; exits
    //! close only their side.
    void Apply(Signal signal, double price, size_t t) {
        const size_t state = account_.Flat() ? 0 : account_.Long() ? 1 : 2;
        const Action action = actions_[SignalIndex(signal)][state];
        if (action == Action::kNone) return;
        if (action != Action::kOpenLong && action != Action::kOpenShort) Close(price, t);
        if (action == Action::kOpenLong || action == Action::kCloseThenOpenLong) Open(Side::kLong, price, t);
        if (action == Action::kOpenShort || action == Action::kCloseThenOpenShort) Open(Side::kShort, price, t);
    }

    //! A position that has lost all the equity (a short can lose more than it committed) is
    //! closed at that bar's close, and the ruined account never trades again.
    void Liquidate(size_t t) {
        Close(bars_[t].close, t, ExitReason::kLiquidation);
        ruined_ = true;
    }

    void Open(Side side, double price, size_t t) {
        if (ruined_) return;
        account_.Open(side, price, static_cast<int64_t>(t), bars_[t].open_time_ms);
        // Under next_open the entry bar trades after the fill; under close, trading starts next bar.
        exits_from_bar_ = options_.fill == FillMode::kNextOpen ? t : t + 1;
    }

    void Close(double price, size_t t, ExitReason reason = ExitReason::kSignal) {
        result_.trades.push_back(account_.Close(price, static_cast<int64_t>(t), bars_[t].open_time_ms, reason));
    }

    //! Stop-loss and take-profit against the bar's range (SEMANTICS.md "Costs and sizing"): a bar
    //! opening beyond a level fills at the open; with both levels inside the bar, the stop first.
    void CheckExits(size_t t) {
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

    std::span<const Candle> bars_;
    const BacktestOptions& options_;
    Account account_;
    BacktestResult& result_;
    ActionTable actions_;
    size_t exits_from_bar_ = 0;
    bool ruined_ = false;
    int64_t bars_in_market_ = 0;
};

}  // namespace

void RunBacktest(const SeriesContext& context, const Strategy& strategy, const BacktestOptions& options,
                 double periods_per_year, BacktestWorkspace& workspace, size_t warmup_bars) {
    workspace.signals.resize(context.Bars().size());
    strategy.Signals(context, workspace.signals);
    // Warm-up bars feed the indicators only: trading, equity and metrics start after them.
    const size_t first = std::min(warmup_bars, context.Bars().size());
    const std::span<const Candle> bars = context.Bars().subspan(first);
    BacktestResult& result = workspace.result;
    Simulation simulation(bars, options, result);
    simulation.Run(std::span<const Signal>(workspace.signals).subspan(first));
    result.metrics = analysis::ComputeMetrics({.equity = result.equity,
                                               .trades = result.trades,
                                               .bars = bars,
                                               .initial_cash = options.initial_cash,
                                               .periods_per_year = periods_per_year,
                                               .bars_in_market = simulation.BarsInMarket(),
                                               .total_fees = simulation.TotalFees()});
}

Result<BacktestResult> RunBacktest(std::span<const Candle> bars, const Strategy& strategy,
                                   const BacktestOptions& options, double periods_per_year, size_t warmup_bars) {
    if (Result<void> ok = CheckBars(bars); !ok) return std::unexpected(ok.error());
    if (warmup_bars >= bars.size()) return MakeError(ErrorCode::kRunEngineError, "no bars to trade after the warm-up");
    const SeriesContext context(bars);
    BacktestWorkspace workspace;
    RunBacktest(context, strategy, options, periods_per_year, workspace, warmup_bars);
    return std::move(workspace.result);
}

}  // namespace spark
