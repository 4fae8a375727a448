#pragma once

#include <cstdint>
#include <span>

namespace spark::analysis {

struct DrawdownStatistics {
    double max_drawdown = 0;        //!< max over t of 1 - E_t / max_{s<=t} E_s, a positive fraction
    int64_t max_duration_bars = 0;  //!< longest run of consecutive bars strictly below a prior peak
};

DrawdownStatistics ComputeDrawdown(std::span<const double> equity);

}  // namespace spark::analysis
