#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace spark::api {

//! Every Prometheus series the service exports (names are part of the operator contract; see
//! docs/operations.md). The run latency keeps the plan's `_ms` name: buckets cover 50-10000 ms as
//! the plan asks, plus finer ones below 50 ms where warm runs land.
class ServiceMetrics {
  public:
    ServiceMetrics();

    //! A valid /backtest/run request that reached the engine or the loader.
    void RecordRunJob(std::string_view exchange, std::string_view timeframe);
    //! Any failed /backtest/run request, by error code (INVALID_REQUEST, DATA_NOT_FOUND, ...).
    void RecordRunError(std::string_view code);
    void RecordRunLatency(double milliseconds);
    //! One bar load of a job route: a hit (`layer` memory or duckdb) when the cache covered the
    //! whole range, else a miss, whether the fetch that followed succeeded or not.
    void RecordCacheHit(std::string_view layer);
    void RecordCacheMiss();
    void RecordBarsServed(std::string_view source, int64_t bars);
    void RecordHttpRequest(std::string_view route, int status);

    //! POST /backtest/optimize: valid jobs, failures by code, latency, combinations run.
    void RecordOptimizeJob(std::string_view exchange, std::string_view timeframe);
    void RecordOptimizeError(std::string_view code);
    void RecordOptimizeLatency(double milliseconds);
    void RecordCombinationsEvaluated(int64_t combinations);

    //! The research routes beyond optimize ("walkforward", "portfolio"): jobs, failures by code and
    //! latency, as spark_backtest_<route>_{jobs_total,errors_total,latency_seconds}.
    void RecordRouteJob(std::string_view route, std::string_view exchange, std::string_view timeframe);
    void RecordRouteError(std::string_view route, std::string_view code);
    void RecordRouteLatency(std::string_view route, double milliseconds);

    //! One HTTP exchange with Binance: requests by endpoint and status, retries, 429/418 counts,
    //! latency (seconds).
    void RecordUpstreamCall(std::string_view endpoint, int status, double seconds, bool retried);
    void RecordBarsFetched(int64_t bars);

    //! A request the server refused before or instead of working on it, by route and reason
    //! (QUEUE_FULL, TOO_MANY_CONNECTIONS, TOKEN_REQUIRED, ORIGIN_NOT_ALLOWED, UNKNOWN_FIELD, ...).
    void RecordRejection(std::string_view route, std::string_view reason);

    //! What the server is doing right now, read at each scrape.
    struct Load {
        size_t queued_interactive = 0;
        size_t queued_batch = 0;
        size_t batch_running = 0;
        size_t batch_waiting = 0;
        int64_t in_flight = 0;
        int64_t connections = 0;
        size_t threads_waiting_upstream = 0;
        size_t workers = 0;       //!< compute slots
        size_t workers_busy = 0;  //!< slots computing now (waiting on Binance lends the slot)
    };
    void SetLoadSampler(std::function<Load()> sampler);

    //! Metrics another component renders itself, in the text exposition format (with HELP and
    //! TYPE lines), appended at each scrape: the jobs' families, whose labels (workers) come and go.
    void SetExtraSampler(std::function<std::string()> sampler);

    //! The text exposition format, for GET /metrics.
    std::string Serialize() const;

  private:
    std::shared_ptr<prometheus::Registry> registry_;
    prometheus::Family<prometheus::Counter>& run_jobs_;
    prometheus::Family<prometheus::Counter>& run_errors_;
    prometheus::Histogram& run_latency_ms_;
    prometheus::Family<prometheus::Counter>& cache_hits_;
    prometheus::Counter& cache_misses_;
    prometheus::Family<prometheus::Counter>& bars_served_;
    prometheus::Family<prometheus::Counter>& http_requests_;
    prometheus::Family<prometheus::Counter>& optimize_jobs_;
    prometheus::Family<prometheus::Counter>& optimize_errors_;
    prometheus::Histogram& optimize_latency_;
    prometheus::Counter& combinations_evaluated_;
    struct RouteFamilies {
        prometheus::Family<prometheus::Counter>* jobs;
        prometheus::Family<prometheus::Counter>* errors;
        prometheus::Histogram* latency_seconds;
    };
    std::map<std::string, RouteFamilies, std::less<>> routes_;
    prometheus::Family<prometheus::Counter>& upstream_requests_;
    prometheus::Counter& upstream_retries_;
    prometheus::Family<prometheus::Counter>& upstream_limited_;
    prometheus::Histogram& upstream_seconds_;
    prometheus::Counter& bars_fetched_;
    prometheus::Family<prometheus::Counter>& rejections_;
    prometheus::Family<prometheus::Gauge>& queue_depth_;
    prometheus::Gauge& batch_running_;
    prometheus::Gauge& batch_waiting_;
    prometheus::Gauge& in_flight_;
    prometheus::Gauge& connections_;
    prometheus::Gauge& waiting_upstream_;
    prometheus::Gauge& workers_;
    prometheus::Gauge& workers_busy_;
    prometheus::Gauge& resident_bytes_;
    prometheus::Gauge& virtual_bytes_;
    prometheus::Gauge& open_fds_;
    prometheus::Gauge& max_fds_;
    prometheus::Counter& cpu_seconds_;
    mutable std::mutex cpu_mutex_;
    mutable double cpu_reported_ = 0;  //!< what cpu_seconds_ holds: it advances by the /proc delta
    std::function<Load()> sampler_;
    std::function<std::string()> extra_sampler_;
};

}  // namespace spark::api
