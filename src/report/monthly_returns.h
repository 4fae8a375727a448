#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "report/csv_export.h"

namespace spark::report {

//! Returns by UTC calendar month: a month's last equity over the previous month's, the first
//! month against `initial`; whole years likewise. Keys are year * 12 + month index.
struct MonthlyReturns {
    std::map<int64_t, double> months;
    std::map<int64_t, double> years;  //!< keyed by the year itself
};

//! The monthly and yearly returns of `curve` for the tearsheet's heatmap; `initial` is the equity
//! before its first point (the initial cash).
MonthlyReturns MonthlyReturnsOf(const std::vector<EquityPoint>& curve, double initial);

}  // namespace spark::report
