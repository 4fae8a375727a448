#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "strategy/parameter_schema.h"
#include "strategy/strategy.h"

namespace spark {

//! A strategy the service offers: its parameter schema, a cross-parameter constraint (checked
//! after bounds, described in words for clients) and a factory taking resolved parameters.
struct StrategyDefinition {
    std::string name;
    std::string description;
    std::vector<ParamSpec> params;
    std::string constraint;  //!< e.g. "fast < slow"; empty when none
    std::function<Result<void>(const ParamValues&)> check_constraint;
    std::function<std::unique_ptr<Strategy>(const ParamValues&)> create;
};

//! Validates `given` against the definition's schema and constraint, filling defaults.
Result<ParamValues> Resolve(const StrategyDefinition& definition, const ParamValues& given);

//! Name → definition. The built-in set is immutable after construction and safe to share.
class StrategyRegistry {
  public:
    static const StrategyRegistry& BuiltIn();

    const StrategyDefinition* Find(std::string_view name) const;
    const std::vector<StrategyDefinition>& All() const { return definitions_; }

    //! Validates `given` against the strategy's schema and constraint, filling defaults.
    Result<ParamValues> Resolve(std::string_view name, const ParamValues& given) const;
    //! Creates a strategy from parameters already returned by Resolve.
    std::unique_ptr<Strategy> Create(std::string_view name, const ParamValues& resolved) const;

    void Add(StrategyDefinition definition);

  private:
    std::vector<StrategyDefinition> definitions_;
};

}  // namespace spark
