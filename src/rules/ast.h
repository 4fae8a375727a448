#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace spark::rules {

enum class NodeKind {
    kNumber,     //!< a literal
    kName,       //!< a price series (close, hl2, ...), a `let` name, or true/false
    kParameter,  //!< $name
    kString,     //!< a timeframe literal, only where a function takes one
    kUnary,      //!< op: "-" or "not"
    kBinary,     //!< op: + - * / < <= > >= == != and or
    kCall,       //!< op: the function's name; children are its arguments
    kIndex,      //!< x[n]: children[0] is x, children[1] the offset (a number or parameter)
};

//! One node of a parsed expression. Nodes live in an arena (`Expression::nodes`) and refer to
//! their children by index, so an expression is one allocation and copies cheaply.
struct Node {
    NodeKind kind = NodeKind::kNumber;
    std::string text;  //!< the name, the operator, the function, the parameter or the string
    double number = 0;
    std::vector<int> children;
    size_t position = 0;  //!< byte offset in the expression's text, for errors
};

struct Expression {
    std::string text;
    std::vector<Node> nodes;
    int root = -1;
};

}  // namespace spark::rules
