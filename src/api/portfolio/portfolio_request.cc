#include "api/portfolio/portfolio_request.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <vector>

#include "api/json/json_fields.h"
#include "api/run/exit_options.h"
#include "api/run/futures_options.h"
#include "common/bounded_text.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxRebalanceBars = 1'000'000;

Result<void> ReadAsset(const json& item, size_t index, PortfolioAssetRequest& out) {
    const std::string prefix = fmt::format("assets[{}]", index);
    if (!item.is_object())
        return Invalid(prefix, prefix + " must be an object {symbol, weight, strategy?}", "WRONG_TYPE");
    for (const auto& [key, value] : item.items()) {
        if (key != "symbol" && key != "weight" && key != "strategy") {
            const std::string shown = TruncateForEcho(key);
            return Invalid(prefix + "." + shown,
                           fmt::format("unknown field {}.{} (expected symbol, weight, strategy)", prefix, shown),
                           "UNKNOWN_FIELD");
        }
    }
    if (!item.contains("symbol")) return Invalid(prefix + ".symbol", prefix + ".symbol is required", "MISSING_FIELD");
    if (!item["symbol"].is_string())
        return Invalid(prefix + ".symbol", prefix + ".symbol must be a string", "WRONG_TYPE");
    out.symbol = item["symbol"].get<std::string>();
    if (!IsValidSymbol(out.symbol)) {
        return Invalid(prefix + ".symbol",
                       fmt::format("{}.symbol '{}' must be 1-20 upper-case letters or digits", prefix, out.symbol),
                       "INVALID_SYMBOL");
    }
    if (!item.contains("weight") || !item["weight"].is_number()) {
        return Invalid(prefix + ".weight", prefix + ".weight must be a number", "WRONG_TYPE");
    }
    out.weight = item["weight"].get<double>();
    if (!(out.weight > 0) || !std::isfinite(out.weight) || out.weight > 1) {
        return Invalid(prefix + ".weight", fmt::format("{}.weight must be in (0, 1], got {}", prefix, out.weight),
                       "OUT_OF_RANGE");
    }
    auto strategy = ReadStrategy(item, "buy_and_hold");
    if (!strategy) {
        Error error = strategy.error();
        error.field = prefix + "." + error.field;
        return std::unexpected(error);
    }
    out.strategy = std::move(*strategy);
    auto resolved = ResolveStrategyParams(out.strategy);
    if (!resolved) {
        Error error = resolved.error();
        error.field = prefix + "." + error.field;
        return std::unexpected(error);
    }
    out.params = std::move(*resolved);
    return {};
}

Result<void> ReadRebalance(const json& body, PortfolioRequest& out) {
    const auto it = body.find("rebalance");
    if (it == body.end()) return {};
    if (it->is_number_integer()) {
        const int64_t bars = it->get<int64_t>();
        if (bars < 1 || bars > static_cast<int64_t>(kMaxRebalanceBars)) {
            return Invalid("rebalance", fmt::format("rebalance as a bar count must be 1-{}", kMaxRebalanceBars),
                           "OUT_OF_RANGE");
        }
        out.rebalance = {research::RebalanceKind::kEveryBars, static_cast<size_t>(bars)};
        out.rebalance_text = std::to_string(bars);
        return {};
    }
    if (!it->is_string())
        return Invalid("rebalance", "rebalance must be none, daily, weekly, monthly or a bar count", "WRONG_TYPE");
    const std::string text = it->get<std::string>();
    if (text == "none") {
        out.rebalance = {research::RebalanceKind::kNone, 0};
    } else if (text == "daily") {
        out.rebalance = {research::RebalanceKind::kDaily, 0};
    } else if (text == "weekly") {
        out.rebalance = {research::RebalanceKind::kWeekly, 0};
    } else if (text == "monthly") {
        out.rebalance = {research::RebalanceKind::kMonthly, 0};
    } else {
        return Invalid("rebalance",
                       fmt::format("rebalance '{}' must be none, daily, weekly, monthly or a bar count", text),
                       "OUT_OF_RANGE");
    }
    out.rebalance_text = text;
    return {};
}

}  // namespace

Result<PortfolioRequest> ParsePortfolioRequest(std::string_view body_text, int64_t now_ms, size_t max_assets) {
    static constexpr std::array<std::string_view, 12> kOwnFields = {
        "assets",      "timeframe", "start",       "end",  "exchange",   "useCache",
        "initialCash", "feeBps",    "slippageBps", "fill", "allowShort", "rebalance"};
    std::vector<std::string_view> known(kOwnFields.begin(), kOwnFields.end());
    known.insert(known.end(), kExitAndSizingFields.begin(), kExitAndSizingFields.end());
    known.insert(known.end(), kFuturesFields.begin(), kFuturesFields.end());
    auto body = ParseJsonObject(body_text, known);
    if (!body) return std::unexpected(body.error());
    const auto assets = body->find("assets");
    if (assets == body->end()) return Invalid("assets", "assets is required", "MISSING_FIELD");
    if (!assets->is_array() || assets->empty())
        return Invalid("assets", "assets must be a non-empty list", "WRONG_TYPE");
    if (assets->size() > max_assets) {
        return Invalid("assets",
                       fmt::format("{} assets; at most {} (PORTFOLIO_MAX_ASSETS)", assets->size(), max_assets),
                       "TOO_MANY_ASSETS");
    }
    PortfolioRequest out;
    std::set<std::string> symbols;
    double weight_sum = 0;
    for (size_t i = 0; i < assets->size(); ++i) {
        PortfolioAssetRequest asset;
        if (auto ok = ReadAsset((*assets)[i], i, asset); !ok) return std::unexpected(ok.error());
        if (!symbols.insert(asset.symbol).second) {
            return Invalid(fmt::format("assets[{}].symbol", i), fmt::format("{} appears twice", asset.symbol),
                           "DUPLICATE_SYMBOL");
        }
        weight_sum += asset.weight;
        out.assets.push_back(std::move(asset));
    }
    if (std::abs(weight_sum - 1.0) > kWeightSumTolerance) {
        return Invalid("assets",
                       fmt::format("the weights sum to {:.12g}; they must sum to 1 (within 1e-9)", weight_sum),
                       "WEIGHTS_DO_NOT_SUM_TO_ONE");
    }
    // The shared run fields, read with the first asset standing in for the symbol.
    if (auto ok = ReadRunFields(*body, now_ms, out.run, &out.assets.front().symbol); !ok)
        return std::unexpected(ok.error());
    if (out.run.options.futures) {
        for (PortfolioAssetRequest& asset : out.assets) {
            auto terms = TermsForSymbol(*out.run.options.futures, asset.symbol);
            if (!terms) return std::unexpected(terms.error());
            asset.futures = *terms;
        }
    }
    for (size_t i = 0; i < out.assets.size(); ++i) {
        if (auto ok =
                CheckHigherTimeframes(out.assets[i].strategy, out.run.interval, fmt::format("assets[{}].strategy", i));
            !ok)
            return std::unexpected(ok.error());
    }
    if (auto ok = ReadRebalance(*body, out); !ok) return std::unexpected(ok.error());
    return out;
}

}  // namespace spark::api
