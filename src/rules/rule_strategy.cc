#include "rules/rule_strategy.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "common/interval.h"
#include "rules/checker.h"
#include "rules/kernels.h"

namespace spark::rules {
namespace {

//! Per-thread scratch space, reused from run to run (a grid runs many combinations on each
//! worker). A step's buffer returns to the pool after its last reader, so a chain of steps
//! needs a few buffers, not one per step.
struct Workspace {
    std::vector<std::vector<double>> pool;  //!< free buffers
    std::vector<std::vector<double>> held;  //!< by step: the buffer holding its values, if any
    std::vector<Operand> values;
    std::vector<double> x_broadcast;  //!< a constant input of a windowed step, as a series
    std::vector<double> y_broadcast;

    std::vector<double> Take(size_t n) {
        std::vector<double> buffer;
        if (!pool.empty()) {
            buffer = std::move(pool.back());
            pool.pop_back();
        }
        buffer.resize(n);
        return buffer;
    }
    void Release(size_t step) {
        if (held[step].empty()) return;
        pool.push_back(std::move(held[step]));
        held[step] = {};
    }
};

//! Buffers of at most this many bars stay with the thread after a run; larger ones (a long run
//! of minute bars) are freed, so one big request does not pin its memory on every worker.
constexpr size_t kKeptBufferBars = 1 << 18;
constexpr size_t kKeptBuffers = 16;

std::span<const double> AsSeries(const Operand& v, size_t n, std::vector<double>& broadcast) {
    if (!v.is_scalar) return {v.data, n};
    broadcast.assign(n, v.scalar);
    return broadcast;
}

//! One workspace per nesting level (an htf sub-program runs while its caller's buffers are in
//! use), kept per thread.
class WorkspaceLease {
  public:
    WorkspaceLease() : workspace(Acquire()) {}
    ~WorkspaceLease() { --Depth(); }
    WorkspaceLease(const WorkspaceLease&) = delete;
    WorkspaceLease& operator=(const WorkspaceLease&) = delete;
    Workspace& workspace;

  private:
    static size_t& Depth() {
        thread_local size_t depth = 0;
        return depth;
    }
    static Workspace& Acquire() {
        thread_local std::vector<std::unique_ptr<Workspace>> levels;
        size_t& depth = Depth();
        if (levels.size() <= depth) levels.push_back(std::make_unique<Workspace>());
        return *levels[depth++];
    }
};

void Higher(const Step& step, const Program& program, const SeriesContext& context, std::span<double> into);

//! Evaluates every step of `program` over `context`'s bars into `workspace.values`.
void RunSteps(const Program& program, const SeriesContext& context, Workspace& workspace) {
    const std::span<const Candle> bars = context.Bars();
    const size_t n = bars.size();
    workspace.values.assign(program.steps.size(), Operand{});
    workspace.held.resize(program.steps.size());

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
                    const std::span<const double> x = AsSeries(input(step.inputs[0]), n, workspace.x_broadcast);
                    const std::span<const double> y = step.inputs[1] < 0
                                                          ? std::span<const double>{}
                                                          : AsSeries(input(step.inputs[1]), n, workspace.y_broadcast);
                    Windowed(step, x, y, into);
                    return;
                }
                case OpFamily::kHigher:
                    Higher(step, program, context, into);
                    return;
                default:
                    Elementwise(step.op, input(step.inputs[0]), input(step.inputs[1]), input(step.inputs[2]), into);
                    return;
            }
        };
        if (step.Shared()) {
            const std::span<const double> series =
                context.Derived(step.key, [&](std::vector<double>& into) { compute(into); });
            value = {series.data(), 0, false};
        } else {
            workspace.held[i] = workspace.Take(n);
            compute(workspace.held[i]);
            value = {workspace.held[i].data(), 0, false};
        }
        // Inputs read for the last time give their buffers back. (Constant, scalar and close
        // steps above hold none and read none that do.)
        for (const int in : step.inputs) {
            if (in >= 0 && program.steps[static_cast<size_t>(in)].last_use == i)
                workspace.Release(static_cast<size_t>(in));
        }
    }
}

//! Gives every buffer back and trims what a thread keeps after a run of `n` bars.
void Finish(const Program& program, size_t n, Workspace& workspace) {
    for (size_t i = 0; i < program.steps.size(); ++i) workspace.Release(i);
    if (n > kKeptBufferBars) {
        workspace.pool.clear();
        workspace.pool.shrink_to_fit();
        workspace.x_broadcast = {};
        workspace.y_broadcast = {};
    } else if (workspace.pool.size() > kKeptBuffers) {
        workspace.pool.resize(kKeptBuffers);
    }
}

//! htf(timeframe, x) at each bar: x on the higher timeframe's bars, as of the last one that has
//! closed at or before this bar's close (never the one still forming); NaN before the first.
void Higher(const Step& step, const Program& program, const SeriesContext& context, std::span<double> into) {
    std::fill(into.begin(), into.end(), std::numeric_limits<double>::quiet_NaN());
    const HigherProgram& higher_program = program.higher[step.windows[0]];
    const Interval timeframe = *Interval::Parse(higher_program.timeframe);
    const SeriesContext* higher = context.Higher(timeframe);
    if (higher == nullptr || !context.Timeframe()) return;  // refused by the API before any run
    const WorkspaceLease lease;
    RunSteps(*higher_program.program, *higher, lease.workspace);
    const Operand result = lease.workspace.values[static_cast<size_t>(higher_program.program->outputs[0])];
    const std::span<const Candle> bars = context.Bars();
    const std::span<const Candle> higher_bars = higher->Bars();
    size_t closed = 0;  // higher bars closed by the current bar's close
    for (size_t t = 0; t < bars.size(); ++t) {
        const int64_t close_time = context.Timeframe()->Next(bars[t].open_time_ms);
        while (closed < higher_bars.size() && timeframe.Next(higher_bars[closed].open_time_ms) <= close_time) ++closed;
        if (closed > 0) into[t] = result[closed - 1];
    }
    Finish(*higher_program.program, higher_bars.size(), lease.workspace);
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

void RuleStrategy::Signals(const SeriesContext& context, std::span<Signal> out) const { Evaluate(context, out, {}); }

bool RuleStrategy::SetsLevels() const {
    for (size_t slot = kStopLoss; slot < kRuleSlots; ++slot) {
        if (program_->outputs[slot] >= 0) return true;
    }
    return false;
}

void RuleStrategy::SignalsAndLevels(const SeriesContext& context, std::span<Signal> out,
                                    const EntryLevels& levels) const {
    Evaluate(context, out, levels);
}

void RuleStrategy::Evaluate(const SeriesContext& context, std::span<Signal> out, const EntryLevels& levels) const {
    const WorkspaceLease lease;
    Workspace& workspace = lease.workspace;
    const Program& program = *program_;
    const size_t n = context.Bars().size();
    RunSteps(program, context, workspace);

    const auto rule = [&](int slot) -> Operand {
        const int step = program.outputs[static_cast<size_t>(slot)];
        return step < 0 ? Operand{nullptr, kFalse, true} : workspace.values[static_cast<size_t>(step)];
    };
    const Operand entry = rule(0), exit = rule(1), entry_short = rule(2), exit_short = rule(3);
    for (size_t t = 0; t < n; ++t) {
        out[t] = CombineRules(entry[t] == kTrue, exit[t] == kTrue, entry_short[t] == kTrue, exit_short[t] == kTrue);
    }
    // The level rules, as prices per bar (NaN where a rule is absent or undefined).
    const auto level = [&](size_t slot, std::span<double> into) {
        if (into.empty()) return;
        const int step = program.outputs[slot];
        for (size_t t = 0; t < n; ++t) {
            into[t] =
                step < 0 ? std::numeric_limits<double>::quiet_NaN() : workspace.values[static_cast<size_t>(step)][t];
        }
    };
    // Shorts take their own rule where one is written, else the one both sides share.
    const auto for_shorts = [&](size_t own, size_t shared) { return program.outputs[own] >= 0 ? own : shared; };
    level(kStopLoss, levels.stop);
    level(kTakeProfit, levels.target);
    level(for_shorts(kStopLossShort, kStopLoss), levels.stop_short);
    level(for_shorts(kTakeProfitShort, kTakeProfit), levels.target_short);
    Finish(program, n, workspace);
}

}  // namespace spark::rules
