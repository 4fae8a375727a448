#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/error.h"

namespace spark {

//! Text kept compressed in the executor's DuckDB file (stored runs, finished jobs): zlib's fastest
//! level, since it is written on a request's or a job's completion path and repetitive JSON or CSV
//! still shrinks several times over. Empty text is stored as an empty blob.
//! `what` names the text in the error ("run", "job's result").
Result<std::string> CompressText(std::string_view text, std::string_view what);

//! `size` is the text's uncompressed length, stored beside it: zlib's one-shot uncompress needs
//! the room up front, and a length that does not match is corruption (CACHE_UNAVAILABLE).
Result<std::string> DecompressText(std::string_view blob, int64_t size, std::string_view what);

}  // namespace spark
