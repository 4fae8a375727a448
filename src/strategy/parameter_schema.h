#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.h"

namespace spark {

enum class ParamType { kInteger, kNumber };

//! One tunable parameter with its bounds (inclusive) and default.
struct ParamSpec {
    std::string name;
    ParamType type = ParamType::kInteger;
    double default_value = 0;
    double min = 0;
    double max = 0;
    std::string description;
};

//! Parameter values by name; after ResolveParams every schema entry is present and valid.
using ParamValues = std::map<std::string, double>;

//! Fills defaults for absent parameters and checks names, integrality and bounds. Errors name
//! the parameter as `strategy.params.<name>` and state its bounds.
Result<ParamValues> ResolveParams(const std::vector<ParamSpec>& schema, const ParamValues& given);

std::string_view ParamTypeName(ParamType type);

}  // namespace spark
