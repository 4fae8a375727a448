#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/http/event_stream.h"

namespace spark::api {

//! The parts of an HTTP request the handlers need; the server adapts Beast's types to these so
//! handlers can be tested without a socket.
struct HttpRequest {
    std::string method;
    std::string path;
    std::string query;  //!< without the '?'
    std::string body;
    std::string run_id;          //!< set by the server for job routes (the audit log's key)
    bool authenticated = false;  //!< a configured SPARK_API_TOKEN was presented
    std::string accept;          //!< the Accept header (`text/csv` asks the run route for CSV)
    //! What "now" means for the request's range (its end is clipped to the last closed bar before
    //! it): unset for a request, the job's creation time when a job runs a route's computation, so
    //! a job that waited or was resumed computes what it was asked when it was submitted.
    std::optional<int64_t> now_ms;
    //! The route pattern's `{name}` segments, e.g. {"runId": "run_..."} for /backtest/runs/{runId}.
    std::map<std::string, std::string> params;
};

//! What a job route tells the audit log about the work it did: set as soon as the request
//! parsed, so a job that fails later is still on record with what it was.
struct JobInfo {
    std::string symbol;  //!< comma-separated for portfolios
    std::string timeframe;
    std::string start;
    std::string end;
    std::string bar_source;  //!< empty when no bars were loaded
    std::string strategy;    //!< a built-in's name, or "rules"; comma-separated distinct names for portfolios
    //! The answer's headline metrics, for the stored runs' list: a run's or portfolio's own, an
    //! optimize's best, a walk-forward's stitched out-of-sample. Absent when the job failed.
    std::optional<double> total_return;
    std::optional<double> sharpe;
    std::optional<double> max_drawdown;
    std::optional<int64_t> num_trades;
};

struct HttpResponse {
    HttpResponse() = default;
    HttpResponse(int status_code, std::string json_or_text, std::string type = "application/json")
        : status(status_code), body(std::move(json_or_text)), content_type(std::move(type)) {}

    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  //!< extra headers, e.g. Allow on a 405
    std::string error_code;                                    //!< the envelope's code on errors (for logs)
    std::string error_reason;                                  //!< the envelope's details.reason, if any
    std::string error_field;                                   //!< the envelope's details.field, if any
    std::string error_message;                                 //!< the envelope's message (bounded)
    //! The server refused the request before any handler ran (queue full, over the connection
    //! cap, shutting down, unauthorized, ...): counted and logged as a rejection, never audited.
    bool refused = false;
    JobInfo job;  //!< filled by job routes
    //! Kept with a stored run but not sent (the optimize route's every combination): name -> text.
    std::vector<std::pair<std::string, std::string>> attachments;
    //! What a stored run keeps when the body sent is another form of it (CSV): the JSON answer.
    std::string stored_answer;
    //! Set on a 200 to stream the answer (Server-Sent Events) instead of sending `body`, which is
    //! then ignored, as is `content_type`: the server writes the events as they are pushed, until
    //! the stream is closed, the client goes away or the server shuts down. On any other status
    //! the body is sent as usual and the stream is marked ClientGone, so its producer stops.
    std::shared_ptr<EventStream> events;
};

}  // namespace spark::api
