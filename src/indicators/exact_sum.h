#pragma once

// The indicators' running sums use the shared exact summation (common/exact_sum.h).
#include "common/exact_sum.h"

namespace spark::indicators {
using spark::ExactSum;
}  // namespace spark::indicators
