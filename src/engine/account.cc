#include "engine/account.h"

#include <algorithm>
#include <cmath>

#include "engine/margin.h"

namespace spark {
namespace {

constexpr double kBasisPoint = 1e-4;

}  // namespace

Account::Account(const BacktestOptions& options)
    : fee_rate_(options.fee_bps * kBasisPoint),
      slippage_(options.slippage_bps * kBasisPoint),
      cash_(options.initial_cash),
      futures_(options.futures ? &*options.futures : nullptr),
      leverage_(options.futures ? options.futures->leverage : 1.0) {}

void Account::Open(Side side, double price, double quantity, int64_t bar, int64_t time_ms) {
    const double notional = quantity * price;
    const double fee = notional * fee_rate_;
    cash_ += side == Side::kLong ? -(notional + fee) : notional - fee;
    total_fees_ += fee;
    in_position_ = true;
    side_ = side;
    quantity_ = quantity;
    entry_notional_ = notional;
    margin_ = notional / leverage_;
    if (futures_ != nullptr) tier_ = TierFor(*futures_, notional);
    open_ = Trade{.side = side,
                  .entry_time_ms = time_ms,
                  .entry_bar = bar,
                  .entry_price = price,
                  .quantity = quantity,
                  .fees = fee};
    UpdateLiquidationPrice();
}

Trade Account::Close(double market_price, int64_t bar, int64_t time_ms, ExitReason reason) {
    const bool is_long = side_ == Side::kLong;
    const double price = is_long ? market_price * (1.0 - slippage_) : market_price * (1.0 + slippage_);
    const double notional = quantity_ * price;
    const double fee = notional * fee_rate_;
    cash_ += is_long ? notional - fee : -(notional + fee);
    total_fees_ += fee;
    const double entry_fee = open_.fees;
    Trade trade = open_;
    trade.exit_time_ms = time_ms;
    trade.exit_bar = bar;
    trade.exit_price = price;
    trade.fees += fee;
    trade.pnl =
        is_long ? (notional - fee) - (entry_notional_ + entry_fee) : (entry_notional_ - entry_fee) - (notional + fee);
    trade.pnl -= open_.funding;
    trade.return_fraction = trade.pnl / (margin_ + open_.funding + entry_fee);
    if (const auto liquidation = LiquidationPrice()) trade.liquidation_price = *liquidation;
    trade.exit_reason = reason;
    in_position_ = false;
    quantity_ = 0;
    return trade;
}

Account::Resizing Account::Resize(double target, double price, double fee_rate) {
    Resizing r;
    if (!in_position_) {
        cash_ = target;
        return r;
    }
    const double scale = target / Equity(price);
    r.traded = std::abs(scale - 1.0) * quantity_ * price;
    r.fee = r.traded * fee_rate;
    quantity_ *= scale;
    entry_notional_ *= scale;
    margin_ *= scale;
    UpdateLiquidationPrice();
    open_.quantity = quantity_;
    open_.fees *= scale;
    const double position_value = side_ == Side::kLong ? quantity_ * price : -quantity_ * price;
    cash_ = target - position_value - r.fee;
    return r;
}

Trade Account::MarkOpenTrade(const Candle& last, int64_t bar) const {
    const double entry_fee = open_.fees;
    const double value = quantity_ * last.close;
    Trade trade = open_;
    trade.exit_time_ms = last.open_time_ms;
    trade.exit_bar = bar;
    trade.exit_price = last.close;
    trade.pnl = side_ == Side::kLong ? value - (entry_notional_ + entry_fee) : (entry_notional_ - entry_fee) - value;
    trade.pnl -= open_.funding;
    trade.return_fraction = trade.pnl / (margin_ + open_.funding + entry_fee);
    if (const auto liquidation = LiquidationPrice()) trade.liquidation_price = *liquidation;
    trade.open = true;
    trade.exit_reason = ExitReason::kEnd;
    return trade;
}

double Account::SettleFunding(double rate, double mark_price) {
    if (!in_position_) return 0;
    const double amount = quantity_ * mark_price * rate;
    const double paid = side_ == Side::kLong ? amount : -amount;
    cash_ -= paid;
    margin_ -= paid;
    UpdateLiquidationPrice();
    open_.funding += paid;
    total_funding_ += paid;
    return paid;
}

void Account::UpdateLiquidationPrice() {
    liquidation_price_ = futures_ == nullptr
                             ? std::nullopt
                             : spark::LiquidationPrice(side_, quantity_, open_.entry_price, margin_, tier_);
}

Trade Account::Liquidate(double price, int64_t bar, int64_t time_ms) {
    // The wallet is the equity at the entry price (fees and funding already taken); the position's
    // isolated margin leaves it whole.
    const double wallet = side_ == Side::kLong ? cash_ + entry_notional_ : cash_ - entry_notional_;
    // Margin plus fee never exceed the equity at entry, so only rounding can take this below zero.
    cash_ = std::max(0.0, wallet - margin_);
    Trade trade = open_;
    trade.exit_time_ms = time_ms;
    trade.exit_bar = bar;
    trade.exit_price = price;
    trade.liquidation_price = price;
    // Everything the trade put in is gone: the margin it started with and its entry fee (funding
    // it paid came out of that margin; funding it received was lost with it).
    trade.pnl = -(margin_ + open_.funding) - open_.fees;
    trade.return_fraction = trade.pnl / (margin_ + open_.funding + open_.fees);
    trade.exit_reason = ExitReason::kLiquidation;
    in_position_ = false;
    quantity_ = 0;
    return trade;
}

}  // namespace spark
