#pragma once

#include <cstddef>

#include "strategy/strategy.h"

namespace spark {

//! Crossovers of the MACD line (EMA fast − EMA slow) and its signal line.
class MacdCross final : public Strategy {
  public:
    MacdCross(size_t fast, size_t slow, size_t signal) : fast_(fast), slow_(slow), signal_(signal) {}

    std::string_view Name() const override { return "macd_cross"; }
    size_t LookbackBars() const override { return slow_ + signal_ - 1; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;

  private:
    size_t fast_;
    size_t slow_;
    size_t signal_;
};

}  // namespace spark
