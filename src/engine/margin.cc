#include "engine/margin.h"

#include <array>

namespace spark {
namespace {

// Binance USD-M's tiers: position notional cap, max leverage, maintenance margin rate and
// maintenance amount. The amount of tier n is that of tier n−1 plus tier n−1's cap × (rate_n −
// rate_{n−1}), which keeps the maintenance margin continuous across caps (a unit test checks it).

// BTCUSDT perpetual (Binance's announcement of 2021-03-18, "Updates to Leverage and Margin Tiers").
constexpr std::array<MaintenanceTier, 10> kBtcUsdt{{
    {50'000, 125, 0.004, 0},
    {250'000, 100, 0.005, 50},
    {1'000'000, 50, 0.01, 1'300},
    {10'000'000, 20, 0.025, 16'300},
    {20'000'000, 10, 0.05, 266'300},
    {50'000'000, 5, 0.10, 1'266'300},
    {100'000'000, 4, 0.125, 2'516'300},
    {200'000'000, 3, 0.15, 5'016'300},
    {300'000'000, 2, 0.25, 25'016'300},
    {500'000'000, 1, 0.50, 100'016'300},
}};

// ETHUSDT perpetual (Binance's "Leverage and Margin of USDⓈ-M Futures" table), the tiers it gives
// caps for.
constexpr std::array<MaintenanceTier, 8> kEthUsdt{{
    {10'000, 100, 0.005, 0},
    {100'000, 75, 0.0065, 15},
    {500'000, 50, 0.01, 365},
    {1'000'000, 25, 0.02, 5'365},
    {2'000'000, 10, 0.05, 35'365},
    {5'000'000, 5, 0.10, 135'365},
    {10'000'000, 4, 0.125, 260'365},
    {20'000'000, 3, 0.15, 510'365},
}};

}  // namespace

std::span<const MaintenanceTier> BinanceMaintenanceTiers(std::string_view symbol) {
    if (symbol == "BTCUSDT") return kBtcUsdt;
    if (symbol == "ETHUSDT") return kEthUsdt;
    return {};
}

MaintenanceTier TierFor(const FuturesTerms& terms, double notional) {
    if (terms.maintenance_rate) return {.notional_cap = 0, .max_leverage = 0, .rate = *terms.maintenance_rate};
    if (terms.tiers.empty()) return {};
    for (const MaintenanceTier& tier : terms.tiers) {
        if (notional <= tier.notional_cap) return tier;
    }
    return terms.tiers.back();
}

std::optional<double> LiquidationPrice(Side side, double quantity, double entry_price, double margin,
                                       const MaintenanceTier& tier) {
    if (!(quantity > 0)) return std::nullopt;
    if (side == Side::kLong) {
        const double price = (quantity * entry_price - margin - tier.amount) / (quantity * (1.0 - tier.rate));
        if (!(price > 0)) return std::nullopt;
        return price;
    }
    return (quantity * entry_price + margin + tier.amount) / (quantity * (1.0 + tier.rate));
}

}  // namespace spark
