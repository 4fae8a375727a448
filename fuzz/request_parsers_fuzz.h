#pragma once

#include <cstdint>

namespace spark::fuzz {

//! A fixed "now" so that a finding replays identically: 2025-01-01T00:00:00Z.
inline constexpr int64_t kNowMs = 1'735'689'600'000;

}  // namespace spark::fuzz
