#include "api/http/error_response.h"

#include "api/json/json_writer.h"
#include "common/bounded_text.h"

namespace spark::api {
namespace {

constexpr size_t kMaxErrorMessageBytes = 600;
constexpr size_t kMaxErrorFieldBytes = 120;

}  // namespace

int HttpStatusFor(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidRequest:
        case ErrorCode::kTooManyCombinations:
        case ErrorCode::kInvalidSymbol:
            return 400;
        case ErrorCode::kMarketDataUnavailable:
            return 502;
        case ErrorCode::kMarketDataTimeout:
            return 504;
        case ErrorCode::kMarketDataBanned:
            return 503;
        case ErrorCode::kRouteNotFound:
        case ErrorCode::kDataNotFound:
        case ErrorCode::kJobNotFound:
            return 404;
        case ErrorCode::kJobNotDone:
            return 409;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kUnauthorized:
            return 401;
        case ErrorCode::kOriginNotAllowed:
            return 403;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kRunEngineError:
        case ErrorCode::kInternal:
            return 500;
        case ErrorCode::kCacheUnavailable:
        case ErrorCode::kServiceUnavailable:
        case ErrorCode::kQueueUnavailable:
            return 503;
    }
    return 500;
}

HttpResponse ErrorResponse(const Error& error) {
    JsonWriter json(256);
    json.BeginObject().Key("error").BeginObject();
    json.Field("code", ErrorCodeName(error.code));
    // Messages quote the request; whatever a handler put in, the answer stays small.
    json.Field("message", TruncateForEcho(error.message, kMaxErrorMessageBytes));
    json.Key("details");
    if (error.field.empty() && error.reason.empty() && error.numbers.empty()) {
        json.Null();
    } else {
        json.BeginObject();
        if (!error.field.empty()) json.Field("field", TruncateForEcho(error.field, kMaxErrorFieldBytes));
        if (!error.reason.empty()) json.Field("reason", error.reason);
        for (const auto& [key, value] : error.numbers) json.Field(key, value);
        json.EndObject();
    }
    json.EndObject().EndObject();
    HttpResponse response{HttpStatusFor(error.code), json.Take()};
    response.error_code = std::string(ErrorCodeName(error.code));
    response.error_reason = error.reason;
    response.error_field = TruncateForEcho(error.field, kMaxErrorFieldBytes);
    response.error_message = TruncateForEcho(error.message, kMaxErrorMessageBytes);
    return response;
}

}  // namespace spark::api
