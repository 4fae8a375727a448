#include "api/service_metrics.h"

#include <prometheus/text_serializer.h>
#include <unistd.h>

#include <sys/resource.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "common/error.h"
#include "common/interval.h"

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

//! The label values the service can produce, so every series an alert or panel reads exists (at
//! 0) from start-up instead of reading "no data" until its first event.
constexpr std::array<const char*, 2> kExchanges = {"binance", "binance-futures"};
constexpr std::array<const char*, 13> kRouteNames = {"run",        "optimize",  "walkforward", "portfolio", "runs",
                                                     "strategies", "validate",  "healthz",     "readyz",    "version",
                                                     "metrics",    "unmatched", "preflight"};
constexpr std::array<int, 11> kStatuses = {200, 400, 401, 403, 404, 405, 413, 500, 502, 503, 504};

std::vector<std::string> ErrorCodeNames() {
    std::vector<std::string> names;
    for (int code = 0; code <= static_cast<int>(ErrorCode::kInternal); ++code) {
        names.emplace_back(ErrorCodeName(static_cast<ErrorCode>(code)));
    }
    return names;
}

void AddJobSeries(prometheus::Family<prometheus::Counter>& jobs, prometheus::Family<prometheus::Counter>& errors) {
    for (const char* exchange : kExchanges) {
        for (const Interval& timeframe : Interval::All()) {
            jobs.Add({{"exchange", exchange}, {"timeframe", std::string(timeframe.Name())}});
        }
    }
    for (const std::string& code : ErrorCodeNames()) errors.Add({{"code", code}});
}

//! /proc/self/stat fields (man 5 proc): utime and stime (14, 15) in clock ticks, vsize (23) in bytes.
struct ProcStat {
    double cpu_seconds = 0;
    double virtual_bytes = 0;
};

//! Field `number` (1-based, as man 5 proc numbers them; 3 and up) of /proc/self/stat as a
//! number; 0 when it cannot be read.
class ProcSelfStat {
  public:
    ProcSelfStat() {
        std::ifstream stat("/proc/self/stat");
        const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
        const size_t close = text.rfind(')');
        if (close == std::string::npos || close + 2 > text.size()) return;
        std::istringstream rest(text.substr(close + 2));
        fields_.assign(std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>());
    }
    double Field(size_t number) const {
        constexpr size_t kFirst = 3;  // what follows the name starts at field 3 (state)
        return number >= kFirst && number - kFirst < fields_.size() ? std::atof(fields_[number - kFirst].c_str()) : 0;
    }

  private:
    std::vector<std::string> fields_;
};

double ClockTicks() { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

ProcStat ReadProcStat() {
    const ProcSelfStat stat;
    return {(stat.Field(14) + stat.Field(15)) / ClockTicks(), stat.Field(23)};  // utime + stime, vsize
}

//! Process start in seconds since the epoch: boot time plus field 22 (starttime, in ticks).
double ProcessStartSeconds() {
    std::ifstream kernel("/proc/stat");
    std::string line;
    double boot = 0;
    while (std::getline(kernel, line)) {
        if (line.starts_with("btime ")) boot = std::atof(line.c_str() + 6);
    }
    return boot == 0 ? 0 : boot + ProcSelfStat().Field(22) / ClockTicks();
}

double OpenFds() {
    std::error_code ec;
    double count = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
        ++count;
    }
    return count;
}

double MaxFds() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
    return static_cast<double>(limit.rlim_cur);
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
                      .Help("Bar loads of job routes whose range the cache fully covered, by the layer that "
                            "served every bar")
                      .Register(*registry_)),
      cache_misses_(BuildCounter()
                        .Name("spark_backtest_cache_misses_total")
                        .Help("Bar loads of job routes whose range the cache did not fully cover, whatever the "
                              "fetch's outcome")
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
      workers_(UnlabelledGauge(*registry_, "spark_compute_workers", "Compute worker slots (SPARK_WORKERS)")),
      workers_busy_(UnlabelledGauge(*registry_, "spark_compute_workers_busy",
                                    "Compute slots computing now (a task waiting on Binance lends its slot)")),
      resident_bytes_(UnlabelledGauge(*registry_, "process_resident_memory_bytes", "Resident memory size in bytes")),
      virtual_bytes_(UnlabelledGauge(*registry_, "process_virtual_memory_bytes", "Virtual memory size in bytes")),
      open_fds_(UnlabelledGauge(*registry_, "process_open_fds", "Open file descriptors")),
      max_fds_(UnlabelledGauge(*registry_, "process_max_fds", "The file-descriptor limit (soft)")),
      cpu_seconds_(BuildCounter()
                       .Name("process_cpu_seconds_total")
                       .Help("User and system CPU time spent, in seconds")
                       .Register(*registry_)
                       .Add({})) {
    UnlabelledGauge(*registry_, "process_start_time_seconds", "Start time of the process since the epoch, in seconds")
        .Set(ProcessStartSeconds());
    AddJobSeries(run_jobs_, run_errors_);
    AddJobSeries(optimize_jobs_, optimize_errors_);
    for (const char* route : kRouteNames) {
        for (int status : kStatuses) http_requests_.Add({{"route", route}, {"status", std::to_string(status)}});
    }
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
        AddJobSeries(*routes_[route].jobs, *routes_[route].errors);
    }
    // Pre-create the label sets operators alert on, so the series exist (at 0) from start-up.
    cache_hits_.Add({{"layer", "memory"}});
    cache_hits_.Add({{"layer", "duckdb"}});
    bars_served_.Add({{"source", "cache"}});
    bars_served_.Add({{"source", "binance"}});
    bars_served_.Add({{"source", "mixed"}});
    bars_served_.Add({{"source", "resampled"}});
    for (const char* endpoint : {"/api/v3/klines", "/fapi/v1/klines", "/fapi/v1/fundingRate"})
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

void ServiceMetrics::SetExtraSampler(std::function<std::string()> sampler) { extra_sampler_ = std::move(sampler); }

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
        workers_.Set(static_cast<double>(load.workers));
        workers_busy_.Set(static_cast<double>(load.workers_busy));
    }
    resident_bytes_.Set(ResidentBytes());
    const ProcStat stat = ReadProcStat();
    {
        std::lock_guard lock(cpu_mutex_);
        if (stat.cpu_seconds > cpu_reported_) {
            cpu_seconds_.Increment(stat.cpu_seconds - cpu_reported_);
            cpu_reported_ = stat.cpu_seconds;
        }
    }
    virtual_bytes_.Set(stat.virtual_bytes);
    open_fds_.Set(OpenFds());
    max_fds_.Set(MaxFds());
    std::string text = prometheus::TextSerializer().Serialize(registry_->Collect());
    if (extra_sampler_) text += extra_sampler_();
    return text;
}

}  // namespace spark::api
