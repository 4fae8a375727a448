#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace spark::api {

//! Request log lines for refused requests (queue full, invalid, unauthorized, over the
//! connection cap), at a bounded rate: a flood of refusals must not fill the disk or bury the
//! log. A token bucket admits `burst` lines at once and `per_second` after; the first line after
//! a silence says how many were left out. Refusals never go to the audit log, which records the
//! jobs the service accepted; the metric spark_http_rejections_total counts every one.
class RejectionLog {
  public:
    explicit RejectionLog(double per_second = 5, double burst = 20) : per_second_(per_second), burst_(burst) {
        tokens_ = burst;
    }

    //! Writes the line `make_line()` returns (a JSON object without its closing brace) if the rate
    //! allows, adding "suppressedBefore" when lines were left out before it. The line is only
    //! built when it will be written: under a flood most are not.
    template <typename MakeLine>
    bool Write(MakeLine&& make_line) {
        const std::optional<int64_t> suppressed = Admit();
        if (!suppressed) return false;
        Print(make_line(), *suppressed);
        return true;
    }

  private:
    using Clock = std::chrono::steady_clock;
    //! Lines left out since the last one written, when this one may be written; else none.
    std::optional<int64_t> Admit();
    static void Print(std::string_view line, int64_t suppressed_before);
    const double per_second_;
    const double burst_;
    mutable std::mutex mutex_;
    double tokens_;
    Clock::time_point last_refill_ = Clock::now();
    int64_t suppressed_since_last_ = 0;
};

}  // namespace spark::api
