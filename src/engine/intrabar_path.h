#pragma once

#include <cstdint>
#include <span>

#include "common/interval.h"
#include "model/candle.h"

namespace spark {

//! Finer bars that tell in which order a bar's prices happened (`"intrabar": "1m"`): stops,
//! targets and trails are resolved on them, one finer bar after another, instead of on the bar's
//! own open, high and low (docs/strategies.md "Intrabar exits").
class IntrabarPath {
  public:
    //! `fine`: sorted bars of `fine_interval`, which divides `bar_interval`; not owned.
    IntrabarPath(std::span<const Candle> fine, Interval bar_interval, Interval fine_interval)
        : fine_(fine), bar_interval_(bar_interval), fine_interval_(fine_interval) {}

    //! The finer bars inside the bar opening at `open_time_ms` when every one of them exists;
    //! empty when any is missing (that bar is then resolved on its own prices).
    std::span<const Candle> Inside(int64_t open_time_ms) const;

    //! How many of `bars` lack some of their finer bars.
    int64_t IncompleteBars(std::span<const Candle> bars) const;

    const Interval& FineInterval() const { return fine_interval_; }

  private:
    std::span<const Candle> fine_;
    Interval bar_interval_;
    Interval fine_interval_;
};

}  // namespace spark
