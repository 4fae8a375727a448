#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
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

    //! `line` is a JSON object without its closing brace; "suppressed" is added when lines were
    //! left out before it. Returns whether it was written.
    bool Write(std::string_view line);
    int64_t Suppressed() const;

  private:
    using Clock = std::chrono::steady_clock;
    const double per_second_;
    const double burst_;
    mutable std::mutex mutex_;
    double tokens_;
    Clock::time_point last_refill_ = Clock::now();
    int64_t suppressed_since_last_ = 0;
    int64_t suppressed_total_ = 0;
};

}  // namespace spark::api
