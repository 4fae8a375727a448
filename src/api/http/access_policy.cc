#include "api/http/access_policy.h"

#include <algorithm>
#include <cctype>

namespace spark::api {
namespace {

std::string Lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

//! The host name of "host[:port]" or "[v6]:port", lower case.
std::string HostName(std::string_view authority) {
    if (authority.starts_with('[')) return Lower(authority.substr(1, authority.find(']') - 1));
    const size_t colon = authority.rfind(':');
    return Lower(colon == std::string_view::npos ? authority : authority.substr(0, colon));
}

//! The authority of "scheme://authority[/...]".
std::string_view Authority(std::string_view origin) {
    const size_t scheme = origin.find("://");
    if (scheme == std::string_view::npos) return {};
    const std::string_view rest = origin.substr(scheme + 3);
    return rest.substr(0, rest.find('/'));
}

}  // namespace

bool AccessPolicy::Authenticated(std::string_view authorization) const {
    constexpr std::string_view kScheme = "bearer ";  // the scheme name is case-insensitive (RFC 7235)
    if (options_.token.empty() || authorization.size() < kScheme.size() ||
        Lower(authorization.substr(0, kScheme.size())) != kScheme) {
        return false;
    }
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

bool AccessPolicy::HostTrusted(std::string_view host) const {
    const std::string name = HostName(host);
    if (name == "127.0.0.1" || name == "localhost" || name == "::1") return true;
    return std::any_of(options_.allowed_origins.begin(), options_.allowed_origins.end(),
                       [&](const std::string& origin) { return HostName(Authority(origin)) == name; });
}

bool AccessPolicy::HostAllowed(std::string_view host) const {
    // No Host at all is HTTP/1.0 from a script, never a browser.
    return !options_.check_host || host.empty() || HostTrusted(host);
}

AccessPolicy::Origin AccessPolicy::Classify(std::string_view origin, std::string_view host) const {
    if (origin.empty()) return Origin::kAbsent;
    const auto& allowed = options_.allowed_origins;
    const std::string normalized = Lower(origin);
    if (std::find(allowed.begin(), allowed.end(), "*") != allowed.end() ||
        std::find(allowed.begin(), allowed.end(), normalized) != allowed.end()) {
        return Origin::kListed;
    }
    for (std::string_view scheme : {"http://", "https://"}) {
        if (!host.empty() && normalized.starts_with(scheme) && normalized.substr(scheme.size()) == Lower(host) &&
            HostTrusted(host)) {
            return Origin::kSame;
        }
    }
    return Origin::kRefused;
}

}  // namespace spark::api
