#include "api/http/rejection_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <utility>

namespace spark::api {

bool RejectionLog::Write(std::string_view line) {
    int64_t suppressed = 0;
    {
        std::lock_guard lock(mutex_);
        const Clock::time_point now = Clock::now();
        tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_refill_).count() * per_second_);
        last_refill_ = now;
        if (tokens_ < 1) {
            ++suppressed_since_last_;
            ++suppressed_total_;
            return false;
        }
        tokens_ -= 1;
        suppressed = std::exchange(suppressed_since_last_, 0);
    }
    if (suppressed > 0) {
        std::cerr << fmt::format("{},\"suppressedBefore\":{}}}\n", line, suppressed);
    } else {
        std::cerr << line << "}\n";
    }
    return true;
}

int64_t RejectionLog::Suppressed() const {
    std::lock_guard lock(mutex_);
    return suppressed_total_;
}

}  // namespace spark::api
