#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/interval.h"
#include "marketdata/kline_row.h"
#include "model/funding_rate.h"
#include "model/time_range.h"

namespace spark {

struct BinanceOptions {
    std::string spot_base_url = "https://api.binance.com";      //!< BINANCE_BASE_URL; empty: no upstream
    std::string futures_base_url = "https://fapi.binance.com";  //!< BINANCE_FUTURES_BASE_URL
    int64_t connect_timeout_ms = 3'000;
    int64_t request_timeout_ms = 10'000;  //!< per HTTP request
    int max_attempts = 5;                 //!< per request, first try included
    int64_t max_retry_ms = 30'000;        //!< total time one request may spend retrying
    int64_t base_backoff_ms = 200;        //!< doubled per retry, with jitter
    int64_t weight_budget = 4'800;        //!< of Binance's 6,000 a minute: slow down before the limit
    int64_t default_ban_ms = 120'000;     //!< how long a 418 without Retry-After is honoured (Binance's shortest ban)
};

//! One HTTP exchange with Binance, for metrics.
struct UpstreamCall {
    std::string endpoint;  //!< /api/v3/klines, /fapi/v1/klines or /fapi/v1/fundingRate
    int status = 0;        //!< 0 when no HTTP answer arrived
    double seconds = 0;
    bool retried = false;  //!< this attempt was a retry
};

struct FetchedKlines {
    std::vector<KlineRow> rows;  //!< in time order, strictly validated
    int64_t requests = 0;        //!< HTTP requests made, retries included
};

struct FetchedFunding {
    std::vector<FundingRate> rows;  //!< in time order, strictly validated (marketdata/funding_page.h)
    int64_t requests = 0;           //!< HTTP requests made, retries included
};

//! Whether `error` is the upstream's failure (unavailable, timed out, banned) rather than the
//! request's or the cache's: the loaders then say what the cache lacks and how to get it.
bool IsUpstreamFailure(const Error& error);

//! One page of Binance's klines answer (a JSON list of 12-field rows) as validated rows: any
//! malformed row, wrong field type, unaligned or still-open bar fails the whole page.
Result<std::vector<KlineRow>> ParseKlinesPage(std::string_view body, const Interval& interval, int64_t now_ms);

//! Binance's klines API over libcurl: spot `GET /api/v3/klines` (pages of 1000) and USD-M futures
//! `GET /fapi/v1/klines` (pages of 1500), paginating by startTime until the range is covered.
//! Retries 429, 5xx, timeouts and connection failures with exponential backoff and jitter, bounded
//! in attempts and total time, honouring Retry-After; never retries 418 (a ban), and sends nothing
//! more until the ban's Retry-After has passed. A weight budget
//! shared by all requests, fed by X-MBX-USED-WEIGHT-1M, waits for the next minute before the limit.
//! Every row must have 12 fields, parseable prices and an aligned open time: anything else makes
//! the whole fetch an upstream error. Thread-safe.
class BinanceClient {
  public:
    explicit BinanceClient(BinanceOptions options, std::function<void(const UpstreamCall&)> observer = {});

    bool Enabled(const std::string& exchange) const;
    //! Ends every wait under way or to come (rate window, retry back-off) with SHUTTING_DOWN, so
    //! the compute pool can be joined at shutdown without waiting out a minute's budget.
    void Stop();
    Result<FetchedKlines> FetchKlines(const std::string& exchange, const std::string& symbol, const Interval& interval,
                                      TimeRange range);
    //! USD-M perpetual funding settlements with fundingTime in `range`: `GET /fapi/v1/fundingRate`
    //! on the futures base URL in pages of 1000, the next page starting 1 ms after the last
    //! settlement, until a short page. Same retries, ban, weight budget (1 per request) and errors
    //! as FetchKlines; a malformed page fails the whole fetch. kDataNotFound when no futures base
    //! URL is configured (Enabled("binance-futures") is false).
    Result<FetchedFunding> FetchFundingRates(const std::string& symbol, TimeRange range);

  private:
    struct Response {
        int status = 0;
        std::string body;
        int64_t retry_after_s = -1;
        int64_t used_weight = -1;
        bool timed_out = false;
        bool too_large = false;  //!< the answer passed the size limit and was cut off
        std::string transport_error;
    };
    Response Get(const std::string& url);
    Result<std::string> GetWithRetries(const std::string& endpoint, const std::string& url, int64_t& requests);
    //! False when stopped while waiting.
    bool WaitForWeight(int64_t weight);
    bool SleepUnlessStopped(int64_t milliseconds);
    void NoteWeight(int64_t used);

    BinanceOptions options_;
    std::function<void(const UpstreamCall&)> observer_;
    std::mutex stop_mutex_;
    std::condition_variable stop_;
    bool stopping_ = false;
    std::mutex weight_mutex_;
    int64_t weight_minute_ = -1;
    int64_t weight_used_ = 0;
    //! Epoch ms until which a 418 ban holds: until then no request is sent, the caller gets
    //! kMarketDataBanned at once.
    std::atomic<int64_t> banned_until_ms_{0};
};

}  // namespace spark
