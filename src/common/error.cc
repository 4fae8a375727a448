#include "common/error.h"

namespace spark {

std::string_view ErrorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kInvalidRequest:
            return "INVALID_REQUEST";
        case ErrorCode::kPayloadTooLarge:
            return "PAYLOAD_TOO_LARGE";
        case ErrorCode::kRouteNotFound:
            return "NOT_FOUND";
        case ErrorCode::kMethodNotAllowed:
            return "METHOD_NOT_ALLOWED";
        case ErrorCode::kDataNotFound:
            return "DATA_NOT_FOUND";
        case ErrorCode::kRunEngineError:
            return "RUN_ENGINE_ERROR";
        case ErrorCode::kCacheUnavailable:
            return "CACHE_UNAVAILABLE";
        case ErrorCode::kServiceUnavailable:
            return "SERVICE_UNAVAILABLE";
        case ErrorCode::kUnauthorized:
            return "UNAUTHORIZED";
        case ErrorCode::kOriginNotAllowed:
            return "ORIGIN_NOT_ALLOWED";
        case ErrorCode::kTooManyCombinations:
            return "TOO_MANY_COMBINATIONS";
        case ErrorCode::kInvalidSymbol:
            return "INVALID_SYMBOL";
        case ErrorCode::kMarketDataUnavailable:
            return "MARKET_DATA_UNAVAILABLE";
        case ErrorCode::kMarketDataTimeout:
            return "MARKET_DATA_TIMEOUT";
        case ErrorCode::kJobNotFound:
            return "JOB_NOT_FOUND";
        case ErrorCode::kJobNotDone:
            return "JOB_NOT_DONE";
        case ErrorCode::kQueueUnavailable:
            return "QUEUE_UNAVAILABLE";
        case ErrorCode::kMarketDataBanned:
            return "MARKET_DATA_BANNED";
        case ErrorCode::kInternal:
            return "INTERNAL_ERROR";
    }
    return "INTERNAL_ERROR";
}

ErrorCode ErrorCodeFromName(std::string_view name) {
    for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c) {
        if (ErrorCodeName(static_cast<ErrorCode>(c)) == name) return static_cast<ErrorCode>(c);
    }
    return ErrorCode::kInternal;
}

}  // namespace spark
