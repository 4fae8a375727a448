#include "marketdata/binance_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/bounded_text.h"
#include "common/time_format.h"
#include "marketdata/funding_page.h"
#include "marketdata/kline_csv.h"

namespace spark {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr int kSpotPage = 1000;
constexpr int kFuturesPage = 1500;
constexpr int kFundingPage = 1000;  // the endpoint's maximum limit
constexpr int64_t kSpotWeight = 2;
constexpr int64_t kFuturesWeight = 10;  // limit above 1000
//! fundingRate has its own limit (500 requests / 5 min / IP), not a weight in the 1-minute
//! budget: counting each request as 1 keeps the shared budget honest without starving klines.
constexpr int64_t kFundingWeight = 1;
constexpr std::string_view kFundingEndpoint = "/fapi/v1/fundingRate";
constexpr int kBinanceInvalidSymbol = -1121;
//! Binance's bans last from 2 minutes to 3 days; a longer Retry-After is not believed.
constexpr int64_t kLongestBanS = 3 * 24 * 3600;

int64_t EndpointWeight(std::string_view endpoint) {
    if (endpoint == kFundingEndpoint) return kFundingWeight;
    return endpoint == "/fapi/v1/klines" ? kFuturesWeight : kSpotWeight;
}

//! A page of 1,500 klines is about 250 KB; an answer far beyond that is not a klines page, and
//! reading it whole would let an upstream fill our memory.
constexpr size_t kMaxBodyBytes = 16 << 20;

size_t WriteBody(char* data, size_t size, size_t count, void* out) {
    auto* body = static_cast<std::string*>(out);
    if (body->size() + size * count > kMaxBodyBytes) return 0;  // curl ends the transfer (CURLE_WRITE_ERROR)
    body->append(data, size * count);
    return size * count;
}

struct BinanceError {
    bool binance_format = false;  //!< an object with an integer `code` and a string `msg`
    int code = 0;
    std::string message;  //!< `msg`, or the raw text (bounded)
};

//! Binance's error answer {"code": -1121, "msg": "..."}. Binance uses code 0 too (HTTP 451,
//! restricted location), so the format, not the code, tells Binance from something else.
//! Never throws, whatever the upstream sent.
BinanceError ReadBinanceError(const std::string& body) {
    BinanceError out{.binance_format = false, .code = 0, .message = body};
    if (!FindJsonDepthExcess(body)) {
        const json error = json::parse(body, nullptr, false);
        if (error.is_object()) {
            const auto code = error.find("code");
            const auto msg = error.find("msg");
            if (code != error.end() && code->is_number_integer() && msg != error.end() && msg->is_string()) {
                out = {.binance_format = true,
                       .code = static_cast<int>(code->get<int64_t>()),
                       .message = msg->get<std::string>()};
            }
        }
    }
    out.message = TruncateForEcho(out.message, 200);
    return out;
}

//! `url` up to the endpoint, without user information (user:password@): what messages may show.
std::string BaseForMessages(const std::string& url, const std::string& endpoint) {
    std::string base = url.substr(0, url.find(endpoint));
    const size_t scheme = base.find("://");
    const size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
    const size_t at = base.find('@', authority);
    if (at != std::string::npos && at < base.find('/', authority)) base.erase(authority, at + 1 - authority);
    return base;
}

//! A refusal that is not in Binance's error format ({"code":..., "msg":...}): the base URL points
//! at something else (a proxy's 404 page, a typo'd host serving HTML). The operator's to fix, so a
//! 502, not the client's 400.
std::unexpected<Error> Misconfigured(const std::string& endpoint, const std::string& url, int status,
                                     const std::string& answer) {
    const bool futures = endpoint.starts_with("/fapi");
    const std::string body = answer.empty()          ? "an empty body"
                             : answer.find('<') < 16 ? "an HTML page"
                                                     : fmt::format("'{}'", TruncateForEcho(answer, 80));
    return MakeError(ErrorCode::kMarketDataUnavailable,
                     fmt::format("the market-data upstream {} answered HTTP {} to {} with {}, not a Binance API "
                                 "answer: {} must be Binance's API root ({})",
                                 BaseForMessages(url, endpoint), status, endpoint, body,
                                 futures ? "BINANCE_FUTURES_BASE_URL" : "BINANCE_BASE_URL",
                                 futures ? "https://fapi.binance.com"
                                         : "https://api.binance.com or https://data-api.binance.vision"),
                     "", "UPSTREAM_MISCONFIGURED");
}

//! A full page whose rows do not move past its startTime: returning what came so far would let
//! the range's coverage claim the rest, so the whole fetch fails instead of looping or stopping.
std::unexpected<Error> NotAdvancing(const std::string& endpoint, int64_t start) {
    return MakeError(
        ErrorCode::kMarketDataUnavailable,
        fmt::format("Binance answered a full {} page that does not advance past startTime {}", endpoint, start));
}

//! Reads the two headers the client acts on: Retry-After and the 1-minute used weight.
size_t ReadHeader(char* data, size_t size, size_t count, void* out) {
    auto* headers = static_cast<std::pair<int64_t, int64_t>*>(out);
    std::string line(data, size * count);
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const std::string value = line.substr(colon + 1);
        try {
            if (name == "retry-after") headers->first = std::stoll(value);
            if (name == "x-mbx-used-weight-1m") headers->second = std::stoll(value);
        } catch (const std::exception&) {
        }
    }
    return size * count;
}

//! Binance's JSON rows as the 12-column CSV the importer reads, so one validator checks both.
Result<std::string> RowsAsCsv(const json& rows) {
    if (!rows.is_array())
        return MakeError(ErrorCode::kMarketDataUnavailable, "Binance answered something other than a list");
    std::string csv;
    for (const json& row : rows) {
        if (!row.is_array() || row.size() != 12) {
            return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent a kline without 12 fields");
        }
        for (size_t i = 0; i < row.size(); ++i) {
            const json& field = row[i];
            if (field.is_string()) {
                csv += field.get<std::string>();
            } else if (field.is_number_integer()) {
                csv += std::to_string(field.get<int64_t>());
            } else {
                return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent a kline field of the wrong type");
            }
            csv += i + 1 < row.size() ? ',' : '\n';
        }
    }
    return csv;
}

//! The service is stopping: a wait for Binance (its rate window, a retry back-off) ends at once.
std::unexpected<Error> Stopped() {
    return MakeError(ErrorCode::kServiceUnavailable, "the server is shutting down; retry on another instance", "",
                     "SHUTTING_DOWN");
}

}  // namespace

bool IsUpstreamFailure(const Error& error) {
    return error.code == ErrorCode::kMarketDataUnavailable || error.code == ErrorCode::kMarketDataTimeout ||
           error.code == ErrorCode::kMarketDataBanned;
}

Result<std::vector<KlineRow>> ParseKlinesPage(std::string_view body, const Interval& interval, int64_t now_ms) {
    if (FindJsonDepthExcess(body)) {
        return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent JSON nested deeper than a klines page");
    }
    const json rows = json::parse(body, nullptr, false);
    if (rows.is_discarded()) return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent malformed JSON");
    Result<std::string> csv = RowsAsCsv(rows);
    if (!csv) return std::unexpected(csv.error());
    KlineCsv parsed = ParseKlineCsv(*csv, interval, now_ms);
    // Any bad row (or a bar still open) poisons the page: nothing of it may reach the cache.
    if (!parsed.rejected.empty()) {
        return MakeError(ErrorCode::kMarketDataUnavailable,
                         fmt::format("Binance sent an invalid kline: {}", parsed.rejected.front().reason));
    }
    // Every row of the answer must be a kline (none skipped as a header or a blank line).
    if (parsed.rows.size() != rows.size()) {
        return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent rows the kline reader did not count");
    }
    return std::move(parsed.rows);
}

BinanceClient::BinanceClient(BinanceOptions options, std::function<void(const UpstreamCall&)> observer)
    : options_(std::move(options)), observer_(std::move(observer)) {
    static const bool initialised = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    (void)initialised;
}

bool BinanceClient::Enabled(const std::string& exchange) const {
    return exchange == "binance-futures" ? !options_.futures_base_url.empty() : !options_.spot_base_url.empty();
}

BinanceClient::Response BinanceClient::Get(const std::string& url) {
    Response response;
    CURL* curl = curl_easy_init();
    if (!curl) {
        response.transport_error = "curl_easy_init failed";
        return response;
    }
    std::pair<int64_t, int64_t> headers{-1, -1};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ReadHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "spark-executor");
    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        response.status = static_cast<int>(status);
    } else {
        response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
        response.too_large = code == CURLE_WRITE_ERROR && response.body.size() + CURL_MAX_WRITE_SIZE > kMaxBodyBytes;
        response.transport_error = curl_easy_strerror(code);
    }
    response.retry_after_s = headers.first;
    response.used_weight = headers.second;
    curl_easy_cleanup(curl);
    return response;
}

void BinanceClient::Stop() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_.notify_all();
}

bool BinanceClient::SleepUnlessStopped(int64_t milliseconds) {
    std::unique_lock lock(stop_mutex_);
    return !stop_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(milliseconds, 0)),
                           [this] { return stopping_; });
}

bool BinanceClient::WaitForWeight(int64_t weight) {
    std::unique_lock lock(weight_mutex_);
    const int64_t minute = NowEpochMs() / kMillisPerMinute;
    if (minute != weight_minute_) {
        weight_minute_ = minute;
        weight_used_ = 0;
    }
    if (weight_used_ + weight > options_.weight_budget) {
        // Over our budget for this minute: wait for the next one rather than earn a 429.
        const int64_t wait_ms = (minute + 1) * kMillisPerMinute - NowEpochMs();
        lock.unlock();
        if (!SleepUnlessStopped(wait_ms)) return false;
        lock.lock();
        weight_minute_ = NowEpochMs() / kMillisPerMinute;
        weight_used_ = 0;
    }
    weight_used_ += weight;
    return true;
}

void BinanceClient::NoteWeight(int64_t used) {
    if (used < 0) return;
    std::lock_guard lock(weight_mutex_);
    weight_used_ = std::max(weight_used_, used);  // Binance's count includes other clients of the IP
}

Result<std::string> BinanceClient::GetWithRetries(const std::string& endpoint, const std::string& url,
                                                  int64_t& requests) {
    thread_local std::mt19937_64 random{std::random_device{}()};
    const Clock::time_point started = Clock::now();
    const int64_t weight = EndpointWeight(endpoint);
    for (int attempt = 1;; ++attempt) {
        if (const int64_t banned_until = banned_until_ms_.load(); NowEpochMs() < banned_until) {
            return MakeError(ErrorCode::kMarketDataBanned,
                             fmt::format("Binance has banned this IP (HTTP 418) until {}; no request is sent to it "
                                         "before then ({} s left)",
                                         FormatIsoUtc(banned_until), (banned_until - NowEpochMs() + 999) / 1000));
        }
        if (!WaitForWeight(weight)) return Stopped();
        const Clock::time_point sent = Clock::now();
        const Response r = Get(url);
        ++requests;
        if (observer_) {
            observer_({endpoint, r.status, std::chrono::duration<double>(Clock::now() - sent).count(), attempt > 1});
        }
        NoteWeight(r.used_weight);
        if (r.status == 200) return r.body;
        if (r.status == 418) {
            // Remembered: asking again during a ban lengthens it (Binance's documentation).
            const int64_t ban_ms =
                r.retry_after_s >= 0 ? std::min(r.retry_after_s, kLongestBanS) * 1000 : options_.default_ban_ms;
            banned_until_ms_.store(NowEpochMs() + ban_ms);
            return MakeError(ErrorCode::kMarketDataBanned,
                             fmt::format("Binance has banned this IP (HTTP 418); no request is sent to it for {} s",
                                         (ban_ms + 999) / 1000));
        }
        if (r.too_large) {
            // Asking again would download the same oversized answer again.
            return MakeError(
                ErrorCode::kMarketDataUnavailable,
                fmt::format("Binance sent an answer over {} MiB; a page of klines or funding rates is far smaller",
                            kMaxBodyBytes >> 20));
        }
        const bool retryable = r.status == 429 || r.status >= 500 || r.status == 0;
        if (!retryable) {
            const BinanceError refusal = ReadBinanceError(r.body);
            const std::string& message = refusal.message;
            if (refusal.binance_format && refusal.code == kBinanceInvalidSymbol) {
                return MakeError(ErrorCode::kInvalidSymbol, fmt::format("Binance: {}", message), "symbol",
                                 "INVALID_SYMBOL");
            }
            // Binance's documented refusals of the caller rather than of the request: its firewall
            // (403) and restricted locations (451). Not the client's fault, and no retry helps.
            if (r.status == 403 || r.status == 451) {
                return MakeError(
                    ErrorCode::kMarketDataUnavailable,
                    fmt::format("Binance refuses this host (HTTP {}{}): {}; fetch from a host and "
                                "location Binance serves, or import the bars from its dump files",
                                r.status, r.status == 451 ? ", restricted location" : ", firewall", message),
                    "", "UPSTREAM_REFUSED_HOST");
            }
            // Binance answers its klines endpoints with its own error format, never with a 404.
            if (!refusal.binance_format || r.status == 404) return Misconfigured(endpoint, url, r.status, r.body);
            return MakeError(ErrorCode::kInvalidRequest, fmt::format("Binance refused the request: {}", message), "",
                             "UPSTREAM_REJECTED");
        }
        const int64_t elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        // Exponential backoff with jitter; Retry-After, when given, is a floor.
        const double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(random);
        int64_t delay =
            static_cast<int64_t>(static_cast<double>(options_.base_backoff_ms) * std::pow(2.0, attempt - 1) * jitter);
        if (r.retry_after_s >= 0) delay = std::max(delay, std::min(r.retry_after_s, kLongestBanS) * 1000);
        if (attempt >= options_.max_attempts || elapsed + delay > options_.max_retry_ms) {
            const std::string what = r.status == 0 ? r.transport_error : fmt::format("HTTP {}", r.status);
            if (r.timed_out) {
                return MakeError(ErrorCode::kMarketDataTimeout,
                                 fmt::format("Binance did not answer in time after {} attempts ({})", attempt, what));
            }
            return MakeError(ErrorCode::kMarketDataUnavailable,
                             fmt::format("Binance is unavailable after {} attempts: {}", attempt, what));
        }
        if (!SleepUnlessStopped(delay)) return Stopped();
    }
}

Result<FetchedKlines> BinanceClient::FetchKlines(const std::string& exchange, const std::string& symbol,
                                                 const Interval& interval, TimeRange range) {
    const bool futures = exchange == "binance-futures";
    const std::string endpoint = futures ? "/fapi/v1/klines" : "/api/v3/klines";
    const std::string base = futures ? options_.futures_base_url : options_.spot_base_url;
    const int page_size = futures ? kFuturesPage : kSpotPage;
    FetchedKlines out;
    int64_t start = range.start_ms;
    while (start < range.end_ms) {
        const std::string url = fmt::format("{}{}?symbol={}&interval={}&startTime={}&endTime={}&limit={}", base,
                                            endpoint, symbol, interval.Name(), start, range.end_ms - 1, page_size);
        Result<std::string> body = GetWithRetries(endpoint, url, out.requests);
        if (!body) return std::unexpected(body.error());
        Result<std::vector<KlineRow>> page = ParseKlinesPage(*body, interval, NowEpochMs());
        if (!page) return std::unexpected(page.error());
        const size_t page_rows = page->size();
        for (const KlineRow& row : *page) {
            if (range.Contains(row.candle.open_time_ms)) out.rows.push_back(row);
        }
        if (page->empty() || static_cast<int>(page_rows) < page_size) break;
        const int64_t next = interval.Next(page->back().candle.open_time_ms);
        if (next <= start) return NotAdvancing(endpoint, start);
        start = next;
    }
    return out;
}

Result<FetchedFunding> BinanceClient::FetchFundingRates(const std::string& symbol, TimeRange range) {
    if (!Enabled("binance-futures")) {
        return MakeError(ErrorCode::kDataNotFound,
                         "no USD-M futures upstream is configured (BINANCE_FUTURES_BASE_URL is empty)");
    }
    const std::string endpoint(kFundingEndpoint);
    FetchedFunding out;
    int64_t start = range.start_ms;
    while (start < range.end_ms) {
        // endTime is inclusive at Binance; the range is half-open.
        const std::string url =
            fmt::format("{}{}?symbol={}&startTime={}&endTime={}&limit={}", options_.futures_base_url, endpoint, symbol,
                        start, range.end_ms - 1, kFundingPage);
        Result<std::string> body = GetWithRetries(endpoint, url, out.requests);
        if (!body) return std::unexpected(body.error());
        Result<std::vector<FundingRate>> page = ParseFundingPage(*body, symbol, NowEpochMs());
        if (!page) return std::unexpected(page.error());
        for (const FundingRate& row : *page) {
            // A row before `start` repeats an earlier page; one outside the range was not asked for.
            if (row.time_ms >= start && range.Contains(row.time_ms)) out.rows.push_back(row);
        }
        if (page->empty() || static_cast<int>(page->size()) < kFundingPage) break;
        const int64_t next = page->back().time_ms + 1;
        if (next <= start) return NotAdvancing(endpoint, start);
        start = next;
    }
    return out;
}

}  // namespace spark
