#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "model/candle.h"

namespace spark {

//! What a strategy concludes at the close of a bar. The engine turns it into orders according
//! to its position and options, so strategies stay free of bookkeeping (docs/strategies.md):
//! bullish buys (covering a short first), bearish sells (and opens a short if allowed), the
//! exits only close the named side (kExit: whichever side is held).
enum class Signal : int8_t { kNone = 0, kBullish = 1, kBearish = -1, kExitLong = 2, kExitShort = -2, kExit = 3 };

//! A trading rule. Contract: out[t] depends on bars[0..t] only (no look-ahead); the batch form
//! lets a strategy compute its indicators over the whole series in one tight pass.
class Strategy {
  public:
    virtual ~Strategy() = default;
    virtual std::string_view Name() const = 0;
    //! Writes one signal per bar; `out.size() == bars.size()`.
    virtual void GenerateSignals(std::span<const Candle> bars, std::span<Signal> out) const = 0;
};

}  // namespace spark
