#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "research/grid_search.h"

namespace spark::research {

//! How one parameter set did across every series of a sweep.
struct CrossSeriesScore {
    size_t combination = 0;
    //! Median objective over the series where the set ranked (evaluated with at least minTrades
    //! trades); absent when it ranked on none.
    std::optional<double> median_objective;
    int64_t series_ranked = 0;
    //! Series where the set's total return beat buying and holding the same bars, over all series.
    int64_t beat_buy_and_hold = 0;
    double share_beating_buy_and_hold = 0;
};

//! Ranks a sweep's parameter sets across its series (each outcome's trials in the same
//! enumeration order): highest median objective first, then the larger share of series beating
//! buy-and-hold, then the set enumerated first; sets that ranked on no series come last. The
//! median of an even count is the mean of the middle two.
std::vector<CrossSeriesScore> RankAcrossSeries(std::span<const GridSearchOutcome* const> outcomes, size_t combinations,
                                               Objective objective, int64_t min_trades);

}  // namespace spark::research
