#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/audit_log.h"
#include "api/http/access_policy.h"
#include "api/routes.h"
#include "api/service_metrics.h"
#include "common/error.h"
#include "common/thread_pool.h"

namespace spark::api {

//! A job the service answered successfully: who it was, what was asked and what was answered.
struct AnsweredJob {
    const std::string& run_id;
    const std::string& route;
    const std::string& mode;
    const std::string& request;
    const HttpResponse& response;
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 4001;  //!< 0 picks an ephemeral port (tests)
    size_t io_threads = 1;
    size_t body_limit_bytes = 1 << 20;
    std::chrono::milliseconds request_timeout{30'000};  //!< to read a request, and to write its answer
    std::chrono::milliseconds shutdown_grace{10'000};   //!< how long in-flight requests may finish
    size_t max_queued_jobs = 256;                       //!< requests waiting in one lane beyond this get 503 QUEUE_FULL
    //! Open connections beyond this are answered 503 TOO_MANY_CONNECTIONS and closed at once, so
    //! file descriptors remain for the cache, the upstream and the health probes.
    size_t max_connections = 512;
    size_t max_running_batch_jobs = 0;  //!< optimize/walk-forward/portfolio computing at once; 0 = workers
    AccessOptions access;
    //! Told of every job answered 200, after its audit line and before the answer goes out (stored
    //! runs); must not block.
    std::function<void(const AnsweredJob&)> on_answered;
};

//! HTTP/1.1 on Boost.Beast with keep-alive. IO threads only parse, route and write; handlers
//! marked Executor::kComputePool run on the shared worker pool, in their route's lane (heavy
//! jobs through a JobGate). Before any handler runs a request must pass, in order: the drain
//! check, the Host and Origin checks (and CORS preflights), routing, the bearer token, and the
//! lane's queue bound or the gate. On SIGINT/SIGTERM (or Stop) it
//! stops accepting, lets in-flight requests finish within the grace period, then returns from Run.
class HttpServer {
  public:
    //! `audit` (may be null) receives one line per answered job.
    HttpServer(ServerOptions options, const Router& router, ThreadPool& compute, ServiceMetrics& metrics,
               AuditLog* audit);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    //! Binds the listening socket; fails with a message when the address is unusable.
    Result<void> Listen();
    uint16_t Port() const;
    //! Serves until a shutdown signal or Stop(), then drains. Blocks.
    void Run();
    //! Starts the same graceful shutdown as a signal; safe from any thread.
    void Stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace spark::api
