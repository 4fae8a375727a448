// Kline files as they arrive (Binance's zip dumps, gzip, plain CSV) on arbitrary bytes: the
// archive readers and then the CSV reader.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/interval.h"
#include "fuzz/request_parsers_fuzz.h"
#include "marketdata/kline_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // The reader takes a path: an anonymous in-memory file stands in for one.
    static const int fd = memfd_create("kline", 0);
    if (fd < 0 || ftruncate(fd, 0) != 0) return 0;
    if (size > 0 && pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
    static const auto kInterval = spark::Interval::Parse("1h");
    auto text = spark::ReadKlineFile("/proc/self/fd/" + std::to_string(fd));
    if (text) (void)spark::ParseKlineCsv(*text, *kInterval, spark::fuzz::kNowMs);
    return 0;
}
