#include "api/http_server.h"

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
#include <optional>
#include <thread>
#include <vector>

#include "api/audit_log.h"
#include "api/error_response.h"
#include "api/run_route.h"

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

//! Shared by the listener and every session.
using Clock = std::chrono::steady_clock;

struct ServerState {
    ServerOptions options;
    const Router& router;
    ThreadPool& compute;
    ServiceMetrics& metrics;
    AuditLog* audit;
    std::atomic<int64_t> in_flight{0};  //!< requests read but not yet fully answered
    std::atomic<bool> draining{false};
};

HttpRequest ToHttpRequest(http::request<http::string_body>& request) {
    const std::string_view target(request.target().data(), request.target().size());
    const size_t question = target.find('?');
    return {std::string(request.method_string()), std::string(target.substr(0, question)),
            question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1)),
            std::move(request.body()), std::string()};
}

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
    Session(tcp::socket socket, ServerState& state) : stream_(std::move(socket)), state_(state) {}

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
                              fmt::format("the body exceeds the limit of {} bytes", state_.options.body_limit_bytes),
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
            const Error error{ErrorCode::kServiceUnavailable, "the server is shutting down; retry on another instance",
                              "", "SHUTTING_DOWN"};
            return Send(ErrorResponse(error), "unmatched", false);
        }
        const bool keep_alive = request_.keep_alive();
        HttpRequest request = ToHttpRequest(request_);
        const Router::Match match = state_.router.Find(request.method, request.path);
        if (!match.route) return Send(match.error, "unmatched", keep_alive);
        const Route& route = *match.route;
        if (route.job) {
            request.run_id = NewRunId();
            job_ = JobContext{route.name, route.mode, request.run_id, Fnv1aHex(request.body), Clock::now()};
        }
        if (route.executor == Executor::kIoThread) return Send(InvokeSafely(route, request), route.name, keep_alive);
        if (state_.compute.Queued() >= state_.options.max_queued_jobs) {
            const Error error{ErrorCode::kServiceUnavailable,
                              fmt::format("{} requests are already waiting for a compute worker; retry later",
                                          state_.options.max_queued_jobs),
                              "", "QUEUE_FULL"};
            return Send(ErrorResponse(error), route.name, keep_alive);
        }
        if (route.async) return DispatchAsync(route, std::move(request), keep_alive);
        state_.compute.Submit([self = shared_from_this(), &route, request = std::move(request), keep_alive] {
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
        Respond respond = [self = shared_from_this(), &route, keep_alive](HttpResponse response) {
            asio::post(self->stream_.get_executor(),
                       [self, &route, keep_alive, response = std::move(response)]() mutable {
                           beast::error_code ignored;
                           self->stream_.socket().cancel(ignored);  // ends the disconnect watch
                           self->Send(std::move(response), route.name, keep_alive);
                       });
        };
        state_.compute.Submit([&route, request = std::move(request), respond, cancelled]() mutable {
            try {
                route.async(request, respond, cancelled);
            } catch (const std::exception& e) {
                respond(ErrorResponse({ErrorCode::kInternal, fmt::format("unexpected failure: {}", e.what()), "", ""}));
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

    //! One audit line and one request log line per job, written before the answer goes out, so
    //! every answered job is on record even if the process stops right after.
    void RecordJob(const HttpResponse& response) {
        if (!job_) return;
        const double latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - job_->started).count();
        if (state_.audit != nullptr) {
            state_.audit->Append({.run_id = job_->run_id,
                                  .route = job_->route,
                                  .request_digest = job_->digest,
                                  .symbol = response.job.symbol,
                                  .timeframe = response.job.timeframe,
                                  .start = response.job.start,
                                  .end = response.job.end,
                                  .bar_source = response.job.bar_source,
                                  .mode = job_->mode,
                                  .status = response.status,
                                  .error_code = response.error_code,
                                  .latency_ms = latency_ms});
        }
        std::cerr << fmt::format(
                         R"({{"time":"{}","runId":"{}","route":"{}","status":{},"errorCode":"{}","ms":{:.3f}}})",
                         NowIso(), job_->run_id, job_->route, response.status, response.error_code, latency_ms)
                  << '\n';
    }

    void Send(HttpResponse response, const std::string& route_name, bool keep_alive) {
        state_.metrics.RecordHttpRequest(route_name, response.status);
        RecordJob(response);
        if (job_) response.headers.emplace_back("X-Run-Id", job_->run_id);
        job_.reset();
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(response.status));
        response_.set(http::field::server, "spark-executor");
        response_.set(http::field::content_type, response.content_type);
        for (const auto& [name, value] : response.headers) response_.set(name, value);
        response_.keep_alive(keep_alive);
        response_.body() = std::move(response.body);
        response_.prepare_payload();
        stream_.expires_after(state_.options.request_timeout);
        http::async_write(stream_, response_, [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
            self->OnWrite(ec, keep_alive);
        });
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
        Clock::time_point started;
    };
    std::optional<JobContext> job_;
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
            std::make_shared<Session>(std::move(socket), state)->Start();
            Accept();
        });
    }

    void BeginShutdown() {
        if (state.draining.exchange(true)) return;
        asio::post(acceptor.get_executor(), [this] {
            beast::error_code ignored;
            acceptor.close(ignored);
            accept_retry_timer.cancel();
        });
        signals.cancel();
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
    : impl_(std::make_unique<Impl>(std::move(options), router, compute, metrics, audit)) {}

HttpServer::~HttpServer() = default;

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
