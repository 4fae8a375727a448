#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace spark {

inline constexpr int64_t kMillisPerSecond = 1000;
inline constexpr int64_t kMillisPerMinute = 60 * kMillisPerSecond;
inline constexpr int64_t kMillisPerHour = 60 * kMillisPerMinute;
inline constexpr int64_t kMillisPerDay = 24 * kMillisPerHour;

//! A Binance kline interval (`1s` ... `1M`). Fixed-length intervals open at multiples of their
//! length since the epoch, except `1w`, which opens on Mondays 00:00 UTC; `1M` opens on the first
//! day of each calendar month and has a variable length.
class Interval {
  public:
    //! Parses Binance's case-sensitive interval names; nullopt for anything else.
    static std::optional<Interval> Parse(std::string_view name);

    std::string_view Name() const { return name_; }
    bool IsCalendarMonth() const { return fixed_ms_ == 0; }

    //! Nominal length in ms (31 days for `1M`, used only to size things, never for alignment).
    int64_t NominalMs() const;

    //! 365 days / bar length: 8760 for `1h`, 12 for `1M`, 365/7 for `1w`.
    double PeriodsPerYear() const;

    bool IsAligned(int64_t open_time_ms) const;
    //! The first open time at or after `time_ms`.
    int64_t AlignUp(int64_t time_ms) const;
    //! The last open time at or before `time_ms`: the open of the bar that contains it.
    int64_t AlignDown(int64_t time_ms) const;
    //! The open time of the bar after the one opening at `open_time_ms` (which must be aligned).
    int64_t Next(int64_t open_time_ms) const;
    //! Number of bar open times in [start_ms, end_ms).
    int64_t CountOpenTimes(int64_t start_ms, int64_t end_ms) const;

    //! Whether every bar of `coarser` is exactly a run of whole bars of this interval (1m divides
    //! 1h, 1h divides 1w and 3d, 1d divides 1M; 3d does not divide 1w, nothing divides itself).
    bool Divides(const Interval& coarser) const;
    //! Every interval, finest first.
    static std::vector<Interval> All();

    friend bool operator==(const Interval&, const Interval&) = default;

  private:
    Interval(std::string_view name, int64_t fixed_ms, int64_t offset_ms)
        : name_(name), fixed_ms_(fixed_ms), offset_ms_(offset_ms) {}

    std::string_view name_;
    int64_t fixed_ms_;   //!< 0 for calendar months
    int64_t offset_ms_;  //!< alignment offset from the epoch (Monday for `1w`)
};

}  // namespace spark
