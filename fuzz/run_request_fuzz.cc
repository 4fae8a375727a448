// POST /backtest/run's parser on arbitrary bodies: it must answer or refuse, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/deterministic_routes.h"
#include "api/run/run_request.h"
#include "fuzz/request_parsers_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    (void)spark::api::ParseRunRequest(body, spark::fuzz::kNowMs);
    // The deterministic stand-in (REAL_ROUTES) reads the same bodies.
    spark::api::HttpRequest request{"POST", "/backtest/run", "", std::string(body), "run_fuzz"};
    (void)spark::api::DeterministicJob("run", request);
    return 0;
}
