#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/performance_report.h"
#include "engine/backtest_options.h"
#include "model/candle.h"
#include "model/trade.h"
#include "strategy/strategy.h"

namespace spark::research {

enum class RebalanceKind { kNone, kDaily, kWeekly, kMonthly, kEveryBars };

struct RebalanceRule {
    RebalanceKind kind = RebalanceKind::kNone;
    size_t bars = 0;  //!< for kEveryBars
};

struct PortfolioAsset {
    std::string symbol;
    double weight = 0;
    std::unique_ptr<Strategy> strategy;
    std::vector<Candle> bars;                //!< the asset's own bars, checked, in time order
    const IntrabarPath* intrabar = nullptr;  //!< its finer bars for exits (`intrabar`), not owned
    std::optional<FuturesTerms> futures;     //!< perpetual futures: its own tiers and funding
};

struct PortfolioInput {
    std::vector<PortfolioAsset> assets;
    BacktestOptions options;  //!< initial_cash is the whole portfolio's
    double periods_per_year = 0;
    RebalanceRule rebalance;
};

struct SleeveResult {
    std::vector<Trade> trades;
    analysis::Metrics metrics;  //!< of the sleeve's time-weighted curve (rebalancing flows removed)
    double contribution = 0;    //!< sleeve profit / portfolio initial cash; they sum to totalReturn
    double final_equity = 0;
    int64_t missing_on_timeline = 0;  //!< aligned open times without a bar of this asset
    std::vector<double> equity;       //!< the sleeve's equity at each timeline close (they sum to the portfolio's)
};

struct PortfolioResult {
    std::vector<int64_t> timeline;  //!< union of the assets' open times
    std::vector<double> equity;     //!< portfolio equity at each timeline close
    analysis::Metrics metrics;
    std::vector<SleeveResult> sleeves;
    std::vector<std::vector<std::optional<double>>> correlation;  //!< of bar-to-bar close returns
    double turnover = 0;        //!< Σ over rebalances of traded notional / portfolio equity
    double rebalance_fees = 0;  //!< quote currency
    int64_t rebalances = 0;
};

//! A multi-asset backtest (docs/portfolio.md): each asset is a sleeve running its strategy on its
//! weight of the capital, stepped on the union of the assets' open times; a sleeve without a bar
//! at a time keeps its last close for valuation and does not trade; at rebalance times the
//! sleeves are reset to their target weights, paying fees on the notional traded.
PortfolioResult RunPortfolio(const PortfolioInput& input);

//! Whether the portfolio rebalances after the close of `time`, the next bar opening at `next`.
bool IsRebalanceTime(const RebalanceRule& rule, size_t index, int64_t time, int64_t next);

}  // namespace spark::research
