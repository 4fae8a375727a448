#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace spark::api {

//! Who may call the service (docs/operations.md "Access"): an optional bearer token and the
//! browser origins allowed to send requests.
struct AccessOptions {
    std::string token;  //!< SPARK_API_TOKEN; empty: no authentication
    //! SPARK_AUTH_EXEMPT: route names answered without the token (probes and scrapes).
    std::set<std::string> exempt_routes = {"healthz", "readyz", "metrics", "web"};
    //! SPARK_ALLOWED_ORIGINS: origins (scheme://host[:port], lower case, no default port) whose
    //! browser requests are accepted besides the service's own; "*" accepts any.
    std::vector<std::string> allowed_origins;
    //! Refuse requests whose Host is neither a loopback name nor the host of an allowed origin.
    //! On for a loopback listener: a page whose DNS name is re-pointed at 127.0.0.1 (DNS
    //! rebinding) is then "same-origin" with the service, and only its Host gives it away.
    bool check_host = false;
};

class AccessPolicy {
  public:
    explicit AccessPolicy(AccessOptions options) : options_(std::move(options)) {}

    bool TokenConfigured() const { return !options_.token.empty(); }
    bool Exempt(std::string_view route) const { return options_.exempt_routes.contains(std::string(route)); }
    //! True when a token is configured and `authorization` is "Bearer <it>" (compared in constant
    //! time, so the answer's timing does not reveal how much of a guess was right).
    bool Authenticated(std::string_view authorization) const;

    //! False when `check_host` is on and `host` is not a name this service answers to.
    bool HostAllowed(std::string_view host) const;

    enum class Origin {
        kAbsent,   //!< no Origin header: not a browser's cross-site request (curl, scripts)
        kSame,     //!< the page was served by this service (Origin matches a trusted Host)
        kListed,   //!< in SPARK_ALLOWED_ORIGINS: answered with CORS headers
        kRefused,  //!< any other site: refused before anything runs
    };
    //! Browsers send Origin on every cross-site POST, including "simple" text/plain ones that need
    //! no preflight, so checking it is what stops a page the user visits from using the service.
    Origin Classify(std::string_view origin, std::string_view host) const;

  private:
    //! A loopback name, or the host of an allowed origin (ports aside).
    bool HostTrusted(std::string_view host) const;

    AccessOptions options_;
};

}  // namespace spark::api
