#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/account.h"
#include "engine/backtest_options.h"
#include "model/candle.h"
#include "model/trade.h"
#include "strategy/strategy.h"

namespace spark {

//! The ATR series the exit options read (empty when an option is not set), each over the whole
//! series of which the simulation steps the bars from `offset` on: an ATR is read at the bar
//! before the first stepped one too, and warm-up bars feed it.
struct ExitSeries {
    std::span<const double> stop_loss_atr;
    std::span<const double> take_profit_atr;
    std::span<const double> trailing_stop_atr;
    //! The strategy's own stop and target prices per bar (rules' stopLoss / takeProfit), NaN
    //! where none; read at the entry decision's bar like the ATRs.
    std::span<const double> stop_level;
    std::span<const double> target_level;
    std::span<const double> stop_level_short;
    std::span<const double> target_level_short;
    size_t offset = 0;
};

//! The series `options` needs from `context`, for a simulation stepping its bars from `first`.
ExitSeries ExitSeriesFor(const SeriesContext& context, const BacktestOptions& options, size_t first);

//! The strategy's signals over `context` into `signals` and, when it prices its entries itself,
//! those prices into `levels`; returns what a simulation stepping from `first` reads besides the
//! bars (ExitSeriesFor, plus those prices). `levels` must outlive the simulation.
ExitSeries DecideSignals(const SeriesContext& context, const Strategy& strategy, const BacktestOptions& options,
                         size_t first, std::vector<Signal>& signals, LevelBuffers& levels);

//! What a signal does in a position state (docs/strategies.md "Signals").
enum class Action : uint8_t { kNone, kClose, kOpenLong, kOpenShort, kCloseThenOpenLong, kCloseThenOpenShort };

//! One instrument's trading, bar by bar: the pending next-open fill, stops and targets, the
//! decision at the close, liquidation on ruin (SEMANTICS.md, docs/strategies.md). A single run
//! steps through every bar; a portfolio steps each sleeve when its instrument has a bar.
class Simulation {
  public:
    Simulation(std::span<const Candle> bars, const BacktestOptions& options, std::vector<Trade>& trades,
               ExitSeries exit_series = {});

    //! Bar `t` of `bars`, with the signal decided at its close. Inline: it runs once per bar.
    void Step(size_t t, Signal signal);
    //! Equity at the close of bar `t` (cash plus the position marked at that close).
    double Equity(size_t t) const { return account_.Equity(bars_[t].close); }
    bool InMarket() const { return !account_.Flat(); }
    double TotalFees() const { return account_.TotalFees(); }
    double TotalFunding() const { return account_.TotalFunding(); }
    //! Lists a position still open after the last stepped bar as an open trade.
    void MarkOpenPositionAtEnd();
    //! The last bar stepped (for marking and valuation).
    size_t LastStepped() const { return last_stepped_; }

    //! Resizes the sleeve to `target` equity at bar `t`'s close (portfolio rebalancing); see
    //! Account::Resize.
    Account::Resizing Rebalance(size_t t, double target, double fee_rate);

  private:
    void Apply(Signal signal, double price, size_t t);
    //! Ruin: equity at or below zero at a close ends all trading (SEMANTICS.md).
    void Liquidate(size_t t);
    //! Settles the funding times up to bar `t`'s open (`through_bar` false: before its fill, on the
    //! position held through the previous close) or inside it (true: at its close, after its
    //! exits). docs/futures.md "Funding".
    void SettleFunding(size_t t, bool through_bar);
    //! Whether the next settlement may fall inside bar `t` (before the next bar's open).
    bool SettlesInside(size_t t) const {
        return next_funding_ < funding_.size() &&
               (t + 1 >= bars_.size() || funding_[next_funding_].time_ms < bars_[t + 1].open_time_ms);
    }
    //! Binance stamps some settlements a few milliseconds late: within a second of an open is "at" it.
    static constexpr int64_t kSettlementSlackMs = 1000;
    void Open(Side side, double price, size_t t);
    void Close(double price, size_t t, ExitReason reason = ExitReason::kSignal);
    void CheckExits(size_t t);
    //! The levels against one bar's prices (the run's bar, or a finer one inside it): the trail
    //! moves up to the prices before it, then a gap at its open, then its range. True if it closed
    //! the position (at bar `t` of the run).
    bool CheckLevels(const Candle& prices, bool open_is_entry, size_t t);
    //! A futures position's liquidation against one bar's prices (docs/futures.md "Liquidation"):
    //! an open beyond the liquidation price, or the adverse extreme reaching it before `stop`.
    //! True if it liquidated the position.
    bool CheckLiquidation(const Candle& prices, bool open_is_entry, size_t t, const std::optional<double>& stop);
    //! The value of `series` (an ATR, a level) at bar `t` of the stepped bars (t may be −1: the bar
    //! before them), when defined.
    std::optional<double> ValueAt(std::span<const double> series, ptrdiff_t t) const;
    //! The trail's level from the best price so far and the ATR of bar `t` (trailingStop*), for a
    //! position on `direction`'s side (+1 long, −1 short).
    std::optional<double> TrailCandidate(ptrdiff_t t, double direction) const;

    using ActionTable = std::array<std::array<Action, 3>, 6>;
    static ActionTable BuildActionTable(bool allow_short);

    std::span<const Candle> bars_;
    const BacktestOptions& options_;
    Account account_;
    std::vector<Trade>& trades_;
    ActionTable actions_;
    ExitSeries exit_series_;
    bool has_exit_rules_;
    std::span<const FundingRate> funding_;  //!< perpetual futures' settlements, in time order
    size_t next_funding_ = 0;
    //! The open trade's levels (docs/strategies.md "Trailing stops, ATR levels and time exits").
    struct Levels {
        std::optional<double> stop;    //!< fixed, from stopLoss*
        std::optional<double> target;  //!< fixed, from takeProfit*
        std::optional<double> trail;   //!< ratchets, from trailingStop*
        double best = 0;               //!< best price since entry, bars checked so far
    } levels_;
    Signal pending_ = Signal::kNone;
    size_t exits_from_bar_ = 0;
    size_t last_stepped_ = 0;
    bool ruined_ = false;
};

inline void Simulation::Step(size_t t, Signal signal) {
    const Candle& bar = bars_[t];
    last_stepped_ = t;
    // Most bars carry no signal and no stop: those skip the calls altogether.
    const bool has_exit_levels = has_exit_rules_;
    // Cheap guards first: most bars have no settlement.
    const bool has_funding = next_funding_ < funding_.size();
    if (has_funding && funding_[next_funding_].time_ms < bar.open_time_ms + kSettlementSlackMs) SettleFunding(t, false);
    if (options_.fill == FillMode::kNextOpen) {
        if (pending_ != Signal::kNone) Apply(pending_, bar.open, t);
        if (has_exit_levels && !account_.Flat()) CheckExits(t);
        if (has_funding && SettlesInside(t)) SettleFunding(t, true);
        // Decided at this close, filled at the next open; a signal on the last bar never fills.
        pending_ = t + 1 < bars_.size() ? signal : Signal::kNone;
    } else {
        if (has_exit_levels && !account_.Flat()) CheckExits(t);
        if (has_funding && SettlesInside(t)) SettleFunding(t, true);
        if (signal != Signal::kNone) Apply(signal, bar.close, t);
    }
    if (!account_.Flat() && account_.Equity(bar.close) <= 0) Liquidate(t);
}

}  // namespace spark
