#include "marketdata/compressed_text.h"

#include <fmt/format.h>
#include <zlib.h>

namespace spark {

Result<std::string> CompressText(std::string_view text, std::string_view what) {
    if (text.empty()) return std::string();
    uLongf size = compressBound(text.size());
    std::string out(size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(text.data()), text.size(),
                  Z_BEST_SPEED) != Z_OK) {
        return MakeError(ErrorCode::kInternal, fmt::format("a {} could not be compressed", what));
    }
    out.resize(size);
    return out;
}

Result<std::string> DecompressText(std::string_view blob, int64_t size, std::string_view what) {
    if (size == 0) return std::string();
    if (size < 0) return MakeError(ErrorCode::kCacheUnavailable, fmt::format("a stored {} has a negative size", what));
    std::string out(static_cast<size_t>(size), '\0');
    uLongf length = static_cast<uLongf>(size);
    if (uncompress(reinterpret_cast<Bytef*>(out.data()), &length, reinterpret_cast<const Bytef*>(blob.data()),
                   blob.size()) != Z_OK ||
        length != static_cast<uLongf>(size)) {
        return MakeError(ErrorCode::kCacheUnavailable, fmt::format("a stored {} could not be decompressed", what));
    }
    return out;
}

}  // namespace spark
