#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "strategy/strategy.h"
#include "support/bars.h"

namespace spark::testing {

//! Emits a fixed list of signals (kNone after it): lets an engine test drive fills, stops and
//! sizing directly, bar by bar.
class Scripted final : public Strategy {
  public:
    explicit Scripted(std::vector<Signal> signals) : signals_(std::move(signals)) {}
    std::string_view Name() const override { return "scripted"; }
    void Signals(const SeriesContext&, std::span<Signal> out) const override {
        for (size_t t = 0; t < out.size(); ++t) out[t] = t < signals_.size() ? signals_[t] : Signal::kNone;
    }

  private:
    std::vector<Signal> signals_;
};

//! Hourly bar `i` (from kTestEpochMs) with every price given; volume 1.
inline Candle Bar(int64_t i, double open, double high, double low, double close) {
    return {kTestEpochMs + i * kMillisPerHour, open, high, low, close, 1};
}

}  // namespace spark::testing
