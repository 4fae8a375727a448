#include "report/monthly_returns.h"

#include <cmath>
#include <iterator>

#include "common/interval.h"
#include "common/time_format.h"

namespace spark::report {

MonthlyReturns MonthlyReturnsOf(const std::vector<EquityPoint>& curve, double initial) {
    std::map<int64_t, double> last_of_month;
    for (const EquityPoint& p : curve) {
        if (!std::isfinite(p.equity) || p.time_ms < 0 || p.time_ms > kMaxEpochMs) continue;
        const CivilDate date = CivilFromDays(FloorDiv(p.time_ms, kMillisPerDay));
        last_of_month[date.year * 12 + (date.month - 1)] = p.equity;
    }
    MonthlyReturns out;
    double previous_month = initial;
    double previous_year = initial;
    for (auto it = last_of_month.begin(); it != last_of_month.end(); ++it) {
        const auto [key, equity] = *it;
        out.months[key] = equity / previous_month - 1;
        previous_month = equity;
        const auto next = std::next(it);
        const int64_t year = FloorDiv(key, 12);
        if (next == last_of_month.end() || FloorDiv(next->first, 12) != year) {
            out.years[year] = equity / previous_year - 1;
            previous_year = equity;
        }
    }
    return out;
}

}  // namespace spark::report
