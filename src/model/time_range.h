#pragma once

#include <cstdint>

namespace spark {

//! A half-open time range [start_ms, end_ms) over bar open times, epoch ms UTC.
struct TimeRange {
    int64_t start_ms = 0;
    int64_t end_ms = 0;

    bool Empty() const { return start_ms >= end_ms; }
    bool Contains(int64_t t) const { return t >= start_ms && t < end_ms; }
    friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

}  // namespace spark
