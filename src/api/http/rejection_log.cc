#include "api/http/rejection_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <utility>

namespace spark::api {

std::optional<int64_t> RejectionLog::Admit() {
    std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - last_refill_).count() * per_second_);
    last_refill_ = now;
    if (tokens_ < 1) {
        ++suppressed_since_last_;
        return std::nullopt;
    }
    tokens_ -= 1;
    return std::exchange(suppressed_since_last_, 0);
}

void RejectionLog::Print(std::string_view line, int64_t suppressed_before) {
    if (suppressed_before > 0) {
        std::cerr << fmt::format("{},\"suppressedBefore\":{}}}\n", line, suppressed_before);
    } else {
        std::cerr << line << "}\n";
    }
}

}  // namespace spark::api
