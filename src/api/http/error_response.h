#pragma once

#include "api/http/http_types.h"
#include "common/error.h"

namespace spark::api {

//! The one place that maps error codes to HTTP statuses.
int HttpStatusFor(ErrorCode code);

//! `{"error":{"code":"...","message":"...","details":{"field":...,"reason":...}}}` with the
//! status of its code; details is null when the error names neither.
HttpResponse ErrorResponse(const Error& error);

}  // namespace spark::api
