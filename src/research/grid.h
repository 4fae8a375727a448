#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "strategy/parameter_schema.h"
#include "strategy/strategy_registry.h"

namespace spark::research {

//! The values one parameter takes in a grid, in the order given (ranges ascending).
struct GridAxis {
    std::string name;
    std::vector<double> values;
};

//! A grid over one strategy: searched axes plus fixed values for other parameters.
struct GridSpec {
    std::vector<GridAxis> axes;
    ParamValues fixed;
};

struct GridExpansion {
    std::vector<ParamValues> combinations;  //!< valid, fully resolved, in enumeration order (up to `keep`)
    int64_t valid = 0;                      //!< all valid combinations, stored or not
    int64_t skipped = 0;                    //!< combinations that broke the strategy's constraint
};

//! Most raw combinations (before constraints) a grid may describe: enumerating more would cost
//! real time before the cap could even be checked.
inline constexpr int64_t kMaxRawCombinations = 200'000;

//! Values of a range: from + k·step for k = 0, 1, ... while from + k·step <= to (within 1e-9 of
//! a step), each computed afresh (never accumulated).
std::vector<double> RangeValues(double from, double to, double step);

//! Enumerates the grid in a fixed order: parameters in the strategy's schema order, the first
//! varying slowest. Each value is validated against its parameter's schema (errors name
//! `grid.<param>`); combinations breaking the constraint are skipped and counted.
//! Only the first `keep` valid combinations are stored (the rest are counted in `valid`), so a
//! grid far over the cap costs no memory before it is refused.
//! `max_raw` caps the raw combinations (asynchronous jobs allow more than the synchronous routes).
Result<GridExpansion> ExpandGrid(const StrategyDefinition& strategy, const GridSpec& grid,
                                 size_t keep = static_cast<size_t>(kMaxRawCombinations),
                                 int64_t max_raw = kMaxRawCombinations);

}  // namespace spark::research
