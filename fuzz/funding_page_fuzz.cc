// Binance's /fapi/v1/fundingRate answer (what an upstream, or anything pretending to be one, may
// send): a page it accepts must hold only rows the cache may store.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/request_parsers_fuzz.h"
#include "marketdata/funding_page.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    const auto page = spark::ParseFundingPage(body, "BTCUSDT", spark::fuzz::kNowMs);
    if (!page) return 0;
    for (size_t i = 0; i < page->size(); ++i) {
        const spark::FundingRate& row = (*page)[i];
        // Strictly increasing settlement times.
        if (i > 0 && row.time_ms <= (*page)[i - 1].time_ms) __builtin_trap();
        // A finite rate within the believable magnitude.
        if (!std::isfinite(row.rate) || std::abs(row.rate) > spark::kMaxFundingRateMagnitude) __builtin_trap();
        // No mark price (NaN), or a finite positive one.
        if (!std::isnan(row.mark_price) && !(std::isfinite(row.mark_price) && row.mark_price > 0)) __builtin_trap();
    }
    return 0;
}
