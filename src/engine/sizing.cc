#include "engine/sizing.h"

#include <algorithm>

namespace spark {

std::string_view SizingModeName(SizingMode mode) {
    switch (mode) {
        case SizingMode::kFraction:
            return "fraction";
        case SizingMode::kNotional:
            return "notional";
        case SizingMode::kRisk:
            return "risk";
    }
    return "fraction";
}

double EntryQuantity(const Sizing& sizing, double cash, double fill_price, double fee_rate,
                     std::optional<double> stop_distance, double leverage) {
    // What equity can carry: margin (notional / leverage) plus the fee on the notional equal to
    // the equity, i.e. notional × (1 + leverage × fee_rate) = equity × leverage. At leverage 1
    // these are the spot formulas exactly (× 1.0 changes no bit).
    const double buying_power = cash * leverage;
    const double fee_per_notional = 1.0 + fee_rate * leverage;
    const double all_in = buying_power / (fill_price * fee_per_notional);
    switch (sizing.mode) {
        case SizingMode::kFraction:
            return sizing.value * buying_power / (fill_price * fee_per_notional);
        case SizingMode::kNotional:
            return std::min(sizing.value, buying_power / fee_per_notional) / fill_price;
        case SizingMode::kRisk:
            if (!stop_distance || !(*stop_distance > 0)) return 0;
            return std::min(sizing.value * cash / *stop_distance, all_in);
    }
    return 0;
}

}  // namespace spark
