// The kline CSV reader (imports and the Binance page check) on arbitrary text, for a few intervals.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/interval.h"
#include "fuzz/request_parsers_fuzz.h"
#include "marketdata/kline_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    // The first byte picks the interval, so alignment rules of minutes, hours and months are all reached.
    static const char* kIntervals[] = {"1m", "1h", "1d", "1w", "1M"};
    const auto interval = spark::Interval::Parse(kIntervals[data[0] % 5]);
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    (void)spark::ParseKlineCsv(text, *interval, spark::fuzz::kNowMs);
    return 0;
}
