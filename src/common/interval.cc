#include "common/interval.h"

#include <array>
#include <utility>

#include "common/time_format.h"

namespace spark {
namespace {

constexpr int64_t kMillisPerWeek = 7 * kMillisPerDay;
//! 1970-01-01 was a Thursday; Binance's weekly bars open on Mondays, the first being 1970-01-05.
constexpr int64_t kFirstMondayMs = 4 * kMillisPerDay;
constexpr int64_t kNominalMonthMs = 31 * kMillisPerDay;
constexpr double kDaysPerYear = 365.0;

struct IntervalSpec {
    std::string_view name;
    int64_t fixed_ms;
};

constexpr std::array<IntervalSpec, 16> kIntervals{{
    {"1s", kMillisPerSecond},
    {"1m", kMillisPerMinute},
    {"3m", 3 * kMillisPerMinute},
    {"5m", 5 * kMillisPerMinute},
    {"15m", 15 * kMillisPerMinute},
    {"30m", 30 * kMillisPerMinute},
    {"1h", kMillisPerHour},
    {"2h", 2 * kMillisPerHour},
    {"4h", 4 * kMillisPerHour},
    {"6h", 6 * kMillisPerHour},
    {"8h", 8 * kMillisPerHour},
    {"12h", 12 * kMillisPerHour},
    {"1d", kMillisPerDay},
    {"3d", 3 * kMillisPerDay},
    {"1w", kMillisPerWeek},
    {"1M", 0},
}};

//! Index of the calendar month containing `epoch_ms`, counted from 1970-01.
int64_t MonthIndex(int64_t epoch_ms) {
    const CivilDate date = CivilFromDays(FloorDiv(epoch_ms, kMillisPerDay));
    return (date.year - 1970) * 12 + static_cast<int64_t>(date.month) - 1;
}

int64_t MonthStartMs(int64_t month_index) {
    const int64_t year = 1970 + FloorDiv(month_index, 12);
    const auto month = static_cast<unsigned>(month_index - FloorDiv(month_index, 12) * 12 + 1);
    return DaysFromCivil(year, month, 1) * kMillisPerDay;
}

}  // namespace

std::optional<Interval> Interval::Parse(std::string_view name) {
    for (const IntervalSpec& spec : kIntervals) {
        if (spec.name == name) {
            return Interval(spec.name, spec.fixed_ms, spec.fixed_ms == kMillisPerWeek ? kFirstMondayMs : 0);
        }
    }
    return std::nullopt;
}

int64_t Interval::NominalMs() const { return IsCalendarMonth() ? kNominalMonthMs : fixed_ms_; }

double Interval::PeriodsPerYear() const {
    if (IsCalendarMonth()) return 12.0;
    return kDaysPerYear * static_cast<double>(kMillisPerDay) / static_cast<double>(fixed_ms_);
}

bool Interval::IsAligned(int64_t open_time_ms) const {
    if (IsCalendarMonth()) return MonthStartMs(MonthIndex(open_time_ms)) == open_time_ms;
    return (open_time_ms - offset_ms_) % fixed_ms_ == 0;
}

int64_t Interval::AlignUp(int64_t time_ms) const {
    if (IsCalendarMonth()) {
        const int64_t month = MonthIndex(time_ms);
        const int64_t start = MonthStartMs(month);
        return start == time_ms ? start : MonthStartMs(month + 1);
    }
    const int64_t periods = FloorDiv(time_ms - offset_ms_ + fixed_ms_ - 1, fixed_ms_);
    return periods * fixed_ms_ + offset_ms_;
}

int64_t Interval::AlignDown(int64_t time_ms) const {
    if (IsCalendarMonth()) return MonthStartMs(MonthIndex(time_ms));
    return FloorDiv(time_ms - offset_ms_, fixed_ms_) * fixed_ms_ + offset_ms_;
}

int64_t Interval::Next(int64_t open_time_ms) const {
    if (IsCalendarMonth()) return MonthStartMs(MonthIndex(open_time_ms) + 1);
    return open_time_ms + fixed_ms_;
}

bool Interval::Divides(const Interval& coarser) const {
    if (IsCalendarMonth() || *this == coarser) return false;
    // Months start at midnight UTC: any interval that tiles a day from midnight tiles a month.
    if (coarser.IsCalendarMonth()) return offset_ms_ == 0 && kMillisPerDay % fixed_ms_ == 0;
    return coarser.fixed_ms_ % fixed_ms_ == 0 && (coarser.offset_ms_ - offset_ms_) % fixed_ms_ == 0;
}

std::vector<Interval> Interval::All() {
    std::vector<Interval> all;
    for (const IntervalSpec& spec : kIntervals) all.push_back(*Parse(spec.name));
    return all;
}

int64_t Interval::CountOpenTimes(int64_t start_ms, int64_t end_ms) const {
    const int64_t first = AlignUp(start_ms);
    if (first >= end_ms) return 0;
    if (IsCalendarMonth()) return MonthIndex(end_ms - 1) - MonthIndex(first) + 1;
    return (end_ms - 1 - first) / fixed_ms_ + 1;
}

}  // namespace spark
