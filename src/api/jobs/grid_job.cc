#include "api/jobs/grid_job.h"

#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "api/json/json_fields.h"
#include "common/bounded_text.h"

namespace spark::api {
namespace {

using nlohmann::json;

//! `symbols` or `timeframes`: a non-empty list of distinct strings.
Result<std::vector<std::string>> ReadNameList(const json& body, const char* field, size_t max_items) {
    const auto it = body.find(field);
    if (it == body.end()) return std::vector<std::string>{};
    if (!it->is_array() || it->empty()) {
        return Invalid(field, fmt::format("{} must be a non-empty list of strings", field), "WRONG_TYPE");
    }
    if (it->size() > max_items) {
        return Invalid(field, fmt::format("{} lists {} items; at most {}", field, it->size(), max_items),
                       "OUT_OF_RANGE");
    }
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (size_t i = 0; i < it->size(); ++i) {
        const json& item = (*it)[i];
        const std::string where = fmt::format("{}[{}]", field, i);
        if (!item.is_string()) return Invalid(where, where + " must be a string", "WRONG_TYPE");
        std::string name = item.get<std::string>();
        if (!seen.insert(name).second) {
            return Invalid(where, fmt::format("{} repeats '{}'", where, TruncateForEcho(name)), "DUPLICATE");
        }
        names.push_back(std::move(name));
    }
    return names;
}

//! What jobs do not run yet, refused by name rather than computed differently.
Result<void> RefuseWhatJobsLack(const OptimizeRequest& request) {
    if (request.run.intrabar) {
        return Invalid("intrabar", "intrabar is not available in jobs yet: send it to POST /backtest/optimize",
                       "NOT_IN_JOBS");
    }
    if (request.run.options.futures) {
        return Invalid("exchange", "binance-futures is not available in jobs yet: send it to POST /backtest/optimize",
                       "NOT_IN_JOBS");
    }
    return {};
}

//! Parses the sweep's series: each symbol × timeframe as an optimize request of its own, so every
//! field is checked exactly as the optimize route checks it.
Result<std::vector<OptimizeRequest>> ReadSweepSeries(const json& body, int64_t now_ms) {
    if (!body.contains("symbols"))
        return Invalid("symbols", "symbols is required (a list of symbols)", "MISSING_FIELD");
    if (body.contains("timeframe") && body.contains("timeframes")) {
        return Invalid("timeframes", "send timeframe or timeframes, not both", "CONFLICTING_FIELDS");
    }
    auto symbols = ReadNameList(body, "symbols", kMaxSweepSymbols);
    if (!symbols) return std::unexpected(symbols.error());
    auto timeframes = ReadNameList(body, "timeframes", kMaxSweepTimeframes);
    if (!timeframes) return std::unexpected(timeframes.error());
    json one = body;
    one.erase("symbols");
    one.erase("timeframes");
    const bool many_timeframes = !timeframes->empty();
    // Without `timeframes` the body's own `timeframe` (or its default) applies to every symbol.
    const size_t timeframe_count = many_timeframes ? timeframes->size() : 1;
    std::vector<OptimizeRequest> series;
    for (size_t s = 0; s < symbols->size(); ++s) {
        for (size_t t = 0; t < timeframe_count; ++t) {
            one["symbol"] = (*symbols)[s];
            if (many_timeframes) one["timeframe"] = (*timeframes)[t];
            Result<OptimizeRequest> parsed = ReadOptimizeFields(one, now_ms);
            if (!parsed) {
                Error error = parsed.error();
                if (error.field == "symbol") error.field = fmt::format("symbols[{}]", s);
                if (error.field == "timeframe" && many_timeframes) error.field = fmt::format("timeframes[{}]", t);
                return std::unexpected(error);
            }
            series.push_back(std::move(*parsed));
        }
    }
    return series;
}

}  // namespace

std::vector<research::Trial> EvaluateGridShard(const GridJobSpec& spec, size_t series, const SeriesContext& context,
                                               uint64_t begin, uint64_t end, const std::atomic<bool>& cancel) {
    const OptimizeRequest& request = spec.series.at(series);
    if (begin > end || end > spec.combinations.size()) {
        throw std::out_of_range("shard outside the grid");
    }
    return research::EvaluateCombinations(context, *request.run.strategy.definition,
                                          std::span(spec.combinations).subspan(begin, end - begin), request.run.options,
                                          request.run.interval.PeriodsPerYear(), &cancel);
}

Error InJobRequest(Error error) {
    error.field = error.field.empty() ? "request" : "request." + error.field;
    return error;
}

std::span<const std::string_view> SweepRequestFields() {
    static const std::vector<std::string_view> fields = [] {
        std::vector<std::string_view> out;
        for (std::string_view f : OptimizeRequestFields()) {
            if (f != "symbol") out.push_back(f);
        }
        out.push_back("symbols");
        out.push_back("timeframes");
        return out;
    }();
    return fields;
}

Result<GridJobSpec> ParseGridJob(std::string_view type, std::string_view request, int64_t now_ms, uint64_t max_runs) {
    GridJobSpec spec;
    if (type == "optimize") {
        Result<OptimizeRequest> parsed = ParseOptimizeRequest(request, now_ms);
        if (!parsed) return std::unexpected(InJobRequest(parsed.error()));
        spec.series.push_back(std::move(*parsed));
    } else {
        Result<json> body = ParseJsonObject(request, SweepRequestFields());
        if (!body) return std::unexpected(InJobRequest(body.error()));
        Result<std::vector<OptimizeRequest>> series = ReadSweepSeries(*body, now_ms);
        if (!series) return std::unexpected(InJobRequest(series.error()));
        spec.series = std::move(*series);
    }
    for (const OptimizeRequest& series : spec.series) {
        if (Result<void> ok = RefuseWhatJobsLack(series); !ok) return std::unexpected(InJobRequest(ok.error()));
    }
    const OptimizeRequest& first = spec.series.front();
    const uint64_t per_series_cap = max_runs / spec.series.size();
    Result<research::GridExpansion> grid = research::ExpandGrid(
        *first.run.strategy.definition, first.grid, static_cast<size_t>(per_series_cap + 1), kMaxJobRawCombinations);
    if (!grid) return std::unexpected(InJobRequest(grid.error()));
    const uint64_t runs = static_cast<uint64_t>(grid->valid) * spec.series.size();
    if (runs > max_runs) {
        Error error{ErrorCode::kTooManyCombinations,
                    fmt::format("the job makes {} runs ({} combinations × {} series); the cap (JOBS_MAX_COMBINATIONS) "
                                "is {}",
                                runs, grid->valid, spec.series.size(), max_runs),
                    "request.grid", "TOO_MANY_COMBINATIONS"};
        error.numbers = {{"count", static_cast<double>(runs)}, {"cap", static_cast<double>(max_runs)}};
        return std::unexpected(error);
    }
    if (grid->valid == 0) {
        return MakeError(ErrorCode::kInvalidRequest,
                         fmt::format("every one of the {} combinations breaks the constraint {}", grid->skipped,
                                     first.run.strategy.definition->constraint),
                         "request.grid", "NO_VALID_COMBINATION");
    }
    spec.combinations = std::move(grid->combinations);
    spec.skipped = grid->skipped;
    return spec;
}

}  // namespace spark::api
