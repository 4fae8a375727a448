#include "common/closest_name.h"

#include <algorithm>
#include <vector>

namespace spark {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

template <typename Text>
std::string Closest(std::string_view name, std::span<const Text> candidates) {
    // Names are at most a few dozen characters; longer input is not a typo worth a suggestion.
    if (name.size() > 64) return {};
    const size_t allowed = std::max<size_t>(1, name.size() / 3);
    std::string best;
    size_t best_distance = allowed + 1;
    for (const Text& candidate : candidates) {
        const size_t d = EditDistance(name, candidate);
        if (d < best_distance) {
            best_distance = d;
            best = std::string(candidate);
        }
    }
    return best;
}

}  // namespace

std::string ClosestName(std::string_view name, std::span<const std::string> candidates) {
    return Closest(name, candidates);
}

std::string ClosestName(std::string_view name, std::span<const std::string_view> candidates) {
    return Closest(name, candidates);
}

}  // namespace spark
