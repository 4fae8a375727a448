#include "api/futures_support.h"

#include <fmt/format.h>

#include <set>

#include "common/time_format.h"
#include "engine/margin.h"

namespace spark::api {

Result<std::optional<FundingSettlements>> LoadFundingFor(const FundingLoader& loader, const RunRequest& request,
                                                         const std::string& symbol) {
    if (!request.options.futures) return std::nullopt;
    if (!request.futures.funding) return FundingSettlements{symbol, std::nullopt};
    Result<LoadedFunding> loaded = loader.Load(
        {.exchange = request.exchange, .symbol = symbol, .range = request.range, .use_cache = request.use_cache});
    if (!loaded) {
        Error error = loaded.error();
        error.message = fmt::format(
            "the {} funding history for {} .. {} could not be loaded: {}; a perpetual's result without its "
            "funding is wrong, so the run was not made (send \"funding\": false to run without it, and the "
            "answer says so)",
            symbol, FormatIsoUtc(request.range.start_ms), FormatIsoUtc(request.range.end_ms), error.message);
        error.field = "funding";
        return std::unexpected(std::move(error));
    }
    return FundingSettlements{symbol, std::move(*loaded)};
}

FuturesTerms WithFunding(const FuturesTerms& terms, const FundingSettlements* funding) {
    FuturesTerms out = terms;
    out.funding = funding != nullptr && funding->loaded ? std::span<const FundingRate>(funding->loaded->rates)
                                                        : std::span<const FundingRate>{};
    return out;
}

namespace {

void WriteTier(JsonWriter& json, const MaintenanceTier& tier) {
    json.BeginObject()
        .Field("notionalCap", tier.notional_cap)
        .Field("maxLeverage", tier.max_leverage)
        .Field("rate", tier.rate)
        .Field("amount", tier.amount)
        .EndObject();
}

void WriteFunding(JsonWriter& json, const LoadedFunding& f) {
    const std::vector<FundingRate>& rates = f.rates;
    json.BeginObject().Field("settlements", static_cast<int64_t>(rates.size()));
    // The intervals the history itself shows (8h, 4h, 1h all occur), nearest hour.
    std::set<int64_t> hours;
    int64_t with_mark = 0;
    for (size_t i = 0; i < rates.size(); ++i) {
        if (i > 0) hours.insert((rates[i].time_ms - rates[i - 1].time_ms + kMillisPerHour / 2) / kMillisPerHour);
        with_mark += rates[i].HasMarkPrice() ? 1 : 0;
    }
    json.Key("intervalsHours").BeginArray();
    for (const int64_t h : hours) json.Integer(h);
    json.EndArray();
    json.Field("withMarkPrice", with_mark);
    json.Field("first", rates.empty() ? std::nullopt : std::optional<int64_t>(rates.front().time_ms));
    json.Field("last", rates.empty() ? std::nullopt : std::optional<int64_t>(rates.back().time_ms));
    json.Field("source", f.source).Field("cacheHit", f.cache_hit);
    json.Field("fetched", f.fetched).Field("upstreamRequests", f.upstream_requests);
    json.EndObject();
}

}  // namespace

void WriteFutures(JsonWriter& json, const RunRequest& request, std::span<const FundingSettlements> funding) {
    json.Key("futures");
    if (!request.options.futures) {
        json.Null();
        return;
    }
    const FuturesTerms& f = *request.options.futures;
    json.BeginObject().Field("leverage", f.leverage).Field("marginMode", "isolated");
    json.Field("maintenanceMarginRate", f.maintenance_rate).Field("fundingApplied", request.futures.funding);
    json.Key("symbols").BeginArray();
    for (const FundingSettlements& s : funding) {
        json.BeginObject().Field("symbol", s.symbol);
        json.Key("maintenanceTiers").BeginArray();
        if (!f.maintenance_rate) {
            for (const MaintenanceTier& tier : BinanceMaintenanceTiers(s.symbol)) WriteTier(json, tier);
        }
        json.EndArray();
        json.Key("funding");
        if (s.loaded) {
            WriteFunding(json, *s.loaded);
        } else {
            json.Null();
        }
        json.EndObject();
    }
    json.EndArray();
    json.EndObject();
}

}  // namespace spark::api
