#include "api/access_policy.h"

#include <algorithm>

namespace spark::api {

bool AccessPolicy::Authenticated(std::string_view authorization) const {
    constexpr std::string_view kScheme = "Bearer ";
    if (options_.token.empty() || !authorization.starts_with(kScheme)) return false;
    const std::string_view given = authorization.substr(kScheme.size());
    const std::string& token = options_.token;
    // Every byte of the token is compared whatever the guess: no early exit.
    unsigned char difference = given.size() == token.size() ? 0 : 1;
    for (size_t i = 0; i < token.size(); ++i) {
        const char guess = i < given.size() ? given[i] : '\0';
        difference |= static_cast<unsigned char>(guess ^ token[i]);
    }
    return difference == 0;
}

AccessPolicy::Origin AccessPolicy::Classify(std::string_view origin, std::string_view host) const {
    if (origin.empty()) return Origin::kAbsent;
    for (std::string_view scheme : {"http://", "https://"}) {
        if (!host.empty() && origin.starts_with(scheme) && origin.substr(scheme.size()) == host) return Origin::kSame;
    }
    const auto& allowed = options_.allowed_origins;
    if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
        std::find(allowed.begin(), allowed.end(), origin) != allowed.end()) {
        return Origin::kListed;
    }
    return Origin::kRefused;
}

}  // namespace spark::api
