#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"

namespace spark::api {

//! A query string's `key=value` pairs, in order (a key without `=` has an empty value). Values are
//! not percent-decoded: the list routes take names and numbers only.
std::vector<std::pair<std::string, std::string>> QueryParams(std::string_view query);

//! A list's `limit`: an integer from 1 to `max`, else 400 OUT_OF_RANGE naming `limit`.
Result<size_t> ReadLimit(std::string_view value, size_t max);

}  // namespace spark::api
