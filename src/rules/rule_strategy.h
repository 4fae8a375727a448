#pragma once

#include <memory>

#include "rules/program.h"
#include "strategy/strategy.h"

namespace spark::rules {

//! A strategy written as rules, compiled for one binding of its parameters. Signals evaluate
//! the program over whole series; indicators come from (and go to) the shared SeriesContext.
class RuleStrategy final : public Strategy {
  public:
    explicit RuleStrategy(std::shared_ptr<const Program> program) : program_(std::move(program)) {}

    std::string_view Name() const override { return "rules"; }
    size_t LookbackBars() const override { return program_->lookback; }
    void Signals(const SeriesContext& context, std::span<Signal> out) const override;
    bool SetsLevels() const override;
    void SignalsAndLevels(const SeriesContext& context, std::span<Signal> out,
                          const EntryLevels& levels) const override;

  private:
    void Evaluate(const SeriesContext& context, std::span<Signal> out, const EntryLevels& levels) const;

    std::shared_ptr<const Program> program_;
};

//! The signal at one bar from the four rules' values there (docs/strategy-language.md
//! "Signals"): an exit beats the entry of its own side; a lone entry is bullish (bearish), which
//! also closes an opposite position; entries of both sides at once cancel, leaving the exits.
Signal CombineRules(bool entry, bool exit, bool entry_short, bool exit_short);

}  // namespace spark::rules
