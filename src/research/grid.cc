#include "research/grid.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>

#include "research/option_axes.h"

namespace spark::research {
namespace {

constexpr double kRangeTolerance = 1e-9;

const GridAxis* FindAxis(const GridSpec& grid, const std::string& name) {
    for (const GridAxis& axis : grid.axes) {
        if (axis.name == name) return &axis;
    }
    return nullptr;
}

std::unexpected<Error> GridError(const std::string& param, std::string message, std::string reason) {
    return MakeError(ErrorCode::kInvalidRequest, std::move(message), "grid." + param, std::move(reason));
}

}  // namespace

std::vector<double> RangeValues(double from, double to, double step) {
    std::vector<double> values;
    const double last = std::floor((to - from) / step + kRangeTolerance);
    for (double k = 0; k <= last; ++k) values.push_back(from + k * step);
    return values;
}

Result<GridExpansion> ExpandGrid(const StrategyDefinition& strategy, const GridSpec& grid, size_t keep,
                                 int64_t max_raw) {
    // Every axis and fixed value must name a parameter (or an engine option), once.
    for (const GridAxis& axis : grid.axes) {
        if (IsOptionAxis(axis.name)) {
            if (axis.values.empty())
                return GridError(axis.name, "grid." + axis.name + " has no values", "INVALID_PARAMETER");
            continue;  // its values are checked against the request's options (CheckOptionAxes)
        }
        bool known = false;
        for (const ParamSpec& p : strategy.params) known = known || p.name == axis.name;
        if (!known) {
            return GridError(axis.name,
                             fmt::format("{} has no parameter '{}' (engine options a grid can search: {})",
                                         strategy.name, axis.name, fmt::join(kOptionAxes, ", ")),
                             "UNKNOWN_PARAMETER");
        }
        if (grid.fixed.contains(axis.name)) {
            return GridError(axis.name,
                             fmt::format("'{}' is both searched (grid) and fixed (strategy.params)", axis.name),
                             "INVALID_PARAMETER");
        }
        if (axis.values.empty())
            return GridError(axis.name, "grid." + axis.name + " has no values", "INVALID_PARAMETER");
    }
    // The axes in schema order; parameters not searched take their fixed or default value.
    std::vector<const ParamSpec*> specs;
    std::vector<const std::vector<double>*> values;
    ParamValues base = grid.fixed;
    int64_t raw = 1;
    for (const ParamSpec& p : strategy.params) {
        const GridAxis* axis = FindAxis(grid, p.name);
        if (axis == nullptr) continue;
        for (const double v : axis->values) {
            auto checked = ResolveParams({p}, {{p.name, v}});
            if (!checked) {
                return GridError(p.name, fmt::format("grid.{}: {}", p.name, checked.error().message),
                                 "INVALID_PARAMETER");
            }
        }
        specs.push_back(&p);
        values.push_back(&axis->values);
    }
    // Option axes vary fastest, in the grid's key order (a JSON object's keys arrive sorted by name).
    std::vector<const GridAxis*> option_axes;
    for (const GridAxis& axis : grid.axes) {
        if (IsOptionAxis(axis.name)) option_axes.push_back(&axis);
    }
    for (const GridAxis* axis : option_axes) values.push_back(&axis->values);
    for (const std::vector<double>* axis_values : values) {
        raw *= static_cast<int64_t>(axis_values->size());
        if (raw > max_raw) {
            Error error(ErrorCode::kTooManyCombinations,
                        fmt::format("the grid describes more than {} combinations before constraints", max_raw),
                        "grid", "TOO_MANY_COMBINATIONS");
            error.numbers = {{"count", static_cast<double>(raw)}, {"cap", static_cast<double>(max_raw)}};
            return std::unexpected(error);
        }
    }
    GridExpansion out;
    std::vector<size_t> index(values.size(), 0);
    for (int64_t n = 0; n < raw; ++n) {
        ParamValues given = base;
        for (size_t a = 0; a < specs.size(); ++a) given[specs[a]->name] = (*values[a])[index[a]];
        auto resolved = ResolveParams(strategy.params, given);
        if (!resolved) return std::unexpected(resolved.error());  // a fixed value out of bounds
        if (strategy.check_constraint(*resolved)) {
            ++out.valid;
            for (size_t a = 0; a < option_axes.size(); ++a) {
                (*resolved)[option_axes[a]->name] = (*values[specs.size() + a])[index[specs.size() + a]];
            }
            if (out.combinations.size() < keep) out.combinations.push_back(std::move(*resolved));
        } else {
            ++out.skipped;
        }
        // Odometer: the last axis varies fastest.
        for (size_t a = values.size(); a-- > 0;) {
            if (++index[a] < values[a]->size()) break;
            index[a] = 0;
        }
    }
    return out;
}

}  // namespace spark::research
