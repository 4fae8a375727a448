#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace spark {

//! True when `data` starts like a zip archive (Binance publishes its monthly dumps as .zip).
bool LooksLikeZip(std::string_view data);

//! The contents of the first `.csv` member of a zip archive (stored or deflated; no ZIP64).
//! Binance's dump archives hold exactly one CSV.
Result<std::string> ExtractCsvFromZip(std::string_view archive);

}  // namespace spark
