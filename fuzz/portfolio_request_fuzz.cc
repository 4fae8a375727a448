// POST /backtest/portfolio's parser on arbitrary bodies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/portfolio/portfolio_request.h"
#include "fuzz/request_parsers_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)spark::api::ParsePortfolioRequest(body, spark::fuzz::kNowMs, 50);
    return 0;
}
