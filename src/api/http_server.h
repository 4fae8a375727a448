#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/audit_log.h"
#include "api/routes.h"
#include "api/service_metrics.h"
#include "common/error.h"
#include "common/thread_pool.h"

namespace spark::api {

struct ServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 4001;  //!< 0 picks an ephemeral port (tests)
    size_t io_threads = 1;
    size_t body_limit_bytes = 1 << 20;
    std::chrono::milliseconds request_timeout{30'000};  //!< to read a request, and to write its answer
    std::chrono::milliseconds shutdown_grace{10'000};   //!< how long in-flight requests may finish
    size_t max_queued_jobs = 256;                       //!< compute requests waiting beyond this get 503
};

//! HTTP/1.1 on Boost.Beast with keep-alive. IO threads only parse, route and write; handlers
//! marked Executor::kComputePool run on the shared worker pool. On SIGINT/SIGTERM (or Stop) it
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
