#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/run/run_request.h"
#include "research/portfolio.h"

namespace spark::api {

struct PortfolioAssetRequest {
    std::string symbol;
    double weight = 0;
    StrategyChoice strategy;  //!< buy_and_hold when the asset names none
    ParamValues params;       //!< resolved
    //! binance-futures: the run's terms with this symbol's maintenance tiers (TermsForSymbol).
    std::optional<FuturesTerms> futures;
};

//! A validated POST /backtest/portfolio request (docs/portfolio.md).
struct PortfolioRequest {
    RunRequest run;  //!< exchange, timeframe, range, costs, options (its symbol is the first asset's)
    std::vector<PortfolioAssetRequest> assets;
    research::RebalanceRule rebalance;
    std::string rebalance_text = "none";
};

inline constexpr double kWeightSumTolerance = 1e-9;

Result<PortfolioRequest> ParsePortfolioRequest(std::string_view body, int64_t now_ms, size_t max_assets);

}  // namespace spark::api
