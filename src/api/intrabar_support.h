#pragma once

#include <memory>
#include <string>

#include "api/run/run_request.h"
#include "api/service_metrics.h"
#include "common/warning.h"
#include "engine/intrabar_path.h"
#include "marketdata/bar_loader.h"

namespace spark::api {

//! The finer bars of a request's `intrabar`, and the path the engine reads them through.
struct IntrabarBars {
    LoadedBars loaded;
    std::unique_ptr<IntrabarPath> path;  //!< over `loaded.bars`
    int64_t incomplete_bars = 0;         //!< the run's bars resolved on their own prices
    std::string timeframe;
};

//! Loads `request.intrabar`'s bars for `symbol` over the run's range, cache-first and counted
//! like the run's own (docs/api.md "Intrabar exits"). Null when the request has no intrabar, or
//! nothing for it to resolve (no stop, target or trail in the request, nor, `levels_elsewhere`,
//! in its grid or a strategy's rules: an INTRABAR_UNUSED warning says so and nothing is loaded). Bars of `bars` lacking
//! some finer bars give an INTRABAR_INCOMPLETE warning. A failed load fails the request, its error naming `intrabar`.
Result<std::shared_ptr<const IntrabarBars>> LoadIntrabar(const BarLoader& loader, ServiceMetrics& metrics,
                                                         const RunRequest& request, const std::string& symbol,
                                                         std::span<const Candle> bars, Warnings& warnings,
                                                         bool levels_elsewhere = false);

}  // namespace spark::api
