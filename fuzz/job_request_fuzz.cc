// POST /jobs' grid parsers (optimize and sweep requests, the grid expanded against the job cap)
// on arbitrary bodies: the first byte picks the type, the rest is the request.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/jobs/grid_job.h"
#include "fuzz/request_parsers_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const std::string_view type = data[0] % 2 == 0 ? "sweep" : "optimize";
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    // A small cap: the fuzzer explores the parser, not the cost of storing a huge grid.
    (void)spark::api::ParseGridJob(type, body, spark::fuzz::kNowMs, 2'000);
    return 0;
}
