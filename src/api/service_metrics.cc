#include "api/service_metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <fstream>

namespace spark::api {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

//! Grid searches take from milliseconds to tens of seconds. New series use the base unit
//! (seconds); only the plan's run histogram keeps its `_ms` name.
const prometheus::Histogram::BucketBoundaries& OptimizeLatencyBucketsSeconds() {
    static const prometheus::Histogram::BucketBoundaries kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                                     1,     2.5,  5,     10,   30,  60};
    return kBuckets;
}

const prometheus::Histogram::BucketBoundaries& RunLatencyBucketsMs() {
    static const prometheus::Histogram::BucketBoundaries kBuckets = {0.25, 0.5, 1,   2,   3,    5,    10,   20,   35,
                                                                     50,   100, 250, 500, 1000, 2500, 5000, 10000};
    return kBuckets;
}

prometheus::Gauge& UnlabelledGauge(prometheus::Registry& registry, const char* name, const char* help) {
    return BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

ServiceMetrics::ServiceMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      run_jobs_(BuildCounter()
                    .Name("spark_backtest_run_jobs_total")
                    .Help("Valid POST /backtest/run jobs, by exchange and timeframe")
                    .Register(*registry_)),
      run_errors_(BuildCounter()
                      .Name("spark_backtest_run_errors_total")
                      .Help("Failed POST /backtest/run requests, by error code")
                      .Register(*registry_)),
      run_latency_ms_(BuildHistogram()
                          .Name("spark_backtest_run_latency_ms")
                          .Help("POST /backtest/run latency in milliseconds, from request read to response ready")
                          .Register(*registry_)
                          .Add({}, RunLatencyBucketsMs())),
      cache_hits_(BuildCounter()
                      .Name("spark_backtest_cache_hits_total")
                      .Help("Runs whose range the cache fully covered, by the layer that served every bar")
                      .Register(*registry_)),
      cache_misses_(BuildCounter()
                        .Name("spark_backtest_cache_misses_total")
                        .Help("Runs whose range the cache did not fully cover")
                        .Register(*registry_)
                        .Add({})),
      bars_served_(BuildCounter()
                       .Name("spark_backtest_bars_served_total")
                       .Help("Bars handed to the engine, by source (cache, binance)")
                       .Register(*registry_)),
      http_requests_(BuildCounter()
                         .Name("spark_http_requests_total")
                         .Help("HTTP requests answered, by route and status code")
                         .Register(*registry_)),
      optimize_jobs_(BuildCounter()
                         .Name("spark_backtest_optimize_jobs_total")
                         .Help("Valid POST /backtest/optimize jobs, by exchange and timeframe")
                         .Register(*registry_)),
      optimize_errors_(BuildCounter()
                           .Name("spark_backtest_optimize_errors_total")
                           .Help("Failed POST /backtest/optimize requests, by error code")
                           .Register(*registry_)),
      optimize_latency_(BuildHistogram()
                            .Name("spark_backtest_optimize_latency_seconds")
                            .Help("POST /backtest/optimize latency in seconds")
                            .Register(*registry_)
                            .Add({}, OptimizeLatencyBucketsSeconds())),
      combinations_evaluated_(BuildCounter()
                                  .Name("spark_backtest_optimize_combinations_total")
                                  .Help("Parameter combinations evaluated by grid searches")
                                  .Register(*registry_)
                                  .Add({})),
      upstream_requests_(BuildCounter()
                             .Name("spark_binance_requests_total")
                             .Help("HTTP requests to Binance, by endpoint and status (0: no answer)")
                             .Register(*registry_)),
      upstream_retries_(BuildCounter()
                            .Name("spark_binance_retries_total")
                            .Help("Binance requests that were retries")
                            .Register(*registry_)
                            .Add({})),
      upstream_limited_(BuildCounter()
                            .Name("spark_binance_rate_limited_total")
                            .Help("Binance answers 429 (slow down) and 418 (IP banned), by status")
                            .Register(*registry_)),
      upstream_seconds_(
          BuildHistogram()
              .Name("spark_binance_request_duration_seconds")
              .Help("Binance request latency in seconds")
              .Register(*registry_)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30})),
      bars_fetched_(BuildCounter()
                        .Name("spark_backtest_bars_fetched_total")
                        .Help("Bars fetched from Binance")
                        .Register(*registry_)
                        .Add({})),
      rejections_(BuildCounter()
                      .Name("spark_http_rejections_total")
                      .Help("Requests refused without being worked on, by route and reason")
                      .Register(*registry_)),
      queue_depth_(BuildGauge()
                       .Name("spark_compute_queue_depth")
                       .Help("Tasks waiting for a compute worker, by lane (interactive: runs; batch: research jobs)")
                       .Register(*registry_)),
      batch_running_(UnlabelledGauge(*registry_, "spark_batch_jobs_running",
                                     "Optimize, walk-forward and portfolio jobs admitted and not yet answered")),
      batch_waiting_(UnlabelledGauge(*registry_, "spark_batch_jobs_waiting", "Research jobs waiting for admission")),
      in_flight_(
          UnlabelledGauge(*registry_, "spark_http_in_flight_requests", "Requests read and not yet fully answered")),
      connections_(UnlabelledGauge(*registry_, "spark_http_open_connections", "Open client connections")),
      waiting_upstream_(UnlabelledGauge(*registry_, "spark_compute_tasks_waiting_upstream",
                                        "Compute tasks waiting on Binance, their worker slot lent to others")),
      resident_bytes_(UnlabelledGauge(*registry_, "process_resident_memory_bytes", "Resident memory size in bytes")) {
    for (const char* lane : {"interactive", "batch"}) queue_depth_.Add({{"lane", lane}});
    // Refusals the server makes itself exist at 0 from start-up; field-level reasons (MISSING_FIELD,
    // TOO_DEEP, ...) appear when first seen: alert on sum by (reason).
    for (const char* route : {"run", "optimize", "walkforward", "portfolio"}) {
        rejections_.Add({{"route", route}, {"reason", "QUEUE_FULL"}});
    }
    for (const char* reason : {"TOO_MANY_CONNECTIONS", "ORIGIN_NOT_ALLOWED", "SHUTTING_DOWN"}) {
        rejections_.Add({{"route", "unmatched"}, {"reason", reason}});
    }
    for (const char* route : {"walkforward", "portfolio"}) {
        const std::string prefix = std::string("spark_backtest_") + route;
        routes_[route] = RouteFamilies{&BuildCounter()
                                            .Name(prefix + "_jobs_total")
                                            .Help(std::string("Valid ") + route + " jobs")
                                            .Register(*registry_),
                                       &BuildCounter()
                                            .Name(prefix + "_errors_total")
                                            .Help(std::string("Failed ") + route + " requests, by error code")
                                            .Register(*registry_),
                                       &BuildHistogram()
                                            .Name(prefix + "_latency_seconds")
                                            .Help(std::string(route) + " latency in seconds")
                                            .Register(*registry_)
                                            .Add({}, OptimizeLatencyBucketsSeconds())};
    }
    // Pre-create the label sets operators alert on, so the series exist (at 0) from start-up.
    cache_hits_.Add({{"layer", "memory"}});
    cache_hits_.Add({{"layer", "duckdb"}});
    bars_served_.Add({{"source", "cache"}});
    bars_served_.Add({{"source", "binance"}});
    bars_served_.Add({{"source", "mixed"}});
    for (const char* endpoint : {"/api/v3/klines", "/fapi/v1/klines"})
        upstream_requests_.Add({{"endpoint", endpoint}, {"status", "200"}});
    upstream_limited_.Add({{"status", "429"}});
    upstream_limited_.Add({{"status", "418"}});
    BuildGauge()
        .Name("spark_build_info")
        .Help("Always 1; the labels describe the running build")
        .Register(*registry_)
        .Add({{"version", SPARK_VERSION}, {"semantics", "v1"}})
        .Set(1);
}

void ServiceMetrics::RecordRunJob(std::string_view exchange, std::string_view timeframe) {
    run_jobs_.Add({{"exchange", std::string(exchange)}, {"timeframe", std::string(timeframe)}}).Increment();
}

void ServiceMetrics::RecordRunError(std::string_view code) {
    run_errors_.Add({{"code", std::string(code)}}).Increment();
}

void ServiceMetrics::RecordRunLatency(double milliseconds) { run_latency_ms_.Observe(milliseconds); }

void ServiceMetrics::RecordCacheHit(std::string_view layer) {
    cache_hits_.Add({{"layer", std::string(layer)}}).Increment();
}

void ServiceMetrics::RecordCacheMiss() { cache_misses_.Increment(); }

void ServiceMetrics::RecordBarsServed(std::string_view source, int64_t bars) {
    bars_served_.Add({{"source", std::string(source)}}).Increment(static_cast<double>(bars));
}

void ServiceMetrics::RecordHttpRequest(std::string_view route, int status) {
    http_requests_.Add({{"route", std::string(route)}, {"status", std::to_string(status)}}).Increment();
}

void ServiceMetrics::RecordOptimizeJob(std::string_view exchange, std::string_view timeframe) {
    optimize_jobs_.Add({{"exchange", std::string(exchange)}, {"timeframe", std::string(timeframe)}}).Increment();
}

void ServiceMetrics::RecordOptimizeError(std::string_view code) {
    optimize_errors_.Add({{"code", std::string(code)}}).Increment();
}

void ServiceMetrics::RecordOptimizeLatency(double milliseconds) { optimize_latency_.Observe(milliseconds / 1000.0); }

void ServiceMetrics::RecordCombinationsEvaluated(int64_t combinations) {
    combinations_evaluated_.Increment(static_cast<double>(combinations));
}

void ServiceMetrics::RecordRouteJob(std::string_view route, std::string_view exchange, std::string_view timeframe) {
    const auto it = routes_.find(route);
    if (it == routes_.end()) return;
    it->second.jobs->Add({{"exchange", std::string(exchange)}, {"timeframe", std::string(timeframe)}}).Increment();
}

void ServiceMetrics::RecordRouteError(std::string_view route, std::string_view code) {
    const auto it = routes_.find(route);
    if (it != routes_.end()) it->second.errors->Add({{"code", std::string(code)}}).Increment();
}

void ServiceMetrics::RecordRouteLatency(std::string_view route, double milliseconds) {
    const auto it = routes_.find(route);
    if (it != routes_.end()) it->second.latency_seconds->Observe(milliseconds / 1000.0);
}

void ServiceMetrics::RecordUpstreamCall(std::string_view endpoint, int status, double seconds, bool retried) {
    upstream_requests_.Add({{"endpoint", std::string(endpoint)}, {"status", std::to_string(status)}}).Increment();
    if (retried) upstream_retries_.Increment();
    if (status == 429 || status == 418) upstream_limited_.Add({{"status", std::to_string(status)}}).Increment();
    upstream_seconds_.Observe(seconds);
}

void ServiceMetrics::RecordBarsFetched(int64_t bars) { bars_fetched_.Increment(static_cast<double>(bars)); }

void ServiceMetrics::RecordRejection(std::string_view route, std::string_view reason) {
    rejections_.Add({{"route", std::string(route)}, {"reason", std::string(reason)}}).Increment();
}

void ServiceMetrics::SetLoadSampler(std::function<Load()> sampler) { sampler_ = std::move(sampler); }

namespace {

double ResidentBytes() {
    std::ifstream statm("/proc/self/statm");
    long pages_total = 0;
    long pages_resident = 0;
    if (!(statm >> pages_total >> pages_resident)) return 0;
    return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::string ServiceMetrics::Serialize() const {
    if (sampler_) {
        const Load load = sampler_();
        queue_depth_.Add({{"lane", "interactive"}}).Set(static_cast<double>(load.queued_interactive));
        queue_depth_.Add({{"lane", "batch"}}).Set(static_cast<double>(load.queued_batch));
        batch_running_.Set(static_cast<double>(load.batch_running));
        batch_waiting_.Set(static_cast<double>(load.batch_waiting));
        in_flight_.Set(static_cast<double>(load.in_flight));
        connections_.Set(static_cast<double>(load.connections));
        waiting_upstream_.Set(static_cast<double>(load.threads_waiting_upstream));
    }
    resident_bytes_.Set(ResidentBytes());
    return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace spark::api
