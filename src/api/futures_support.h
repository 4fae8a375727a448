#pragma once

#include <span>
#include <string>
#include <vector>

#include "api/json/json_writer.h"
#include "api/run/run_request.h"
#include "common/error.h"
#include "marketdata/funding_loader.h"

namespace spark::api {

//! One symbol's funding settlements over a futures run's range, and where they came from. The
//! engine reads `loaded.rates` through BacktestOptions::futures, so it must outlive the run.
struct FundingSettlements {
    std::string symbol;
    std::optional<LoadedFunding> loaded;  //!< none when the request sent funding false
};

//! Loads `symbol`'s funding over the run's range, cache-first (docs/futures.md "Funding"), for a
//! futures request (nothing is loaded when it sent funding false); nullopt on spot. A failed load fails the request,
//! its error naming `funding` and saying how to go on.
Result<std::optional<FundingSettlements>> LoadFundingFor(const FundingLoader& loader, const RunRequest& request,
                                                         const std::string& symbol);

//! `terms` with `funding`'s settlements attached (none when null or not loaded); the engine reads
//! them in place, so `funding` must outlive the run.
FuturesTerms WithFunding(const FuturesTerms& terms, const FundingSettlements* funding);

//! `"futures"`: null on spot, else the leverage and, per symbol, its maintenance tiers and the
//! funding used (settlements, their intervals, source, cache hit).
void WriteFutures(JsonWriter& json, const RunRequest& request, std::span<const FundingSettlements> funding);

}  // namespace spark::api
