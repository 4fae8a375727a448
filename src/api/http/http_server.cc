#include "api/http/http_server.h"

// Asio's coroutine headers need <utility> first with g++ 12 in C++20+ mode (ARCHITECTURE.md).
#include <utility>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include <malloc.h>

#include "api/audit_log.h"
#include "api/http/error_response.h"
#include "api/http/event_stream.h"
#include "api/http/job_gate.h"
#include "api/http/rejection_log.h"
#include "api/run/run_route.h"
#include "common/bounded_text.h"

namespace spark::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr size_t kHeaderLimitBytes = 16 * 1024;
constexpr auto kDrainPollInterval = std::chrono::milliseconds(20);
//! Pause before accepting again after an accept error (e.g. out of file descriptors), so the
//! loop does not spin and flood the log.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
//! How long a streamed answer may stay silent before a comment line goes out: proxies and load
//! balancers close connections idle for longer than their read timeout (nginx's is 120 s here,
//! often 60 s elsewhere), and a write is also how a vanished client gets noticed.
constexpr auto kEventStreamHeartbeat = std::chrono::seconds(15);
constexpr std::string_view kEventStreamComment = ": keep-alive\n\n";

//! Shared by the listener and every session.
using Clock = std::chrono::steady_clock;

//! Given back to the system after a flood of heavy jobs: glibc keeps freed memory in its arenas
//! otherwise, and the process would sit at its peak size while idle.
void ReleaseFreedMemory() { malloc_trim(0); }

//! 0 (the default) means as many as there are compute workers.
size_t BatchJobLimit(const ServerOptions& options, const ThreadPool& compute) {
    return options.max_running_batch_jobs == 0 ? compute.Size() : options.max_running_batch_jobs;
}

struct ServerState {
    ServerState(ServerOptions o, const Router& r, ThreadPool& c, ServiceMetrics& m, AuditLog* a)
        : options(std::move(o)),
          router(r),
          compute(c),
          metrics(m),
          audit(a),
          access(options.access),
          batch_gate(BatchJobLimit(options, c), options.max_queued_jobs,
                     [&c] { c.Submit(static_cast<size_t>(Lane::kBatch), ReleaseFreedMemory); }) {}

    ServerOptions options;
    const Router& router;
    ThreadPool& compute;
    ServiceMetrics& metrics;
    AuditLog* audit;
    AccessPolicy access;
    JobGate batch_gate;
    RejectionLog rejections;
    std::atomic<int64_t> in_flight{0};  //!< requests read but not yet fully answered
    std::atomic<int64_t> connections{0};
    std::atomic<bool> draining{false};
    //! The answers streaming now (Server-Sent Events), so a shutdown can end them: each holds
    //! its request in flight until its producer closes it, which would otherwise keep the drain
    //! waiting for the whole grace period. A session lists its stream while it writes it.
    std::mutex streams_mutex;
    std::set<std::shared_ptr<EventStream>> streams;
};

std::string_view Header(const http::request<http::string_body>& request, http::field field) {
    const auto it = request.find(field);
    return it == request.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

HttpRequest ToHttpRequest(http::request<http::string_body>& request) {
    const std::string_view target(request.target().data(), request.target().size());
    const size_t question = target.find('?');
    HttpRequest out;
    out.method = std::string(request.method_string());
    out.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
    out.body = std::move(request.body());
    return out;
}

HttpResponse Refusal(ErrorCode code, std::string message, std::string reason) {
    HttpResponse response = ErrorResponse({code, std::move(message), "", std::move(reason)});
    response.refused = true;
    return response;
}

//! Client errors are refusals too (never audited), except the answers to jobs the service
//! accepted and worked on: no such data, and Binance refusing the symbol or the request.
bool IsRejection(const HttpResponse& response) {
    if (response.refused) return true;
    const bool worked_on = response.error_code == "DATA_NOT_FOUND" || response.error_code == "INVALID_SYMBOL" ||
                           response.error_reason == "UPSTREAM_REJECTED";
    return response.status >= 400 && response.status < 500 && !worked_on;
}

//! The whole answer to a connection over the cap, written straight to the socket.
const std::string& TooManyConnectionsAnswer() {
    static const std::string kAnswer = [] {
        const HttpResponse refusal = ErrorResponse(
            {ErrorCode::kServiceUnavailable, "too many open connections; retry later", "", "TOO_MANY_CONNECTIONS"});
        return fmt::format(
            "HTTP/1.1 503 Service Unavailable\r\nServer: spark-executor\r\nContent-Type: {}\r\n"
            "Connection: close\r\nRetry-After: 1\r\nContent-Length: {}\r\n\r\n{}",
            refusal.content_type, refusal.body.size(), refusal.body);
    }();
    return kAnswer;
}

//! An asynchronous handler's answer, sent once. If the work ends without answering (an exception
//! on a later stage, tasks dropped at shutdown), the last copy's destruction answers 500, so the
//! client is answered and the request's place in the gate is given back.
class AnswerOnce {
  public:
    explicit AnswerOnce(Respond send) : send_(std::move(send)) {}
    ~AnswerOnce() {
        if (!answered_.exchange(true)) {
            send_(ErrorResponse({ErrorCode::kInternal, "the job ended without an answer", "", ""}));
        }
    }
    void operator()(HttpResponse response) {
        if (!answered_.exchange(true)) send_(std::move(response));
    }

  private:
    Respond send_;
    std::atomic<bool> answered_{false};
};

//! Runs a handler, turning any escaped exception into a 500 JSON answer: input never crashes us.
HttpResponse InvokeSafely(const Route& route, const HttpRequest& request) {
    try {
        return route.handler(request);
    } catch (const std::exception& e) {
        return ErrorResponse({ErrorCode::kInternal, fmt::format("unexpected failure: {}", e.what()), "", ""});
    } catch (...) {
        return ErrorResponse({ErrorCode::kInternal, "unexpected failure", "", ""});
    }
}

class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, ServerState& state)
        : stream_(std::move(socket)), state_(state), heartbeat_(stream_.get_executor()) {
        state_.connections.fetch_add(1);
    }
    ~Session() {
        // Still streaming only when the io_context is destroyed first (the grace period ran out):
        // the producer must learn that nobody reads its events any more.
        if (events_) {
            Unlist(events_);
            events_->MarkClientGone();
        }
        state_.connections.fetch_sub(1);
    }

    void Start() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
    }

  private:
    void Read() {
        parser_.emplace();
        parser_->body_limit(state_.options.body_limit_bytes);
        parser_->header_limit(kHeaderLimitBytes);
        stream_.expires_after(state_.options.request_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
    }

    void OnRead(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
            return Close();
        }
        if (ec == http::error::body_limit) {
            state_.in_flight.fetch_add(1);
            const Error error{ErrorCode::kPayloadTooLarge,
                              fmt::format("the body exceeds the limit of {} bytes (SPARK_BODY_LIMIT_BYTES)",
                                          state_.options.body_limit_bytes),
                              "body", "BODY_TOO_LARGE"};
            return Send(ErrorResponse(error), "unmatched", false);
        }
        if (ec) {
            if (ec.category() != http::make_error_code(http::error::bad_target).category()) return Close();
            state_.in_flight.fetch_add(1);
            const Error error{ErrorCode::kInvalidRequest, fmt::format("malformed HTTP request: {}", ec.message()), "",
                              "MALFORMED_HTTP"};
            return Send(ErrorResponse(error), "unmatched", false);
        }
        state_.in_flight.fetch_add(1);
        request_ = parser_->release();
        Dispatch();
    }

    void Dispatch() {
        if (state_.draining.load()) {
            return Send(Refusal(ErrorCode::kServiceUnavailable,
                                "the server is shutting down; retry on another instance", "SHUTTING_DOWN"),
                        "unmatched", false);
        }
        const bool keep_alive = request_.keep_alive();
        const std::string_view host = Header(request_, http::field::host);
        if (!state_.access.HostAllowed(host)) {
            return Send(Refusal(ErrorCode::kOriginNotAllowed,
                                fmt::format("this service does not answer to the host name '{}' (a loopback name, or "
                                            "the host of an origin in SPARK_ALLOWED_ORIGINS)",
                                            TruncateForEcho(host)),
                                "HOST_NOT_ALLOWED"),
                        "unmatched", keep_alive);
        }
        const std::string origin(Header(request_, http::field::origin));
        const AccessPolicy::Origin origin_kind = state_.access.Classify(origin, host);
        const bool authenticated = state_.access.Authenticated(Header(request_, http::field::authorization));
        if (origin_kind == AccessPolicy::Origin::kListed) cors_origin_ = origin;
        HttpRequest request = ToHttpRequest(request_);
        request.authenticated = authenticated;
        if (origin_kind == AccessPolicy::Origin::kRefused) {
            return Send(Refusal(ErrorCode::kOriginNotAllowed,
                                fmt::format("requests from the web origin '{}' are not allowed (SPARK_ALLOWED_ORIGINS)",
                                            TruncateForEcho(origin)),
                                "ORIGIN_NOT_ALLOWED"),
                        "unmatched", keep_alive);
        }
        if (request.method == "OPTIONS" && origin_kind == AccessPolicy::Origin::kListed) {
            return Send(Preflight(), "preflight", keep_alive);
        }
        Router::Match match = state_.router.Find(request.method, request.path);
        if (!match.route) return Send(match.error, "unmatched", keep_alive);
        const Route& route = *match.route;
        request.params = std::move(match.params);
        request.accept = std::string(Header(request_, http::field::accept));
        if (state_.access.TokenConfigured() && !authenticated && !state_.access.Exempt(route.name)) {
            HttpResponse refusal = Refusal(ErrorCode::kUnauthorized,
                                           "this service requires a bearer token: send the header 'Authorization: "
                                           "Bearer <SPARK_API_TOKEN>'",
                                           "TOKEN_REQUIRED");
            refusal.headers.emplace_back("WWW-Authenticate", R"(Bearer realm="spark-executor")");
            return Send(std::move(refusal), route.name, keep_alive);
        }
        if (route.job) {
            request.run_id = NewRunId();
            job_ =
                JobContext{route.name, route.mode, request.run_id, Fnv1aHex(request.body), request.body, Clock::now()};
        }
        if (route.executor == Executor::kIoThread) return Send(InvokeSafely(route, request), route.name, keep_alive);
        if (route.lane == Lane::kBatch) return EnterBatchGate(route, std::move(request), keep_alive);
        if (state_.compute.Queued(static_cast<size_t>(route.lane)) >= state_.options.max_queued_jobs) {
            return Send(QueueFull(), route.name, keep_alive);
        }
        Start(route, std::move(request), keep_alive);
    }

    HttpResponse QueueFull() const {
        return Refusal(ErrorCode::kServiceUnavailable,
                       fmt::format("{} requests of this kind are already waiting for a compute worker; retry later",
                                   state_.options.max_queued_jobs),
                       "QUEUE_FULL");
    }

    //! The answer to a CORS preflight from a listed origin.
    HttpResponse Preflight() const {
        HttpResponse response{204, ""};
        response.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
        response.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
        response.headers.emplace_back("Access-Control-Max-Age", "600");
        return response;
    }

    //! Heavy jobs wait at the gate (bounded) before reaching the pool; the place is given back in
    //! Send, whatever the answer.
    void EnterBatchGate(const Route& route, HttpRequest request, bool keep_alive) {
        auto start = [self = shared_from_this(), &route, keep_alive,
                      request = std::make_shared<HttpRequest>(std::move(request))]() mutable {
            asio::post(self->stream_.get_executor(), [self, &route, keep_alive, request] {
                self->holds_batch_place_ = true;
                self->Start(route, std::move(*request), keep_alive);
            });
        };
        auto refuse = [self = shared_from_this(), &route, keep_alive] {
            asio::post(self->stream_.get_executor(), [self, &route, keep_alive] {
                self->Send(Refusal(ErrorCode::kServiceUnavailable,
                                   "the server is shutting down; retry on another instance", "SHUTTING_DOWN"),
                           route.name, keep_alive);
            });
        };
        if (!state_.batch_gate.Enter(std::move(start), std::move(refuse))) Send(QueueFull(), route.name, keep_alive);
    }

    void Start(const Route& route, HttpRequest request, bool keep_alive) {
        if (route.async) return DispatchAsync(route, std::move(request), keep_alive);
        state_.compute.Submit(static_cast<size_t>(route.lane),
                              [self = shared_from_this(), &route, request = std::move(request), keep_alive] {
                                  HttpResponse response = InvokeSafely(route, request);
                                  // Back onto the session's strand: only IO threads touch the socket.
                                  asio::post(self->stream_.get_executor(),
                                             [self, &route, response = std::move(response), keep_alive]() mutable {
                                                 self->Send(std::move(response), route.name, keep_alive);
                                             });
                              });
    }

    //! Starts an asynchronous handler on the compute pool; its answer comes back through
    //! `respond`, from whichever worker finishes the work. Meanwhile the socket is watched: a
    //! client that goes away cancels the work.
    void DispatchAsync(const Route& route, HttpRequest request, bool keep_alive) {
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        WatchForDisconnect(cancelled);
        auto answer =
            std::make_shared<AnswerOnce>([self = shared_from_this(), &route, keep_alive](HttpResponse response) {
                asio::post(self->stream_.get_executor(),
                           [self, &route, keep_alive, response = std::move(response)]() mutable {
                               beast::error_code ignored;
                               self->stream_.socket().cancel(ignored);  // ends the disconnect watch
                               self->Send(std::move(response), route.name, keep_alive);
                           });
            });
        Respond respond = [answer](HttpResponse response) { (*answer)(std::move(response)); };
        state_.compute.Submit(static_cast<size_t>(route.lane), [&route, request = std::move(request), respond,
                                                                cancelled]() mutable {
            try {
                route.async(request, respond, cancelled);
            } catch (const std::exception& e) {
                respond(ErrorResponse({ErrorCode::kInternal, fmt::format("unexpected failure: {}", e.what()), "", ""}));
            } catch (...) {
                respond(ErrorResponse({ErrorCode::kInternal, "unexpected failure", "", ""}));
            }
        });
    }

    //! Readable while we compute means either the peer closed (nothing to read: EOF) or it
    //! pipelined another request (bytes waiting, left for the next read).
    void WatchForDisconnect(const std::shared_ptr<std::atomic<bool>>& cancelled) {
        stream_.socket().async_wait(tcp::socket::wait_read,
                                    [self = shared_from_this(), cancelled](beast::error_code ec) {
                                        if (ec) return;
                                        beast::error_code ignored;
                                        if (self->stream_.socket().available(ignored) == 0) cancelled->store(true);
                                    });
    }

    //! One audit line and one request log line per job the service accepted, written before the
    //! answer goes out, so every answered job is on record even if the process stops right after.
    //! Refusals are counted, and logged at a bounded rate, but never audited: a flood of them
    //! must not rotate real job records out of the audit log.
    void Record(const HttpResponse& response, const std::string& route_name) {
        if (IsRejection(response)) {
            const std::string& reason = response.error_reason.empty() ? response.error_code : response.error_reason;
            state_.metrics.RecordRejection(route_name, reason);
            state_.rejections.Write([&] {
                return fmt::format(R"({{"time":"{}","runId":"{}","route":"{}","status":{},"rejected":"{}")", NowIso(),
                                   job_ ? job_->run_id : "", route_name, response.status, reason);
            });
            return;
        }
        if (!job_) return;
        const double latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - job_->started).count();
        if (state_.audit != nullptr) {
            state_.audit->Append({.run_id = job_->run_id,
                                  .route = job_->route,
                                  .request_digest = job_->digest,
                                  .request = job_->body,
                                  .symbol = response.job.symbol,
                                  .timeframe = response.job.timeframe,
                                  .strategy = response.job.strategy,
                                  .start = response.job.start,
                                  .end = response.job.end,
                                  .bar_source = response.job.bar_source,
                                  .mode = job_->mode,
                                  .status = response.status,
                                  .error_code = response.error_code,
                                  .error_reason = response.error_reason,
                                  .error_field = response.error_field,
                                  .error_message = response.error_message,
                                  .latency_ms = latency_ms});
        }
        std::cerr << fmt::format(
                         R"({{"time":"{}","runId":"{}","route":"{}","status":{},"errorCode":"{}","ms":{:.3f}}})",
                         NowIso(), job_->run_id, job_->route, response.status, response.error_code, latency_ms)
                  << '\n';
        if (response.status == 200 && state_.options.on_answered) {
            state_.options.on_answered({job_->run_id, job_->route, job_->mode, job_->body, response});
        }
    }

    void Send(HttpResponse response, const std::string& route_name, bool keep_alive) {
        // The gate's place first: nothing after this may keep it.
        if (std::exchange(holds_batch_place_, false)) state_.batch_gate.Leave();
        state_.metrics.RecordHttpRequest(route_name, response.status);
        Record(response, route_name);
        if (job_) response.headers.emplace_back("X-Run-Id", job_->run_id);
        job_.reset();
        if (response.events) {
            if (response.status == 200) return StartEventStream(std::move(response), keep_alive);
            // The error is sent instead of the stream: nobody will read what its producer pushes.
            response.events->MarkClientGone();
        }
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(response.status));
        response_.set(http::field::server, "spark-executor");
        if (response.status != 204) response_.set(http::field::content_type, response.content_type);
        SetCorsAndExtraHeaders(response_, response);
        response_.keep_alive(keep_alive);
        response_.body() = std::move(response.body);
        response_.prepare_payload();
        stream_.expires_after(state_.options.request_timeout);
        http::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
            self->OnWrite(ec, keep_alive);
        });
    }

    //! What every answer carries after its own fields: CORS for a listed origin, then the
    //! handler's extra headers (which may replace any field set before).
    template <typename Body>
    void SetCorsAndExtraHeaders(http::response<Body>& message, const HttpResponse& response) {
        if (!cors_origin_.empty()) {
            message.set(http::field::access_control_allow_origin, cors_origin_);
            message.set(http::field::vary, "Origin");
            cors_origin_.clear();
        }
        for (const auto& [name, value] : response.headers) message.set(name, value);
    }

    //! Answers with the events of `response.events` as they are pushed (chunked) instead of a
    //! body. The request stays in flight until the stream ends, like any answer being written;
    //! a shutdown ends it (BeginShutdown closes every listed stream), so it does not hold the
    //! drain. Record has already run: a stream is logged and audited once, when it starts.
    void StartEventStream(HttpResponse response, bool keep_alive) {
        events_ = std::move(response.events);
        // HTTP/1.0 has no chunked encoding: such a client reads until the connection closes.
        stream_chunked_ = request_.version() >= 11;
        stream_keep_alive_ = keep_alive && stream_chunked_;
        stream_header_.emplace();
        http::response<http::empty_body>& header = *stream_header_;
        header.version(11);
        header.result(http::status::ok);
        header.set(http::field::server, "spark-executor");
        header.set(http::field::content_type, "text/event-stream");
        // Events are of the moment: no cache on the way may keep or replay them.
        header.set(http::field::cache_control, "no-store");
        // nginx buffers upstream answers (proxy_buffering on in deploy/nginx): this turns that off
        // for this answer, or events would reach the client in 64 KiB lumps.
        header.set("X-Accel-Buffering", "no");
        SetCorsAndExtraHeaders(header, response);
        header.keep_alive(stream_keep_alive_);
        header.chunked(stream_chunked_);
        stream_serializer_.emplace(header);
        {
            std::lock_guard lock(state_.streams_mutex);
            state_.streams.insert(events_);
        }
        // A shutdown that began before the stream was listed did not see it: end it here.
        if (state_.draining.load()) events_->Close();
        // A weak reference, or the stream (which the producer holds too) and this session would
        // keep each other alive. While the answer streams, the session's own pending operations
        // (a write, or the heartbeat's wait) hold it; the posted handler holds it until it runs.
        events_->OnReady([weak = weak_from_this()] {
            if (const std::shared_ptr<Session> self = weak.lock()) {
                asio::post(self->stream_.get_executor(), [self] { self->PumpEvents(false); });
            }
        });
        WatchStreamPeer();
        stream_writing_ = true;
        stream_.expires_after(state_.options.request_timeout);
        http::async_write_header(
            stream_, *stream_serializer_,
            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnEventsWritten(ec); });
    }

    //! The write loop, on the session's strand. Takes everything queued and writes it as one
    //! chunk; the write's completion comes back here, so events pushed meanwhile go out next
    //! (their wake, if any, finds the write in flight and does nothing) and only one write is
    //! ever in flight. `heartbeat`: the stream has been silent for kEventStreamHeartbeat.
    void PumpEvents(bool heartbeat) {
        if (!events_ || stream_writing_) return;
        if (!events_->Take(stream_batch_)) return EndEventStream();
        if (stream_batch_.empty()) {
            if (!heartbeat) return;  // the heartbeat's wait, armed after the last write, is pending
            stream_batch_ = kEventStreamComment;
        }
        stream_writing_ = true;
        // The request timeout does not bound the stream, only each write: a client that stops
        // reading is dropped after it, and its producer told.
        stream_.expires_after(state_.options.request_timeout);
        auto done = [self = shared_from_this()](beast::error_code ec, size_t) { self->OnEventsWritten(ec); };
        if (stream_chunked_) {
            asio::async_write(stream_, http::make_chunk(asio::buffer(stream_batch_)), std::move(done));
        } else {
            asio::async_write(stream_, asio::buffer(stream_batch_), std::move(done));
        }
    }

    //! After the header and after each batch of events.
    void OnEventsWritten(beast::error_code ec) {
        stream_writing_ = false;
        // No deadline while waiting for events: a stream may rightly stay silent for a long time.
        stream_.expires_never();
        if (ec) return AbandonEventStream();
        ArmHeartbeat();
        PumpEvents(false);
    }

    //! A comment line goes out if nothing else does for kEventStreamHeartbeat. Re-arming cancels
    //! the previous wait; a wait that completed just before is harmless (PumpEvents does nothing
    //! during a write, and an extra comment is ignored by clients).
    void ArmHeartbeat() {
        heartbeat_.expires_after(kEventStreamHeartbeat);
        heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (!ec) self->PumpEvents(true);
        });
    }

    //! Readable while the answer streams means the peer closed (nothing to read: EOF) or it
    //! pipelined another request (bytes waiting, left for the Read after the stream). Without
    //! this a vanished client would only be noticed at the next write, up to a heartbeat later.
    void WatchStreamPeer() {
        stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
            if (ec || !self->events_) return;
            beast::error_code ignored;
            if (self->stream_.socket().available(ignored) != 0) return;
            self->events_->MarkClientGone();  // the producer may stop now
            // A write in flight fails on the closed socket and ends the stream itself.
            if (self->stream_writing_) return self->Close();
            self->AbandonEventStream();
        });
    }

    //! Closed by its producer (or by a shutdown), with everything queued written: the last chunk
    //! ends the answer, and the connection goes on as after any other answer.
    void EndEventStream() {
        if (!stream_chunked_) {
            FinishEventStream();
            return LingeringClose();
        }
        stream_writing_ = true;
        stream_.expires_after(state_.options.request_timeout);
        asio::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
            self->FinishEventStream();
            if (ec) return self->Close();
            if (!self->stream_keep_alive_ || self->state_.draining.load()) return self->LingeringClose();
            self->Read();
        });
    }

    //! The client cannot be written to any more: it went away, or stopped reading (the write
    //! timed out).
    void AbandonEventStream() {
        FinishEventStream();
        Close();
    }

    //! However the stream ended: the producer is told to stop (it has not always closed: client
    //! gone, shutdown), and the request leaves the drain's count.
    void FinishEventStream() {
        Unlist(events_);
        events_->MarkClientGone();
        events_.reset();
        stream_writing_ = false;
        heartbeat_.cancel();
        beast::error_code ignored;
        stream_.socket().cancel(ignored);  // ends the peer watch before the socket is read again
        stream_serializer_.reset();
        stream_header_.reset();
        stream_batch_ = std::string();  // a long stream's largest batch need not stay allocated
        state_.in_flight.fetch_sub(1);
    }

    void Unlist(const std::shared_ptr<EventStream>& events) {
        std::lock_guard lock(state_.streams_mutex);
        state_.streams.erase(events);
    }

    void OnWrite(beast::error_code ec, bool keep_alive) {
        state_.in_flight.fetch_sub(1);
        if (ec) return Close();
        if (!keep_alive || state_.draining.load()) return LingeringClose();
        Read();
    }

    //! Closing a socket with unread input makes the kernel send a reset, which can destroy the
    //! answer we just wrote (a 413 while the client is still sending its body). So: stop sending,
    //! then read and discard until the client closes or a short deadline passes.
    void LingeringClose() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(kLingerTimeout);
        DiscardInput();
    }

    void DiscardInput() {
        stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
            if (ec) return self->Close();
            self->DiscardInput();
        });
    }

    void Close() {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.socket().close(ignored);
    }

    beast::tcp_stream stream_;
    ServerState& state_;
    beast::flat_buffer buffer_;
    std::array<char, 4096> discard_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
    //! The job being answered on this connection (one request at a time).
    struct JobContext {
        std::string route;
        std::string mode;
        std::string run_id;
        std::string digest;
        std::string body;  //!< the request, for the audit line and the stored run
        Clock::time_point started;
    };
    std::optional<JobContext> job_;
    bool holds_batch_place_ = false;  //!< this request entered the JobGate: leave it when answering
    std::string cors_origin_;         //!< a listed Origin to echo in Access-Control-Allow-Origin
    // A streamed answer (Server-Sent Events), while one is being written on this connection.
    std::shared_ptr<EventStream> events_;  //!< set from StartEventStream to FinishEventStream
    std::optional<http::response<http::empty_body>> stream_header_;
    //! Writes the header only (the serializer needs the message to outlive it, hence both here).
    std::optional<http::response_serializer<http::empty_body>> stream_serializer_;
    std::string stream_batch_;     //!< the events being written: must live until the write ends
    bool stream_writing_ = false;  //!< a write of the stream is in flight: the next one waits
    bool stream_chunked_ = true;   //!< false for an HTTP/1.0 client: the answer ends with the connection
    bool stream_keep_alive_ = false;
    asio::steady_timer heartbeat_;  //!< the stream's silence; its wait also holds the session while idle
};

}  // namespace

struct HttpServer::Impl {
    explicit Impl(ServerOptions options, const Router& router, ThreadPool& compute, ServiceMetrics& metrics,
                  AuditLog* audit)
        : state{std::move(options), router, compute, metrics, audit},
          ioc(static_cast<int>(std::max<size_t>(state.options.io_threads, 1))),
          acceptor(asio::make_strand(ioc)),
          signals(ioc, SIGINT, SIGTERM),
          drain_timer(ioc),
          accept_retry_timer(acceptor.get_executor()) {}

    void Accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (!acceptor.is_open()) return;  // closed for shutdown
            if (ec) {
                std::cerr << "spark-executor: accept failed: " << ec.message() << " (retrying in "
                          << kAcceptRetryDelay.count() << " ms)\n";
                accept_retry_timer.expires_after(kAcceptRetryDelay);
                accept_retry_timer.async_wait([this](beast::error_code) { Accept(); });
                return;
            }
            beast::error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            if (static_cast<size_t>(state.connections.load()) >= state.options.max_connections) {
                RefuseConnection(std::move(socket));
            } else {
                std::make_shared<Session>(std::move(socket), state)->Start();
            }
            Accept();
        });
    }

    //! Over the cap: a fixed 503 written without reading the request, then the socket closes.
    //! The write is a few hundred bytes into an empty socket buffer, so it does not block.
    void RefuseConnection(tcp::socket socket) {
        state.metrics.RecordRejection("unmatched", "TOO_MANY_CONNECTIONS");
        state.rejections.Write([] {
            return fmt::format(R"({{"time":"{}","route":"unmatched","status":503,"rejected":"TOO_MANY_CONNECTIONS")",
                               NowIso());
        });
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        asio::write(socket, asio::buffer(TooManyConnectionsAnswer()), ignored);
        // Closing with unread input makes the kernel reset the connection, which may destroy the
        // answer: stop sending, drop what has already arrived, then close.
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        std::array<char, 4096> discard;
        while (socket.read_some(asio::buffer(discard), ignored) > 0 && !ignored) {
        }
        socket.close(ignored);
    }

    void BeginShutdown() {
        if (state.draining.exchange(true)) return;
        asio::post(acceptor.get_executor(), [this] {
            beast::error_code ignored;
            acceptor.close(ignored);
            accept_retry_timer.cancel();
        });
        signals.cancel();
        // Jobs still waiting at the gate will never start: answer them now rather than hold the
        // drain (and their sessions) until the grace period ends.
        state.batch_gate.Close();
        // Streamed answers end only when their producer closes them: end them now (what is
        // queued still goes out), or they would hold the drain until the grace period ends.
        std::vector<std::shared_ptr<EventStream>> streams;
        {
            std::lock_guard lock(state.streams_mutex);
            streams.assign(state.streams.begin(), state.streams.end());
        }
        for (const std::shared_ptr<EventStream>& stream : streams) stream->Close();
        drain_deadline = std::chrono::steady_clock::now() + state.options.shutdown_grace;
        PollDrain();
    }

    void PollDrain() {
        if (state.in_flight.load() == 0 || std::chrono::steady_clock::now() >= drain_deadline) {
            if (state.in_flight.load() != 0) {
                std::cerr << "spark-executor: shutdown grace period over with " << state.in_flight.load()
                          << " request(s) unfinished\n";
            }
            ioc.stop();
            return;
        }
        drain_timer.expires_after(kDrainPollInterval);
        drain_timer.async_wait([this](beast::error_code) { PollDrain(); });
    }

    ServerState state;
    asio::io_context ioc;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    asio::steady_timer drain_timer;
    asio::steady_timer accept_retry_timer;
    std::chrono::steady_clock::time_point drain_deadline;
};

HttpServer::HttpServer(ServerOptions options, const Router& router, ThreadPool& compute, ServiceMetrics& metrics,
                       AuditLog* audit)
    : impl_(std::make_unique<Impl>(std::move(options), router, compute, metrics, audit)) {
    metrics.SetLoadSampler([&state = impl_->state] {
        return ServiceMetrics::Load{.queued_interactive = state.compute.Queued(static_cast<size_t>(Lane::kInteractive)),
                                    .queued_batch = state.compute.Queued(static_cast<size_t>(Lane::kBatch)),
                                    .batch_running = state.batch_gate.Running(),
                                    .batch_waiting = state.batch_gate.Waiting(),
                                    .in_flight = state.in_flight.load(),
                                    .connections = state.connections.load(),
                                    .threads_waiting_upstream = state.compute.Waiting(),
                                    .workers = state.compute.Size(),
                                    .workers_busy = state.compute.Running()};
    });
}

HttpServer::~HttpServer() { impl_->state.metrics.SetLoadSampler({}); }

Result<void> HttpServer::Listen() {
    beast::error_code ec;
    const asio::ip::address address = asio::ip::make_address(impl_->state.options.host, ec);
    if (ec) {
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("host '{}' is not an IP address", impl_->state.options.host));
    }
    const tcp::endpoint endpoint(address, impl_->state.options.port);
    tcp::acceptor& acceptor = impl_->acceptor;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        return MakeError(ErrorCode::kInternal, fmt::format("cannot listen on {}:{}: {}", impl_->state.options.host,
                                                           impl_->state.options.port, ec.message()));
    }
    return {};
}

uint16_t HttpServer::Port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::Run() {
    impl_->signals.async_wait([this](beast::error_code ec, int) {
        if (!ec) impl_->BeginShutdown();
    });
    impl_->Accept();
    const size_t io_threads = std::max<size_t>(impl_->state.options.io_threads, 1);
    std::vector<std::thread> threads;
    for (size_t i = 1; i < io_threads; ++i) threads.emplace_back([this] { impl_->ioc.run(); });
    impl_->ioc.run();
    for (std::thread& t : threads) t.join();
}

void HttpServer::Stop() {
    asio::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

}  // namespace spark::api
