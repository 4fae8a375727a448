// binance-replay: Binance's klines and USD-M funding-rate APIs over loopback, from Binance-format
// files, with faults that tests inject. The one stand-in for Binance, which the tests cannot reach.
//
//   binance-replay --port 0 --data-dir DIR [--futures-data-dir FDIR]
//
// DIR holds <SYMBOL>-<interval>.csv[.gz] kline files. Without --futures-data-dir they serve both
// spot and futures klines; with it, FDIR's <SYMBOL>-<interval>.csv[.gz] serve the futures ones and
// FDIR's funding files serve /fapi/v1/fundingRate: <SYMBOL>-fundingRate.json (exactly the API's
// answer, a JSON list of {"symbol","fundingRate","fundingTime","markPrice"}) or
// <SYMBOL>-fundingRate.csv[.gz] (Binance's dump layout, served with markPrice "").
//
// Serves GET /api/v3/klines (limit <= 1000) and /fapi/v1/klines (limit <= 1500) with symbol,
// interval, startTime, endTime, limit as Binance does: rows are 12-element arrays, prices as
// strings, errors {"code":..., "msg":...} (-1121 invalid symbol, -1120 invalid interval, -1130 bad
// parameter), X-MBX-USED-WEIGHT-1M on every answer. GET /fapi/v1/fundingRate takes symbol,
// startTime, endTime (both inclusive) and limit (1..1000, default 100); without startTime it
// answers the latest rows up to endTime. Faults, for the next klines or fundingRate requests:
//   POST /__faults {"status":429,"count":2,"retryAfter":1}   ({"status":418|500|...},
//                  {"delayMs":3000}, {"malformed":true} likewise; faults queue up)
//   GET  /__stats   {"klinesRequests": N, "fundingRequests": M}
// An interval without a file is served resampled from the finest file that divides it.
#include <utility>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/interval.h"
#include "marketdata/funding_csv.h"
#include "marketdata/kline_csv.h"
#include "model/resample.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

struct Fault {
    int status = 0;
    int64_t retry_after = -1;
    int64_t delay_ms = 0;
    bool malformed = false;
};

using KlineSeries = std::map<std::string, std::vector<spark::KlineRow>>;  // "<SYMBOL>-<interval>"
using Response = http::response<http::string_body>;

struct State {
    KlineSeries series;
    KlineSeries futures_series;
    bool futures_dir = false;  //!< --futures-data-dir given: futures klines come from futures_series
    std::map<std::string, std::vector<json>> funding;  // symbol -> API rows in time order
    std::deque<Fault> faults;
    int64_t klines_requests = 0;
    int64_t funding_requests = 0;
    int64_t weight_minute = -1;
    int64_t weight_used = 0;
};

//! Binance serves every interval of a symbol: one the data directory lacks is built from the
//! finest file that divides it (OHLCV aggregated as Binance does; the other columns are zero) and
//! kept. Returns the end of the map when the symbol has no such file.
KlineSeries::iterator ServeByResampling(KlineSeries& series, const std::string& symbol,
                                        const spark::Interval& interval) {
    for (const spark::Interval& finer : spark::Interval::All()) {
        if (!finer.Divides(interval)) continue;
        const auto source = series.find(symbol + "-" + std::string(finer.Name()));
        if (source == series.end()) continue;
        std::vector<spark::Candle> candles;
        for (const spark::KlineRow& row : source->second) candles.push_back(row.candle);
        std::vector<spark::KlineRow> rows;
        for (const spark::Candle& c : spark::Resample(candles, interval)) {
            rows.push_back({.candle = c, .close_time_ms = interval.Next(c.open_time_ms) - 1});
        }
        return series.emplace(symbol + "-" + std::string(interval.Name()), std::move(rows)).first;
    }
    return series.end();
}

std::map<std::string, std::string> Query(std::string_view target) {
    std::map<std::string, std::string> out;
    const size_t q = target.find('?');
    if (q == std::string_view::npos) return out;
    std::string rest(target.substr(q + 1));
    size_t start = 0;
    while (start < rest.size()) {
        const size_t amp = std::min(rest.find('&', start), rest.size());
        const std::string pair = rest.substr(start, amp - start);
        const size_t eq = pair.find('=');
        if (eq != std::string::npos) out[pair.substr(0, eq)] = pair.substr(eq + 1);
        start = amp + 1;
    }
    return out;
}

std::string Price(double value) { return fmt::format("{:.8f}", value); }

//! Binance's error answer {"code":..., "msg":...} with `status`.
Response& Refuse(Response& res, http::status status, int code, const std::string& msg) {
    res.result(status);
    res.body() = json{{"code", code}, {"msg", msg}}.dump();
    return res;
}

//! A market-data answer: counts the request's weight in the minute's X-MBX-USED-WEIGHT-1M.
Response MarketDataResponse(State& state, int64_t weight) {
    Response res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json;charset=UTF-8");
    const int64_t minute =
        std::chrono::duration_cast<std::chrono::minutes>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (minute != state.weight_minute) state.weight_minute = minute, state.weight_used = 0;
    state.weight_used += weight;
    res.set("X-MBX-USED-WEIGHT-1M", std::to_string(state.weight_used));
    return res;
}

//! Applies the next queued fault, whichever endpoint is asked: true when the fault is the whole
//! answer (a delay alone lets the request be served after it).
bool ApplyFault(State& state, Response& res, const char* malformed_body) {
    if (state.faults.empty()) return false;
    const Fault fault = state.faults.front();
    state.faults.pop_front();
    if (fault.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault.delay_ms));
    if (fault.retry_after >= 0) res.set(http::field::retry_after, std::to_string(fault.retry_after));
    if (fault.status == 451) {  // Binance's answer to a restricted location, code 0 included
        Refuse(res, http::status::unavailable_for_legal_reasons, 0,
               "Service unavailable from a restricted location according to 'b. Eligibility' in "
               "https://www.binance.com/en/terms. Please contact customer service if you believe you "
               "received this message in error.");
        return true;
    }
    if (fault.status != 0) {
        Refuse(res, static_cast<http::status>(fault.status), fault.status == 429 ? -1003 : -1000,
               fault.status == 429 ? "Too much request weight used." : "Injected failure.");
        return true;
    }
    if (fault.malformed) {
        res.body() = malformed_body;
        return true;
    }
    return false;
}

Response Klines(State& state, std::string_view target, bool futures) {
    Response res = MarketDataResponse(state, futures ? 10 : 2);
    ++state.klines_requests;
    auto error = [&](http::status status, int code, const std::string& msg) { return Refuse(res, status, code, msg); };
    if (ApplyFault(state, res, R"([[1704067200000,"1.0","2.0"]])")) return res;
    auto q = Query(target);
    const auto interval = spark::Interval::Parse(q["interval"]);
    if (!interval) return error(http::status::bad_request, -1120, "Invalid interval.");
    KlineSeries& series = futures && state.futures_dir ? state.futures_series : state.series;
    auto it = series.find(q["symbol"] + "-" + q["interval"]);
    if (it == series.end()) it = ServeByResampling(series, q["symbol"], *interval);
    if (it == series.end()) return error(http::status::bad_request, -1121, "Invalid symbol.");
    const int max_limit = futures ? 1500 : 1000;
    int64_t limit = 500;
    int64_t start = 0;
    int64_t end = INT64_MAX;
    try {
        if (q.contains("limit")) limit = std::stoll(q["limit"]);
        if (q.contains("startTime")) start = std::stoll(q["startTime"]);
        if (q.contains("endTime")) end = std::stoll(q["endTime"]);
    } catch (const std::exception&) {
        return error(http::status::bad_request, -1130, "Invalid data sent for a parameter.");
    }
    if (limit < 1 || limit > max_limit)
        return error(http::status::bad_request, -1130, "Invalid data sent for a parameter.");
    json rows = json::array();
    for (const spark::KlineRow& r : it->second) {
        if (r.candle.open_time_ms < start || r.candle.open_time_ms > end) continue;
        rows.push_back({r.candle.open_time_ms, Price(r.candle.open), Price(r.candle.high), Price(r.candle.low),
                        Price(r.candle.close), Price(r.candle.volume), r.close_time_ms, Price(r.quote_volume),
                        r.trade_count, Price(r.taker_buy_base), Price(r.taker_buy_quote), "0"});
        if (static_cast<int64_t>(rows.size()) >= limit) break;
    }
    res.body() = rows.dump();
    return res;
}

Response FundingRates(State& state, std::string_view target) {
    Response res = MarketDataResponse(state, 1);
    ++state.funding_requests;
    if (ApplyFault(state, res, R"([{"symbol":"BTCUSDT","fundingRate":"x","fundingTime":1704067200000}])")) return res;
    auto q = Query(target);
    const auto it = state.funding.find(q["symbol"]);
    if (it == state.funding.end()) return Refuse(res, http::status::bad_request, -1121, "Invalid symbol.");
    int64_t limit = 100;
    int64_t start = -1;
    int64_t end = INT64_MAX;
    try {
        if (q.contains("limit")) limit = std::stoll(q["limit"]);
        if (q.contains("startTime")) start = std::stoll(q["startTime"]);
        if (q.contains("endTime")) end = std::stoll(q["endTime"]);
    } catch (const std::exception&) {
        return Refuse(res, http::status::bad_request, -1130, "Invalid data sent for a parameter.");
    }
    if (limit < 1 || limit > 1000) {
        return Refuse(res, http::status::bad_request, -1130, "Invalid data sent for a parameter.");
    }
    const std::vector<json>& all = it->second;
    const auto time_of = [](const json& row) { return row.at("fundingTime").get<int64_t>(); };
    // Binance's rule: from startTime forward when it is given, else the latest rows up to endTime.
    size_t first = 0;
    size_t last = 0;  // one past
    while (last < all.size() && time_of(all[last]) <= end) ++last;
    if (start >= 0) {
        while (first < last && time_of(all[first]) < start) ++first;
        last = std::min(last, first + static_cast<size_t>(limit));
    } else {
        first = last > static_cast<size_t>(limit) ? last - static_cast<size_t>(limit) : 0;
    }
    json rows = json::array();
    for (size_t i = first; i < last; ++i) rows.push_back(all[i]);
    res.body() = rows.dump();
    return res;
}

Response Handle(State& state, const http::request<http::string_body>& req) {
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    if (path == "/api/v3/klines" || path == "/fapi/v1/klines") return Klines(state, target, path == "/fapi/v1/klines");
    if (path == "/fapi/v1/fundingRate") return FundingRates(state, target);
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "application/json");
    if (path == "/__faults" && req.method() == http::verb::post) {
        const json body = json::parse(req.body(), nullptr, false);
        const int count = body.is_object() ? body.value("count", 1) : 1;
        for (int i = 0; i < count && body.is_object(); ++i) {
            state.faults.push_back({body.value("status", 0), body.value("retryAfter", int64_t{-1}),
                                    body.value("delayMs", int64_t{0}), body.value("malformed", false)});
        }
        res.body() = json{{"queued", state.faults.size()}}.dump();
    } else if (path == "/__stats") {
        res.body() =
            json{{"klinesRequests", state.klines_requests}, {"fundingRequests", state.funding_requests}}.dump();
    } else {
        res.result(http::status::not_found);
        res.body() = R"({"code":-1,"msg":"not found"})";
    }
    return res;
}

//! The kline files of `dir`, by "<SYMBOL>-<interval>".
KlineSeries LoadKlines(const std::string& dir) {
    static const std::regex kName(R"(([A-Z0-9]+)-([0-9]+[smhdwM])\.csv(\.gz)?)");
    KlineSeries series;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (!std::regex_match(name, m, kName)) continue;
        const auto interval = spark::Interval::Parse(m[2].str());
        if (!interval) continue;
        const auto text = spark::ReadKlineFile(entry.path().string());
        if (!text) {
            std::cerr << "binance-replay: skipping " << name << ": " << text.error().message << '\n';
            continue;
        }
        series[m[1].str() + "-" + m[2].str()] = spark::ParseKlineCsv(*text, *interval, INT64_MAX).rows;
    }
    return series;
}

//! The funding files of `dir` as the API's rows in time order, by symbol. JSON rows are served
//! as written (a test may give a row markPrice "" or leave it out); dump rows get markPrice "".
std::map<std::string, std::vector<json>> LoadFunding(const std::string& dir) {
    static const std::regex kName(R"(([A-Z0-9]+)-fundingRate\.(json|csv|csv\.gz))");
    std::map<std::string, std::vector<json>> funding;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::smatch m;
        const std::string name = entry.path().filename().string();
        if (!std::regex_match(name, m, kName)) continue;
        const std::string symbol = m[1].str();
        const auto text = spark::ReadKlineFile(entry.path().string());
        if (!text) {
            std::cerr << "binance-replay: skipping " << name << ": " << text.error().message << '\n';
            continue;
        }
        std::vector<json> rows;
        if (m[2].str() == "json") {
            const json parsed = json::parse(*text, nullptr, false);
            if (!parsed.is_array()) {
                std::cerr << "binance-replay: skipping " << name << ": not a JSON list\n";
                continue;
            }
            for (const json& row : parsed) {
                if (row.is_object() && row.contains("fundingTime") && row.at("fundingTime").is_number_integer()) {
                    rows.push_back(row);
                }
            }
        } else {
            for (const spark::FundingRate& rate : spark::ParseFundingCsv(*text, INT64_MAX).rows) {
                rows.push_back(json{{"symbol", symbol},
                                    {"fundingRate", fmt::format("{:.8f}", rate.rate)},
                                    {"fundingTime", rate.time_ms},
                                    {"markPrice", ""}});
            }
        }
        std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
            return a.at("fundingTime").get<int64_t>() < b.at("fundingTime").get<int64_t>();
        });
        funding[symbol] = std::move(rows);
    }
    return funding;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Binance's klines and USD-M funding-rate APIs over loopback, from Binance-format files, with "
        "injectable faults (POST /__faults). The stand-in for Binance in tests.",
        "binance-replay"};
    app.option_defaults()->always_capture_default();
    app.set_version_flag("--version", "binance-replay " SPARK_VERSION " (commit " SPARK_GIT_COMMIT ")");
    int port = 0;
    std::string data_dir;
    std::string futures_dir;
    app.add_option("--port", port, "TCP port on 127.0.0.1 (0 = ephemeral; the chosen one is printed)")
        ->check(CLI::Range(0, 65535));
    app.add_option("--data-dir", data_dir, "directory of <SYMBOL>-<interval>.csv[.gz] files to serve")
        ->required()
        ->check(CLI::ExistingDirectory);
    app.add_option("--futures-data-dir", futures_dir,
                   "directory of USD-M files: <SYMBOL>-<interval>.csv[.gz] klines (then served instead of "
                   "--data-dir's on /fapi/v1/klines) and <SYMBOL>-fundingRate.json or .csv[.gz] funding rates")
        ->check(CLI::ExistingDirectory);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : 2;  // help: 0; a bad flag: 2, as every command here
    }

    State state;
    state.series = LoadKlines(data_dir);
    if (!futures_dir.empty()) {
        state.futures_dir = true;
        state.futures_series = LoadKlines(futures_dir);
        state.funding = LoadFunding(futures_dir);
    }
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    std::cout << "binance-replay listening on http://127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;
    for (;;) {
        tcp::socket socket(ioc);
        acceptor.accept(socket);
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            beast::error_code ec;
            http::read(socket, buffer, req, ec);
            if (ec) break;
            auto res = Handle(state, req);
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            http::write(socket, res, ec);
            if (ec || !req.keep_alive()) break;
        }
        beast::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
    }
}
