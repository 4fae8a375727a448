#pragma once

#include <span>

namespace spark::analysis {

//! Statistics of the per-bar simple returns r_t = E_t / E_{t-1} - 1 (t >= 1), annualised with
//! √periodsPerYear and a zero risk-free rate. Each is 0 where undefined (SEMANTICS.md "Metrics").
struct ReturnStatistics {
    double sharpe = 0;      //!< mean(r) / stdev(r, ddof=1) × √ppy
    double sortino = 0;     //!< mean(r) / √mean(min(r,0)²) × √ppy
    double volatility = 0;  //!< stdev(r, ddof=1) × √ppy
};

ReturnStatistics ComputeReturnStatistics(std::span<const double> equity, double periods_per_year);

}  // namespace spark::analysis
