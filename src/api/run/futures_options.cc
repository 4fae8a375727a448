#include "api/run/futures_options.h"

#include <fmt/format.h>

#include "api/json/json_fields.h"
#include "engine/margin.h"

namespace spark::api {

using nlohmann::json;

Result<void> ReadFuturesOptions(const json& body, std::string_view exchange, std::string_view symbol,
                                BacktestOptions& options, FuturesRequest& out) {
    const bool futures = exchange == kFuturesExchange;
    FuturesTerms terms;
    if (auto ok = ReadNumber(body, "leverage", 1, option_limits::kMaxLeverage, false, terms.leverage); !ok) return ok;
    double rate = 0;
    const bool has_rate = body.contains("maintenanceMarginRate") && !body["maintenanceMarginRate"].is_null();
    if (auto ok = ReadNumber(body, "maintenanceMarginRate", 0, 0.5, true, rate); !ok) return ok;
    if (auto ok = ReadBool(body, "funding", out.funding); !ok) return ok;
    if (!futures) {
        const char* given = terms.leverage != 1        ? "leverage"
                            : has_rate                 ? "maintenanceMarginRate"
                            : body.contains("funding") ? "funding"
                                                       : nullptr;
        if (given == nullptr) return {};
        return Invalid(given,
                       fmt::format("{} applies to perpetual futures: send \"exchange\": \"binance-futures\", or leave "
                                   "{} out (spot trades are unleveraged, with no margin and no funding)",
                                   given, given),
                       "FUTURES_ONLY");
    }
    if (has_rate) terms.maintenance_rate = rate;
    if (has_rate && rate * terms.leverage >= 1) {
        return Invalid("maintenanceMarginRate",
                       fmt::format("maintenanceMarginRate {} at {}x leverage would liquidate every position at its "
                                   "entry (rate x leverage must stay below 1)",
                                   rate, terms.leverage),
                       "OUT_OF_RANGE");
    }
    auto for_symbol = TermsForSymbol(terms, symbol);
    if (!for_symbol) return std::unexpected(for_symbol.error());
    options.futures = *for_symbol;
    return {};
}

Result<FuturesTerms> TermsForSymbol(FuturesTerms terms, std::string_view symbol) {
    terms.tiers = BinanceMaintenanceTiers(symbol);
    if (terms.tiers.empty() && !terms.maintenance_rate) {
        return Invalid("maintenanceMarginRate",
                       fmt::format("{} has no built-in maintenance tiers (BTCUSDT and ETHUSDT have): send "
                                   "maintenanceMarginRate, the symbol's first-tier rate from Binance's leverage and "
                                   "margin table (e.g. 0.01 for 1 %)",
                                   symbol),
                       "MISSING_FIELD");
    }
    if (!terms.tiers.empty() && terms.leverage > terms.tiers.front().max_leverage) {
        return Invalid("leverage",
                       fmt::format("{} allows at most {}x (Binance's first tier); got {}x", symbol,
                                   terms.tiers.front().max_leverage, terms.leverage),
                       "OUT_OF_RANGE");
    }
    return terms;
}

}  // namespace spark::api
