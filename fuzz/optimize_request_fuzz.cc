// POST /backtest/optimize's parser, grid expansion included, on arbitrary bodies.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/optimize/optimize_request.h"
#include "fuzz/request_parsers_fuzz.h"
#include "research/grid.h"
#include "strategy/strategy_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);
    auto request = spark::api::ParseOptimizeRequest(body, spark::fuzz::kNowMs);
    if (request) {
        // Expansion is bounded by the cap before any combination is stored.
        const spark::StrategyDefinition* strategy = request->run.strategy.definition.get();
        if (strategy != nullptr) (void)spark::research::ExpandGrid(*strategy, request->grid, 501);
    }
    return 0;
}
