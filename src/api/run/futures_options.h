#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <string_view>

#include "common/error.h"
#include "engine/backtest_options.h"

namespace spark::api {

inline constexpr std::string_view kFuturesExchange = "binance-futures";
//! Binance USD-M futures' regular (VIP 0) taker fee, 0.0500 %: futures runs' default feeBps
//! (docs/futures.md "Fees").
inline constexpr double kFuturesTakerFeeBps = 5;

//! The request fields of perpetual futures, shared by every backtesting route.
inline constexpr std::array<std::string_view, 3> kFuturesFields = {"leverage", "maintenanceMarginRate", "funding"};

//! What a futures request asks for besides the engine's terms.
struct FuturesRequest {
    bool funding = true;  //!< `funding: false` runs without settlements (stated in the answer)
};

//! Reads `leverage`, `maintenanceMarginRate` and `funding` into `options.futures` for
//! `exchange` binance-futures and `symbol` (its maintenance tiers, TermsForSymbol), docs/futures.md.
//! On spot any of them other than leverage 1 is FUTURES_ONLY, naming the field. The funding
//! settlements are attached later, once loaded.
Result<void> ReadFuturesOptions(const nlohmann::json& body, std::string_view exchange, std::string_view symbol,
                                BacktestOptions& options, FuturesRequest& out);

//! `terms` with `symbol`'s maintenance tiers: a symbol without built-in tiers needs
//! `maintenanceMarginRate` (MISSING_FIELD); leverage above the symbol's first tier's maximum is
//! OUT_OF_RANGE. A portfolio calls it for each asset.
Result<FuturesTerms> TermsForSymbol(FuturesTerms terms, std::string_view symbol);

}  // namespace spark::api
