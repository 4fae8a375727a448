#include "engine/backtest.h"

#include <fmt/format.h>
#include <cmath>

#include "common/time_format.h"

namespace spark {

std::string_view FillModeName(FillMode mode) { return mode == FillMode::kClose ? "close" : "next_open"; }

namespace {

constexpr double kBasisPoint = 1e-4;

//! Cash, position and the open trade; applies fills with the cost model of SEMANTICS.md.
class Account {
  public:
    explicit Account(const BacktestOptions& options)
        : fee_rate_(options.fee_bps * kBasisPoint),
          slippage_(options.slippage_bps * kBasisPoint),
          position_size_(options.position_size),
          cash_(options.initial_cash) {}

    //! An explicit flag: a quantity may round to 0 for tiny accounts, the position still exists.
    bool Flat() const { return !in_position_; }
    double Quantity() const { return quantity_; }
    double EquityAt(double price) const { return cash_ + quantity_ * price; }
    double TotalFees() const { return total_fees_; }

    //! qty = positionSize × equity / (price × (1 + fee)), so cost plus fee never exceeds the commitment.
    void Buy(double market_price, int64_t bar, int64_t time_ms) {
        const double price = market_price * (1.0 + slippage_);
        const double quantity = position_size_ * cash_ / (price * (1.0 + fee_rate_));
        const double cost = quantity * price;
        const double fee = cost * fee_rate_;
        cash_ -= cost + fee;
        total_fees_ += fee;
        quantity_ = quantity;
        in_position_ = true;
        open_ = Trade{.side = Side::kLong,
                      .entry_time_ms = time_ms,
                      .entry_bar = bar,
                      .entry_price = price,
                      .quantity = quantity,
                      .fees = fee};
        entry_outlay_ = cost + fee;
    }

    Trade Sell(double market_price, int64_t bar, int64_t time_ms) {
        const double price = market_price * (1.0 - slippage_);
        const double proceeds = quantity_ * price;
        const double fee = proceeds * fee_rate_;
        cash_ += proceeds - fee;
        total_fees_ += fee;
        quantity_ = 0;
        in_position_ = false;
        Trade trade = open_;
        trade.exit_time_ms = time_ms;
        trade.exit_bar = bar;
        trade.exit_price = price;
        trade.fees += fee;
        trade.pnl = (proceeds - fee) - entry_outlay_;
        trade.return_fraction = trade.pnl / entry_outlay_;
        return trade;
    }

    //! The position still held after the last bar, marked at that bar's close without exit costs.
    Trade MarkOpenTrade(const Candle& last, int64_t bar) const {
        Trade trade = open_;
        trade.exit_time_ms = last.open_time_ms;
        trade.exit_bar = bar;
        trade.exit_price = last.close;
        trade.pnl = quantity_ * last.close - entry_outlay_;
        trade.return_fraction = trade.pnl / entry_outlay_;
        trade.open = true;
        return trade;
    }

  private:
    double fee_rate_;
    double slippage_;
    double position_size_;
    double cash_;
    double quantity_ = 0;
    bool in_position_ = false;
    double total_fees_ = 0;
    double entry_outlay_ = 0;  //!< cost + entry fee of the open trade
    Trade open_;
};

//! Order implied by a signal under the long-only rule: buy when flat, sell all when long.
enum class Order { kNone, kBuy, kSell };

Order Decide(Signal signal, const Account& account) {
    if (signal == Signal::kBullish && account.Flat()) return Order::kBuy;
    if (signal == Signal::kBearish && !account.Flat()) return Order::kSell;
    return Order::kNone;
}

Result<void> CheckBars(std::span<const Candle> bars) {
    if (bars.empty()) return MakeError(ErrorCode::kRunEngineError, "no bars to run on");
    for (const Candle& bar : bars) {
        const bool sane = bar.open > 0 && bar.close > 0 && std::isfinite(bar.open) && std::isfinite(bar.close);
        if (!sane) {
            return MakeError(ErrorCode::kRunEngineError,
                             fmt::format("bar at {} has a non-positive or non-finite open/close price",
                                         FormatIsoUtc(bar.open_time_ms)));
        }
    }
    return {};
}

}  // namespace

Result<BacktestResult> RunBacktest(std::span<const Candle> bars, const Strategy& strategy,
                                   const BacktestOptions& options, double periods_per_year) {
    if (Result<void> ok = CheckBars(bars); !ok) return std::unexpected(ok.error());

    const size_t n = bars.size();
    std::vector<Signal> signals(n);
    strategy.GenerateSignals(bars, signals);

    BacktestResult result;
    result.equity.resize(n);
    Account account(options);
    Order pending = Order::kNone;
    int64_t bars_in_market = 0;
    auto execute = [&](Order order, double price, size_t t) {
        const auto bar = static_cast<int64_t>(t);
        if (order == Order::kBuy) account.Buy(price, bar, bars[t].open_time_ms);
        if (order == Order::kSell) result.trades.push_back(account.Sell(price, bar, bars[t].open_time_ms));
    };

    for (size_t t = 0; t < n; ++t) {
        const Candle& bar = bars[t];
        if (options.fill == FillMode::kNextOpen) {
            execute(pending, bar.open, t);
            // Decided at this close, filled at the next open; a signal on the last bar never fills.
            pending = t + 1 < n ? Decide(signals[t], account) : Order::kNone;
        } else {
            execute(Decide(signals[t], account), bar.close, t);
        }
        result.equity[t] = account.EquityAt(bar.close);
        bars_in_market += account.Flat() ? 0 : 1;
    }
    if (!account.Flat()) result.trades.push_back(account.MarkOpenTrade(bars.back(), static_cast<int64_t>(n - 1)));

    result.metrics = analysis::ComputeMetrics({.equity = result.equity,
                                               .trades = result.trades,
                                               .bars = bars,
                                               .initial_cash = options.initial_cash,
                                               .periods_per_year = periods_per_year,
                                               .bars_in_market = bars_in_market,
                                               .total_fees = account.TotalFees()});
    return result;
}

}  // namespace spark
