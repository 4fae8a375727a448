#include "api/error_response.h"

#include "api/json_writer.h"

namespace spark::api {

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
            return 404;
        case ErrorCode::kMethodNotAllowed:
            return 405;
        case ErrorCode::kPayloadTooLarge:
            return 413;
        case ErrorCode::kRunEngineError:
        case ErrorCode::kInternal:
            return 500;
        case ErrorCode::kCacheUnavailable:
        case ErrorCode::kServiceUnavailable:
            return 503;
    }
    return 500;
}

HttpResponse ErrorResponse(const Error& error) {
    JsonWriter json(256);
    json.BeginObject().Key("error").BeginObject();
    json.Field("code", ErrorCodeName(error.code));
    json.Field("message", error.message);
    json.Key("details");
    if (error.field.empty() && error.reason.empty() && error.numbers.empty()) {
        json.Null();
    } else {
        json.BeginObject();
        if (!error.field.empty()) json.Field("field", error.field);
        if (!error.reason.empty()) json.Field("reason", error.reason);
        for (const auto& [key, value] : error.numbers) json.Field(key, value);
        json.EndObject();
    }
    json.EndObject().EndObject();
    HttpResponse response{HttpStatusFor(error.code), json.Take()};
    response.error_code = std::string(ErrorCodeName(error.code));
    return response;
}

}  // namespace spark::api
