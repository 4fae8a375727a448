#pragma once

#include <cstdint>
#include <optional>

#include "engine/backtest_options.h"
#include "model/candle.h"
#include "model/trade.h"

namespace spark {

//! Cash, the one position and its open trade; applies fills with the cost model of SEMANTICS.md
//! ("Costs and sizing") for longs and shorts alike. Prices passed in are market prices; the
//! account applies slippage against the trader and charges the fee on every fill.
class Account {
  public:
    explicit Account(const BacktestOptions& options);

    bool Flat() const { return !in_position_; }
    bool Long() const { return in_position_ && side_ == Side::kLong; }
    bool Short() const { return in_position_ && side_ == Side::kShort; }
    Side PositionSide() const { return side_; }
    //! The entry fill price of the open position (after slippage).
    double EntryPrice() const { return open_.entry_price; }
    int64_t EntryBar() const { return open_.entry_bar; }
    double Equity(double price) const {
        if (!in_position_) return cash_;
        return side_ == Side::kLong ? cash_ + quantity_ * price : cash_ - quantity_ * price;
    }
    double TotalFees() const { return total_fees_; }
    //! Funding paid by every position so far (negative: received), quote currency.
    double TotalFunding() const { return total_funding_; }
    //! The leverage entries use: the futures terms' (1 for spot).
    double Leverage() const { return leverage_; }

    //! Cash, which is the equity whenever an entry is made (entries are always from flat).
    double Cash() const { return cash_; }
    double FeeRate() const { return fee_rate_; }
    //! An entry's fill price at `market_price`: buys pay up, sells receive less.
    double EntryFillPrice(Side side, double market_price) const {
        return side == Side::kLong ? market_price * (1.0 + slippage_) : market_price * (1.0 - slippage_);
    }
    //! Opens a position of `quantity` (engine/sizing.h) from flat at `fill_price`, from EntryFillPrice.
    void Open(Side side, double fill_price, double quantity, int64_t bar, int64_t time_ms);
    //! Closes the whole position and returns the round trip.
    Trade Close(double market_price, int64_t bar, int64_t time_ms, ExitReason reason);
    //! The position still held after the last bar, marked at that bar's close without exit costs.
    Trade MarkOpenTrade(const Candle& last, int64_t bar) const;

    // Perpetual futures (docs/futures.md); none of these is used on spot.

    //! Settles one funding of `rate` at `mark_price` on the open position: a long pays
    //! quantity × mark × rate, a short receives it. The amount moves cash and the position's
    //! isolated margin alike. Returns the amount paid (negative: received).
    double SettleFunding(double rate, double mark_price);
    //! The open position's liquidation price from its isolated margin (which funding moves) and
    //! its maintenance tier; none when flat, on spot, or for a long no positive price liquidates.
    std::optional<double> LiquidationPrice() const { return in_position_ ? liquidation_price_ : std::nullopt; }
    //! Closes the position by liquidation at `price`: its isolated margin is lost whole (the
    //! liquidation fee and anything between the liquidation and bankruptcy prices included).
    Trade Liquidate(double price, int64_t bar, int64_t time_ms);

    struct Resizing {
        double traded = 0;  //!< notional bought or sold
        double fee = 0;
    };
    //! Brings the account's equity to `target` at `price` (portfolio rebalancing): the position
    //! and its cost basis scale by target / equity, the traded notional pays `fee_rate`, and the
    //! cash takes the rest. The fee is not a trade's: callers account for it.
    Resizing Resize(double target, double price, double fee_rate);

  private:
    double fee_rate_;
    double slippage_;
    double cash_;
    bool in_position_ = false;
    Side side_ = Side::kLong;
    double quantity_ = 0;
    double entry_notional_ = 0;  //!< quantity × entry fill price
    double total_fees_ = 0;
    double total_funding_ = 0;
    // Perpetual futures: the terms, and the open position's isolated margin and tier.
    const FuturesTerms* futures_ = nullptr;
    double leverage_ = 1.0;
    double margin_ = 0;
    MaintenanceTier tier_;
    //! Kept with the margin: the per-bar checks read it, and only fills and funding move it.
    std::optional<double> liquidation_price_;
    void UpdateLiquidationPrice();
    Trade open_;
};

}  // namespace spark
