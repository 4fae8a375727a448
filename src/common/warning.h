#pragma once

#include <string>
#include <vector>

namespace spark {

//! Something that changed or qualifies a result without failing it (a short warm-up taken on
//! purpose, a range shorter than the strategy's lookback, ...). Every answer lists them, so no
//! environment difference changes a result without a word (docs/api.md "Warnings").
struct Warning {
    std::string code;     //!< stable, machine-readable, e.g. WARMUP_SHORT
    std::string message;  //!< what happened and what to do about it
};

using Warnings = std::vector<Warning>;

}  // namespace spark
