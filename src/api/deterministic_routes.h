#pragma once

#include <string_view>

#include "api/http/http_types.h"

namespace spark::api {

//! The rollback handler of a job route left out of REAL_ROUTES: a fixed response shape derived
//! only from the request (docs/operations.md "Rollback"), marked "mode": "deterministic". It
//! never touches the cache or an upstream and costs microseconds.
HttpResponse DeterministicJob(std::string_view route, const HttpRequest& request);

}  // namespace spark::api
