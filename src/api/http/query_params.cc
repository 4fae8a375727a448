#include "api/http/query_params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace spark::api {

std::vector<std::pair<std::string, std::string>> QueryParams(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> params;
    size_t start = 0;
    while (start < query.size()) {
        const size_t amp = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, amp - start);
        start = amp + 1;
        const size_t eq = pair.find('=');
        params.emplace_back(std::string(pair.substr(0, eq)),
                            eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1)));
    }
    return params;
}

Result<size_t> ReadLimit(std::string_view value, size_t max) {
    size_t parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc() || end != value.data() + value.size() || parsed < 1 || parsed > max) {
        return MakeError(ErrorCode::kInvalidRequest, fmt::format("limit must be an integer from 1 to {}", max), "limit",
                         "OUT_OF_RANGE");
    }
    return parsed;
}

}  // namespace spark::api
