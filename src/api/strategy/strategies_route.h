#pragma once

#include <string>

#include "api/http/http_types.h"

namespace spark::api {

//! GET /strategies: every built-in with its parameter schema, constraint and rules twin.
std::string StrategiesBody();

//! POST /strategies/validate: checks a strategy (rules or a built-in) without running it and
//! answers what an editor needs: parameters, lookback, normal form, functions used; or the same
//! 400 a run would get, with field, position, reason and caret.
HttpResponse ValidateStrategy(const HttpRequest& request);

}  // namespace spark::api
