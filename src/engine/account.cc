#include "engine/account.h"

#include <cmath>

namespace spark {
namespace {

constexpr double kBasisPoint = 1e-4;

}  // namespace

Account::Account(const BacktestOptions& options)
    : fee_rate_(options.fee_bps * kBasisPoint),
      slippage_(options.slippage_bps * kBasisPoint),
      cash_(options.initial_cash) {}

void Account::Open(Side side, double price, double quantity, int64_t bar, int64_t time_ms) {
    const double notional = quantity * price;
    const double fee = notional * fee_rate_;
    cash_ += side == Side::kLong ? -(notional + fee) : notional - fee;
    total_fees_ += fee;
    in_position_ = true;
    side_ = side;
    quantity_ = quantity;
    entry_notional_ = notional;
    open_ = Trade{.side = side,
                  .entry_time_ms = time_ms,
                  .entry_bar = bar,
                  .entry_price = price,
                  .quantity = quantity,
                  .fees = fee};
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
    trade.return_fraction = trade.pnl / (entry_notional_ + entry_fee);
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
    trade.return_fraction = trade.pnl / (entry_notional_ + entry_fee);
    trade.open = true;
    trade.exit_reason = ExitReason::kEnd;
    return trade;
}

}  // namespace spark
