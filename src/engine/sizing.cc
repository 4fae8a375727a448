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
                     std::optional<double> stop_distance) {
    // The most an entry may take: notional plus its fee equal to the equity.
    const double all_in = cash / (fill_price * (1.0 + fee_rate));
    switch (sizing.mode) {
        case SizingMode::kFraction:
            return sizing.value * cash / (fill_price * (1.0 + fee_rate));
        case SizingMode::kNotional:
            return std::min(sizing.value, cash / (1.0 + fee_rate)) / fill_price;
        case SizingMode::kRisk:
            if (!stop_distance || !(*stop_distance > 0)) return 0;
            return std::min(sizing.value * cash / *stop_distance, all_in);
    }
    return 0;
}

}  // namespace spark
