#pragma once

#include <array>
#include <string_view>

#include "common/error.h"
#include "engine/backtest_options.h"
#include "research/grid.h"

namespace spark::research {

//! Grid axes that search an engine option rather than a strategy parameter, named as requests
//! name the option (a nested value by its path). A combination carries their values beside the
//! strategy's parameters, under these names.
inline constexpr std::array<std::string_view, 11> kOptionAxes = {"stopLossPct",
                                                                 "takeProfitPct",
                                                                 "trailingStopPct",
                                                                 "stopLossAtr.multiple",
                                                                 "stopLossAtr.period",
                                                                 "takeProfitAtr.multiple",
                                                                 "takeProfitAtr.period",
                                                                 "trailingStopAtr.multiple",
                                                                 "trailingStopAtr.period",
                                                                 "sizing.value",
                                                                 "maxBarsInTrade"};

bool IsOptionAxis(std::string_view name);

//! Checks the grid's option axes against the request's own options: every value in its option's
//! range (an integer where the option is one); an ATR axis needs its object in the request (the
//! other half of the level); a percentage axis cannot search a level the request gives by ATR, or
//! the other way round. Errors name `grid.<axis>`.
Result<void> CheckOptionAxes(const GridSpec& grid, const BacktestOptions& base);

//! Whether the grid searches a stop, target or trail the request itself may not set.
bool GridSetsLevels(const GridSpec& grid);

//! `base` with the option values of `combination` applied.
BacktestOptions OptionsFor(const BacktestOptions& base, const ParamValues& combination);

//! Whether any of `combination`'s values is an option's.
bool HasOptionValues(const ParamValues& combination);

//! `combination` without its option values: the strategy's parameters alone.
ParamValues StrategyParamsOf(const ParamValues& combination);

}  // namespace spark::research
