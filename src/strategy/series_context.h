#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/interval.h"
#include "model/candle.h"

namespace spark {

//! Up to three aligned series (e.g. MACD line and signal; Bollinger lower, middle, upper), NaN
//! where absent.
struct Series {
    std::vector<double> a;
    std::vector<double> b;
    std::vector<double> c;
};

//! The bars of a run plus memoised indicator series over them. A grid search shares one context
//! across all its combinations, so each distinct series (an SMA window, a Bollinger setting) is
//! computed once per job, not once per combination. Thread-safe: when workers ask for the same
//! series at once, one computes it and the others wait for it.
class SeriesContext {
  public:
    //! `trading_start`: the first bar trading may act on (the bars before it only warm indicators
    //! up, SEMANTICS "warm-up"); strategies whose decision is tied to the start of trading, not to
    //! the data (buy_and_hold), read it.
    //! `timeframe`: the bars' interval, when known (higher-timeframe rules need it).
    explicit SeriesContext(std::span<const Candle> bars, size_t trading_start = 0,
                           std::optional<Interval> timeframe = std::nullopt);

    std::span<const Candle> Bars() const { return bars_; }
    size_t TradingStart() const { return trading_start_; }
    const std::optional<Interval>& Timeframe() const { return timeframe_; }

    //! The context of `coarser` bars aggregated from these (model/resample, as Binance builds its
    //! klines), computed once. A first bucket the bars start inside of is left out: it would hold
    //! only part of its bars. Null when this context's timeframe is unknown or does not divide
    //! `coarser`.
    const SeriesContext* Higher(const Interval& coarser) const;
    std::span<const double> Closes() const { return closes_; }

    std::span<const double> Sma(size_t period) const;
    std::span<const double> Ema(size_t period) const;
    std::span<const double> Rsi(size_t period) const;
    const Series& Macd(size_t fast, size_t slow, size_t signal) const;  //!< a = line, b = signal
    const Series& Bollinger(size_t period, double k) const;             //!< a = lower, b = middle, c = upper
    const Series& Donchian(size_t period) const;                        //!< a = lower, b = upper
    std::span<const double> Atr(size_t period) const;                   //!< Wilder's, NaN before it is defined

    //! Any other series, named by `key` (a rule's sub-expression with its parameters bound, e.g.
    //! "ema(close,10)"): computed once by `compute` into a vector of the bars' size, then shared
    //! like the indicators above. The key must determine the values completely.
    std::span<const double> Derived(const std::string& key,
                                    const std::function<void(std::vector<double>&)>& compute) const;

    //! Distinct series computed so far (for tests and job statistics).
    size_t ComputedSeries() const;

  private:
    enum class Kind { kSma, kEma, kRsi, kMacd, kBollinger, kDonchian, kAtr };
    struct Key {
        Kind kind;
        size_t p1 = 0;
        size_t p2 = 0;
        size_t p3 = 0;
        double k = 0;
        friend auto operator<=>(const Key&, const Key&) = default;
    };
    using Compute = void (*)(const SeriesContext&, const Key&, Series&);

    const Series& Get(const Key& key, Compute compute) const;

    struct HigherBars {
        std::vector<Candle> bars;
        std::unique_ptr<SeriesContext> context;
    };

    std::span<const Candle> bars_;
    size_t trading_start_;
    std::optional<Interval> timeframe_;
    mutable std::map<std::string, std::unique_ptr<HigherBars>, std::less<>> higher_;  //!< under mutex_
    std::vector<double> closes_;
    mutable std::mutex mutex_;
    mutable std::map<Key, std::shared_future<std::shared_ptr<const Series>>> cache_;
    mutable std::map<std::string, std::shared_future<std::shared_ptr<const std::vector<double>>>, std::less<>> derived_;
};

}  // namespace spark
