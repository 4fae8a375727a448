// What a worker or the coordinator reads back from Redis: encoded trials and series, on arbitrary
// bytes. A blob either decodes to something that encodes back to the same bytes, or is refused.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "jobs/wire_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view blob(reinterpret_cast<const char*>(data), size);
    if (auto trials = spark::jobs::DecodeTrials(blob); trials) {
        // Flags and values round-trip; unset optional values are written as 0, so compare re-decoded.
        const std::string again = spark::jobs::EncodeTrials(*trials);
        auto twice = spark::jobs::DecodeTrials(again);
        if (!twice || twice->size() != trials->size() || spark::jobs::EncodeTrials(*twice) != again) std::abort();
    }
    if (auto bars = spark::jobs::DecodeSeries(blob); bars) {
        auto back = spark::jobs::DecodeSeries(spark::jobs::EncodeSeries(*bars));
        if (!back || *back != *bars) std::abort();
    }
    return 0;
}
