// Binance's klines answer (what an upstream, or anything pretending to be one, may send).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/interval.h"
#include "fuzz/request_parsers_fuzz.h"
#include "marketdata/binance_client.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    static const auto kInterval = spark::Interval::Parse("1h");
    (void)spark::ParseKlinesPage(body, *kInterval, spark::fuzz::kNowMs);
    return 0;
}
