#include "rules/rule_strategy.h"

#include <vector>

#include "rules/kernels.h"

namespace spark::rules {
namespace {

//! Per-thread buffers for the steps a run computes for itself, reused from run to run (a grid
//! runs many combinations on each worker).
struct Workspace {
    std::vector<std::vector<double>> buffers;
    std::vector<Operand> values;
    std::vector<double> broadcast;
};

std::span<const double> AsSeries(const Operand& v, size_t n, std::vector<double>& storage) {
    if (!v.is_scalar) return {v.data, n};
    storage.assign(n, v.scalar);
    return storage;
}

}  // namespace

Signal CombineRules(bool entry, bool exit, bool entry_short, bool exit_short) {
    const bool open_long = entry && !exit;
    const bool open_short = entry_short && !exit_short;
    if (open_long && !open_short) return Signal::kBullish;
    if (open_short && !open_long) return Signal::kBearish;
    if (exit && exit_short) return Signal::kExit;
    if (exit) return Signal::kExitLong;
    if (exit_short) return Signal::kExitShort;
    return Signal::kNone;
}

void RuleStrategy::Signals(const SeriesContext& context, std::span<Signal> out) const {
    thread_local Workspace workspace;
    const Program& program = *program_;
    const std::span<const Candle> bars = context.Bars();
    const size_t n = bars.size();
    workspace.values.assign(program.steps.size(), Operand{});
    if (workspace.buffers.size() < program.steps.size()) workspace.buffers.resize(program.steps.size());

    for (size_t i = 0; i < program.steps.size(); ++i) {
        const Step& step = program.steps[i];
        Operand& value = workspace.values[i];
        const auto input = [&](int k) { return k < 0 ? Operand{} : workspace.values[static_cast<size_t>(k)]; };
        if (step.op == Op::kConstant) {
            value = {nullptr, step.value, true};
            continue;
        }
        if (step.scalar) {
            double result = 0;
            Elementwise(step.op, input(step.inputs[0]), input(step.inputs[1]), input(step.inputs[2]), {&result, 1});
            value = {nullptr, result, true};
            continue;
        }
        if (step.op == Op::kPrice && step.price == Price::kClose) {
            value = {context.Closes().data(), 0, false};
            continue;
        }
        const auto compute = [&](std::span<double> into) {
            switch (FamilyOf(step.op)) {
                case OpFamily::kBars:
                    FromBars(step, bars, into);
                    return;
                case OpFamily::kWindowed: {
                    std::vector<double> x_storage, y_storage;
                    const std::span<const double> x = AsSeries(input(step.inputs[0]), n, x_storage);
                    const std::span<const double> y =
                        step.inputs[1] < 0 ? std::span<const double>{} : AsSeries(input(step.inputs[1]), n, y_storage);
                    Windowed(step, x, y, into);
                    return;
                }
                default:
                    Elementwise(step.op, input(step.inputs[0]), input(step.inputs[1]), input(step.inputs[2]), into);
                    return;
            }
        };
        if (step.shared) {
            const std::span<const double> series =
                context.Derived(step.key, [&](std::vector<double>& into) { compute(into); });
            value = {series.data(), 0, false};
        } else {
            std::vector<double>& buffer = workspace.buffers[i];
            buffer.resize(n);
            compute(buffer);
            value = {buffer.data(), 0, false};
        }
    }

    const auto rule = [&](int slot) -> Operand {
        const int step = program.outputs[static_cast<size_t>(slot)];
        return step < 0 ? Operand{nullptr, kFalse, true} : workspace.values[static_cast<size_t>(step)];
    };
    const Operand entry = rule(0), exit = rule(1), entry_short = rule(2), exit_short = rule(3);
    for (size_t t = 0; t < n; ++t) {
        out[t] = CombineRules(entry[t] == kTrue, exit[t] == kTrue, entry_short[t] == kTrue, exit_short[t] == kTrue);
    }
}

}  // namespace spark::rules
