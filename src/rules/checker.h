#pragma once

#include <array>
#include <expected>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rules/ast.h"
#include "rules/functions.h"
#include "rules/rule_error.h"
#include "strategy/parameter_schema.h"

namespace spark::rules {

inline constexpr size_t kMaxParams = 16;
inline constexpr size_t kMaxLets = 32;
//! Nodes an expression may stand for once its let names are written out: a chain of lets that
//! each use the previous one twice would otherwise describe 2^32 nodes in 32 short lines.
inline constexpr size_t kMaxExpandedNodes = 4096;
//! The longest window or bar offset, as for the built-in strategies.
inline constexpr double kMaxWindow = 10'000;
//! The largest magnitude of a parameter that is only a value (a threshold, a multiplier).
inline constexpr double kMaxParamValue = 1e12;

//! A strategy as the user wrote it, free of any wire format (the API reads JSON into this).
struct RuleSource {
    std::vector<std::pair<std::string, double>> params = {};     //!< name → default
    std::vector<std::pair<std::string, std::string>> lets = {};  //!< name → expression
    std::string entry = {};
    std::optional<std::string> exit = {};
    std::optional<std::string> entry_short = {};
    std::optional<std::string> exit_short = {};
    std::optional<std::string> stop_loss = {};          //!< a price level, read at the entry decision's close
    std::optional<std::string> take_profit = {};        //!< a price level, read at the entry decision's close
    std::optional<std::string> stop_loss_short = {};    //!< shorts' stop, when it differs from stop_loss
    std::optional<std::string> take_profit_short = {};  //!< shorts' target, when it differs from take_profit
};

//! The four signal rules, in the order of RuleSource and of the signal table, then the two
//! level rules (numbers: prices an entry's stop and target are set at).
enum RuleSlot {
    kEntry = 0,
    kExit = 1,
    kEntryShort = 2,
    kExitShort = 3,
    kStopLoss = 4,
    kTakeProfit = 5,
    kStopLossShort = 6,
    kTakeProfitShort = 7
};
inline constexpr size_t kRuleSlots = 8;
inline constexpr std::array<const char*, kRuleSlots> kRuleFields = {
    "entry", "exit", "entryShort", "exitShort", "stopLoss", "takeProfit", "stopLossShort", "takeProfitShort"};
//! Whether a slot holds a price level (a number) rather than a signal rule (a condition).
constexpr bool IsLevelSlot(size_t slot) { return slot >= kStopLoss; }

//! How a parameter is used, which decides what values it may take when bound.
struct ParamDeclaration {
    std::string name;
    double default_value = 0;
    bool window = false;  //!< somewhere a window: a whole number >= 1
    bool offset = false;  //!< somewhere a bar offset x[$n]: a whole number >= 0
};

struct CheckedExpression {
    std::string name;   //!< the let's name, or the rule's key ("entry", ...)
    std::string field;  //!< e.g. "strategy.let.f"
    Expression expression;
    std::vector<ValueType> types;  //!< per node
    std::string normalised;
    size_t expanded_nodes = 0;  //!< nodes with every let name written out
};

//! A window written in a rule: a literal, or a parameter bound per combination.
struct WindowRef {
    std::string param;  //!< empty for a literal
    double literal = 0;
};

//! A call whose windows must be ordered once bound (a MACD's fast below its slow), kept so a
//! binding is checked without compiling.
struct OrderedWindows {
    WindowRef fast;
    WindowRef slow;
    std::string function;
    std::string field;
    std::string expression;
    size_t position = 0;
};

//! A strategy whose every expression parsed and type-checked. Parameter values are not bound yet:
//! one checked strategy serves every combination of a grid.
struct CheckedRules {
    std::vector<ParamDeclaration> params;
    std::vector<CheckedExpression> lets;                             //!< each after the lets it uses
    std::map<std::string, size_t> let_index;                         //!< name → position in `lets`
    std::array<std::optional<CheckedExpression>, kRuleSlots> rules;  //!< by RuleSlot
    std::vector<std::string> functions;                              //!< every function used, sorted
    std::vector<OrderedWindows> ordered_windows;
    std::set<std::string> timeframes;  //!< every htf timeframe used

    const ParamDeclaration* FindParam(std::string_view name) const;
};

//! Checks one binding of the parameters (every declared one in `values`, else its default)
//! against what only values can break: each MACD's fast window below its slow one.
std::expected<void, RuleError> CheckBinding(const CheckedRules& rules, const ParamValues& values);

//! Parses and checks every expression: names, functions, arities, types, windows, limits, and
//! that `let` names form no cycle. Errors carry the field, position and reason.
std::expected<CheckedRules, RuleError> Check(const RuleSource& source);

}  // namespace spark::rules
