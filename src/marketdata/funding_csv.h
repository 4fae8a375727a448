#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "marketdata/kline_csv.h"
#include "model/funding_rate.h"
#include "model/time_range.h"

namespace spark {

//! How much later than its funding interval a settlement may follow the previous one: real
//! settlement times carry a few ms of jitter (…000003); a minute allows that and nothing more.
inline constexpr int64_t kFundingSpacingToleranceMs = 60'000;

struct FundingCsv {
    std::vector<FundingRate> rows;  //!< accepted, sorted by time, unique; mark_price NaN (dumps have none)
    //! Refused rows by 1-based line; `open_time_ms` holds the row's calc_time when it could be read.
    std::vector<RejectedRow> rejected;
    int64_t lines_read = 0;
    //! [first calc_time, last calc_time + the last row's funding interval); nullopt without rows.
    std::optional<TimeRange> covered;
    //! The spans inside `covered` where settlements are missing: consecutive rows further apart
    //! than their interval (the larger of the two rows') plus kFundingSpacingToleranceMs. Each is
    //! also a rejected row naming it. What the file vouches for is `covered` minus these.
    std::vector<TimeRange> holes;
};

//! Parses Binance's monthly fundingRate dump text (`calc_time,funding_interval_hours,
//! last_funding_rate`, the header line optional; microsecond times converted to ms). Each row
//! must have 3 fields, an integer time, an interval of 1 to 24 whole hours, a finite rate no
//! larger in magnitude than kMaxFundingRateMagnitude, a time not after `now_ms`, and a time no
//! other row has (the first one is kept). Failing rows are rejected, never repaired.
FundingCsv ParseFundingCsv(std::string_view text, int64_t now_ms);

}  // namespace spark
