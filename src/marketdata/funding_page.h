#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "model/funding_rate.h"

namespace spark {

//! The largest funding rate magnitude believed (a fraction: 1 is 100% of the notional). Binance
//! caps real rates far below this; a larger value is a corrupt answer or file, not a market.
inline constexpr double kMaxFundingRateMagnitude = 1.0;

//! One page of Binance's `GET /fapi/v1/fundingRate` answer, a JSON list of
//! {"symbol","fundingRate","fundingTime","markPrice"} objects, as validated settlements. Strict:
//! a page that is not a list, a row that is not an object, a missing or mistyped field, a rate
//! that is not a finite decimal string or exceeds kMaxFundingRateMagnitude, a mark price that is
//! neither "" (absent, NaN) nor a positive decimal string, a row of another symbol than `symbol`,
//! a fundingTime after `now_ms`, or times not strictly increasing fail the whole page
//! (kMarketDataUnavailable): nothing of it may reach the cache.
Result<std::vector<FundingRate>> ParseFundingPage(std::string_view body, std::string_view symbol, int64_t now_ms);

//! Binance publishes a settlement a moment after its fundingTime, and a covered range is never
//! fetched again: coverage of funding history never reaches past this, the last whole hour a
//! minute ago (whole hours also keep one coverage row and one fetch per hour, not per request).
int64_t FundingHorizon(int64_t now_ms);

}  // namespace spark
