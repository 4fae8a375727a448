#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rules/program.h"

namespace spark::rules {

//! What an expression yields: a number series or a condition series (true, false or absent).
enum class ValueType { kNumber, kCondition };

std::string_view ValueTypeName(ValueType type);

//! What a function argument must be.
enum class ArgKind {
    kNumber,     //!< any number expression
    kCondition,  //!< any condition expression
    kSame,       //!< a number or a condition, of the same type as the other kSame arguments (iff)
    kWindow,     //!< a whole number of bars >= 1: a literal or a $parameter
    kConstant,   //!< a number fixed for the run: a literal or a $parameter (e.g. Bollinger's k)
    kTimeframe,  //!< a timeframe literal, a string such as "4h" (htf)
};

struct FunctionSpec {
    std::string_view name;
    Op op;  //!< what the compiler emits for it
    std::vector<ArgKind> args;
    ValueType result;          //!< for iff: the type of its kSame arguments
    std::string_view summary;  //!< one line for GET /strategies and errors
};

//! Every function of the language, in documentation order.
std::span<const FunctionSpec> Functions();
const FunctionSpec* FindFunction(std::string_view name);

//! The price series a rule can name: open high low close volume hl2 hlc3 ohlc4.
std::span<const std::string_view> PriceSeries();
bool IsPriceSeries(std::string_view name);
std::optional<Price> PriceOf(std::string_view name);
//! Words with a fixed meaning that cannot name a `let` (parameters, always written `$name`, may).
bool IsReservedWord(std::string_view name);

}  // namespace spark::rules
