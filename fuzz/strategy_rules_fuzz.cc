// Arbitrary bytes as a strategy in the rules language: lines become the entry rule, a let, the
// exit rule and the stopLoss level, evaluated over hourly bars (so htf(...) runs too). Parsing, checking, compiling and
// evaluating must never crash, hang or read out of bounds, whatever the text (docs/strategy-language.md "Limits").
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "rules/rule_definition.h"
#include "rules/rule_strategy.h"

namespace {

std::vector<spark::Candle> SomeBars() {
    std::vector<spark::Candle> bars;
    double price = 100;
    for (int64_t t = 0; t < 64; ++t) {
        price *= (t % 7 < 3) ? 1.01 : 0.995;
        bars.push_back({1704067200000 + t * 3600000, price, price * 1.01, price * 0.99, price * 1.002, 10.0 + t});
    }
    return bars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::vector<spark::Candle> bars = SomeBars();
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> lines;
    size_t start = 0;
    while (lines.size() < 4) {
        const size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    spark::rules::RuleSource source{.params = {{"n", 5}, {"k", 2}}, .entry = lines[0]};
    if (lines.size() > 1) source.lets.push_back({"x", lines[1]});
    if (lines.size() > 2) source.exit = lines[2];
    if (lines.size() > 3) source.stop_loss = lines[3];
    auto made = spark::rules::MakeRulesStrategy(source);
    if (!made) {
        (void)spark::rules::FormatWithCaret(made.error());
        return 0;
    }
    const spark::ParamValues values = {{"n", 5}, {"k", 2}};
    if (!made->definition->check_constraint(values)) return 0;
    const auto strategy = made->definition->create(values);
    std::vector<spark::Signal> signals(bars.size());
    std::vector<double> stop(bars.size());
    std::vector<double> target(bars.size());
    std::vector<double> stop_short(bars.size());
    std::vector<double> target_short(bars.size());
    const spark::SeriesContext context(bars, 0, spark::Interval::Parse("1h"));
    strategy->SignalsAndLevels(context, signals, {stop, target, stop_short, target_short});
    return 0;
}
