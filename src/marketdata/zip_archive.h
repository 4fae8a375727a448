#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/error.h"

namespace spark {

//! The most text one kline file may hold once decompressed: a month of 1s bars is about 320 MB
//! of CSV. Beyond this the file is refused before it is inflated, whatever its headers claim.
inline constexpr size_t kMaxKlineTextBytes = size_t{1} << 30;

//! True when `data` starts like a zip archive (Binance publishes its monthly dumps as .zip).
bool LooksLikeZip(std::string_view data);

//! The contents of the first `.csv` member of a zip archive (stored or deflated; no ZIP64).
//! Binance's dump archives hold exactly one CSV.
Result<std::string> ExtractCsvFromZip(std::string_view archive);

}  // namespace spark
