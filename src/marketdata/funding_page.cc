#include "marketdata/funding_page.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "common/bounded_text.h"
#include "common/interval.h"
#include "common/time_format.h"
#include "marketdata/csv_text.h"

namespace spark {
namespace {

using nlohmann::json;

//! Reads one row into `out`; returns why it is invalid, empty when it is not.
std::string ReadRow(const json& row, std::string_view expected_symbol, FundingRate& out) {
    if (!row.is_object()) return "a row is not an object";
    const auto symbol = row.find("symbol");
    if (symbol == row.end() || !symbol->is_string()) return "symbol is missing or not a string";
    // Another symbol's rows (Binance answers every symbol when none is named) must never be
    // stored, and covered, under this one.
    if (symbol->get_ref<const std::string&>() != expected_symbol) {
        return fmt::format("symbol '{}' is not the {} asked for", TruncateForEcho(symbol->get<std::string>()),
                           expected_symbol);
    }

    const auto time = row.find("fundingTime");
    if (time == row.end() || !time->is_number_integer()) return "fundingTime is missing or not an integer";
    // nlohmann keeps non-negative integers unsigned: compare before narrowing to int64_t.
    if (time->is_number_unsigned() ? time->get<uint64_t>() > static_cast<uint64_t>(kMaxEpochMs)
                                   : time->get<int64_t>() < 0) {
        return "fundingTime is out of range";
    }
    out.time_ms = time->get<int64_t>();

    const auto rate = row.find("fundingRate");
    if (rate == row.end() || !rate->is_string()) return "fundingRate is missing or not a string";
    if (!ParseNumber(rate->get<std::string>(), out.rate)) {
        return fmt::format("fundingRate '{}' is not a finite number", TruncateForEcho(rate->get<std::string>()));
    }
    if (std::abs(out.rate) > kMaxFundingRateMagnitude) {
        return fmt::format("fundingRate {} is larger in magnitude than {}", out.rate, kMaxFundingRateMagnitude);
    }

    // markPrice is "" on Binance's older rows, and answers from before the field existed lack it:
    // both mean "no mark price" (the engine then uses the bar's close), not a malformed row.
    const auto mark = row.find("markPrice");
    if (mark == row.end()) return {};
    if (!mark->is_string()) return "markPrice is not a string";
    const std::string& mark_text = mark->get_ref<const std::string&>();
    if (mark_text.empty()) return {};
    if (!ParseNumber(mark_text, out.mark_price) || out.mark_price <= 0) {
        return fmt::format("markPrice '{}' is not a positive number", TruncateForEcho(mark_text));
    }
    return {};
}

}  // namespace

Result<std::vector<FundingRate>> ParseFundingPage(std::string_view body, std::string_view symbol, int64_t now_ms) {
    if (FindJsonDepthExcess(body)) {
        return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent JSON nested deeper than a funding page");
    }
    const json rows = json::parse(body, nullptr, false);
    if (rows.is_discarded()) return MakeError(ErrorCode::kMarketDataUnavailable, "Binance sent malformed JSON");
    if (!rows.is_array()) {
        return MakeError(ErrorCode::kMarketDataUnavailable, "Binance answered something other than a list");
    }
    std::vector<FundingRate> out;
    out.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        FundingRate rate;
        std::string reason = ReadRow(rows[i], symbol, rate);
        if (reason.empty() && rate.time_ms > now_ms) {
            reason = fmt::format("fundingTime {} is in the future", FormatIsoUtc(rate.time_ms));
        }
        // Binance answers in time order; a repeat or a step back means the page cannot be trusted.
        if (reason.empty() && !out.empty() && rate.time_ms <= out.back().time_ms) {
            reason = fmt::format("fundingTime {} does not follow {}", FormatIsoUtc(rate.time_ms),
                                 FormatIsoUtc(out.back().time_ms));
        }
        if (!reason.empty()) {
            return MakeError(ErrorCode::kMarketDataUnavailable,
                             fmt::format("Binance sent an invalid funding rate (row {}): {}", i + 1, reason));
        }
        out.push_back(rate);
    }
    return out;
}

int64_t FundingHorizon(int64_t now_ms) {
    constexpr int64_t kPublicationLagMs = 60'000;
    return FloorDiv(now_ms - kPublicationLagMs, kMillisPerHour) * kMillisPerHour;
}

}  // namespace spark
