#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spark {

//! Every expected failure the service can report. The HTTP status and the wire name of each code
//! are mapped in one place (api/http/error_response.cc).
enum class ErrorCode {
    kInvalidRequest,         //!< the request is malformed or a field is out of range
    kPayloadTooLarge,        //!< the body exceeds the configured limit
    kRouteNotFound,          //!< no such path
    kMethodNotAllowed,       //!< the path exists, not with this method
    kDataNotFound,           //!< the cache holds no bars for the range and no upstream can supply them
    kRunEngineError,         //!< the engine could not complete a run on the bars it was given
    kCacheUnavailable,       //!< the DuckDB cache failed (I/O, lock, corruption)
    kServiceUnavailable,     //!< overloaded (compute queue full) or shutting down; retry later
    kUnauthorized,           //!< SPARK_API_TOKEN is set and the request lacks the right bearer token
    kOriginNotAllowed,       //!< a browser request from an origin SPARK_ALLOWED_ORIGINS does not list
    kTooManyCombinations,    //!< a grid search larger than OPTIMIZER_MAX_COMBINATIONS
    kInvalidSymbol,          //!< Binance does not know the symbol (-1121)
    kMarketDataUnavailable,  //!< Binance failed: 5xx, exhausted retries, unreachable, malformed answer
    kMarketDataTimeout,      //!< Binance did not answer in time
    kMarketDataBanned,       //!< Binance banned this IP (418): not retried
    kJobNotFound,            //!< no asynchronous job has this id (or it was removed)
    kJobNotDone,             //!< the job's result was asked before it finished, or it failed or was cancelled
    kQueueUnavailable,       //!< the job queue (Redis) cannot be reached or refused a command
    kInternal,               //!< a bug: something that should not happen
};

//! An error travelling as a value (std::expected). `field` names the request field at fault and
//! `reason` is a finer machine-readable cause (e.g. UNKNOWN_STRATEGY under INVALID_REQUEST),
//! each when there is one, so clients can point at the problem without parsing the message.
struct Error {
    Error() = default;
    Error(ErrorCode error_code, std::string text, std::string field_name = {}, std::string reason_code = {})
        : code(error_code), message(std::move(text)), field(std::move(field_name)), reason(std::move(reason_code)) {}

    ErrorCode code = ErrorCode::kInternal;
    std::string message;
    std::string field;
    std::string reason;
    std::vector<std::pair<std::string, double>> numbers;  //!< extra details, e.g. {"count", 612}, {"cap", 500}
};

template <typename T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> MakeError(ErrorCode code, std::string message, std::string field = {},
                                        std::string reason = {}) {
    return std::unexpected(Error{code, std::move(message), std::move(field), std::move(reason)});
}

//! Stable wire name of a code, e.g. "INVALID_REQUEST".
std::string_view ErrorCodeName(ErrorCode code);
//! The code a wire name stands for (an answer relayed from another component); kInternal if none.
ErrorCode ErrorCodeFromName(std::string_view name);

}  // namespace spark
