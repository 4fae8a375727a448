#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>
#include <vector>

#include "model/candle.h"
#include "strategy/series_context.h"

namespace spark {

//! What a strategy concludes at the close of a bar. The engine turns it into orders according
//! to its position and options, so strategies stay free of bookkeeping (docs/strategies.md):
//! bullish buys (covering a short first), bearish sells (and opens a short if allowed), the
//! exits only close the named side (kExit: whichever side is held).
enum class Signal : int8_t { kNone = 0, kBullish = 1, kBearish = -1, kExitLong = 2, kExitShort = -2, kExit = 3 };

//! Prices a strategy sets, per bar, for the entries decided at that bar's close (NaN where none):
//! a long's stop and target, and a short's.
struct EntryLevels {
    std::span<double> stop;
    std::span<double> target;
    std::span<double> stop_short;
    std::span<double> target_short;
};

//! Storage for EntryLevels, in its order: long stop, long target, short stop, short target.
using LevelBuffers = std::array<std::vector<double>, 4>;

//! A trading rule. Contract: out[t] depends on bars[0..t] only (no look-ahead); the batch form
//! lets a strategy work on whole indicator series in one tight pass.
class Strategy {
  public:
    virtual ~Strategy() = default;
    virtual std::string_view Name() const = 0;
    //! Bars of history before the first bar on which an entry can be signalled (the longest
    //! warm-up among the indicators an entry reads). A range no longer than this has no trades.
    virtual size_t LookbackBars() const { return 0; }
    //! Writes one signal per bar of `context.Bars()` into `out` (same size). Indicator series come
    //! from the context, which a grid search shares between all its combinations.
    virtual void Signals(const SeriesContext& context, std::span<Signal> out) const = 0;
    //! Whether the strategy prices its entries' stop and target itself (rules' stopLoss and
    //! takeProfit), through SignalsAndLevels.
    virtual bool SetsLevels() const { return false; }
    //! Signals, and per bar the prices an entry decided at that bar's close gets (each span of the
    //! bars' size). Same contract: values at t depend on bars[0..t] only.
    virtual void SignalsAndLevels(const SeriesContext& context, std::span<Signal> out,
                                  const EntryLevels& levels) const {
        Signals(context, out);
        for (const std::span<double> s : {levels.stop, levels.target, levels.stop_short, levels.target_short})
            std::fill(s.begin(), s.end(), std::numeric_limits<double>::quiet_NaN());
    }
    //! For a single run: signals over `bars` with a context of their own.
    void GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const;
};

}  // namespace spark
