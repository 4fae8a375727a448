#include "api/optimize/optimize_route.h"

#include <fmt/format.h>

#include <chrono>

#include "api/futures_support.h"
#include "api/http/error_response.h"
#include "api/intrabar_support.h"
#include "api/job_support.h"
#include "api/optimize/optimize_request.h"
#include "api/optimize/optimize_response.h"
#include "research/grid.h"
#include "research/grid_search.h"
#include "research/option_axes.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
void OptimizeRoute::Handle(const HttpRequest& http, Respond respond, CancelFlag cancelled) const {
    const Clock::time_point started = Clock::now();
    JobInfo identity;
    auto fail = [&](const Error& error) {
        metrics_.RecordOptimizeError(ErrorCodeName(error.code));
        metrics_.RecordOptimizeLatency(MillisSince(started));
        HttpResponse response = ErrorResponse(error);
        response.job = identity;
        respond(std::move(response));
    };
    Result<OptimizeRequest> parsed = ParseOptimizeRequest(http.body, NowEpochMs());
    if (!parsed) return fail(parsed.error());
    auto request = std::make_shared<OptimizeRequest>(std::move(*parsed));
    metrics_.RecordOptimizeJob(request->run.exchange, request->run.interval.Name());
    identity = IdentityOf(request->run);

    const StrategyDefinition* strategy = request->run.strategy.definition.get();
    Result<research::GridExpansion> grid = ExpandWithinCap(*strategy, request->grid, limits_);
    if (!grid) return fail(grid.error());

    const BarQuery query{{request->run.exchange, request->run.symbol, std::string(request->run.interval.Name())},
                         request->run.interval,
                         request->run.range,
                         request->run.use_cache};
    Result<LoadedBars> loaded = LoadCounted(loader_, metrics_, query);
    if (!loaded) return fail(loaded.error());
    identity.bar_source = BarSourceName(loaded->source);
    if (Result<void> ok = CheckBars(loaded->bars); !ok) return fail(ok.error());
    auto warnings = std::make_shared<Warnings>();
    Result<std::shared_ptr<const IntrabarBars>> intrabar =
        LoadIntrabar(loader_, metrics_, request->run, request->run.symbol, loaded->bars, *warnings,
                     research::GridSetsLevels(request->grid) || request->run.strategy.SetsLevels());
    if (!intrabar) return fail(intrabar.error());
    Result<std::optional<FundingSettlements>> loaded_funding =
        LoadFundingFor(funding_, request->run, request->run.symbol);
    if (!loaded_funding) return fail(loaded_funding.error());
    // The settlements are read by every combination until the search completes.
    auto funding = std::make_shared<std::vector<FundingSettlements>>();
    if (*loaded_funding) funding->push_back(std::move(**loaded_funding));
    auto bars = std::make_shared<LoadedBars>(std::move(*loaded));
    const double load_ms = MillisSince(started);

    research::GridSearchInput input{.bars = std::shared_ptr<const std::vector<Candle>>(bars, &bars->bars),
                                    .strategy = strategy,
                                    .combinations = grid->combinations,
                                    .options = request->run.options,
                                    .periods_per_year = request->run.interval.PeriodsPerYear(),
                                    .objective = request->objective,
                                    .min_trades = request->min_trades};
    if (*intrabar) input.options.intrabar = (*intrabar)->path.get();
    if (input.options.futures) {
        input.options.futures = WithFunding(*input.options.futures, funding->empty() ? nullptr : &funding->front());
    }
    const Clock::time_point compute_started = Clock::now();
    const size_t lanes = std::min(limits_.max_concurrency, compute_.Size());
    auto combinations = std::make_shared<std::vector<ParamValues>>(std::move(grid->combinations));
    const int64_t skipped = grid->skipped;
    research::StartGridSearch(
        compute_, lanes, std::move(input), cancelled,
        [this, request, combinations, skipped, bars, intrabar = *intrabar, warnings, respond, started, compute_started,
         load_ms, identity, funding, run_id = http.run_id](research::GridSearchOutcome outcome) {
            metrics_.RecordCombinationsEvaluated(outcome.evaluated);
            if (!outcome.error.empty()) {
                metrics_.RecordOptimizeError("INTERNAL_ERROR");
                HttpResponse failed =
                    ErrorResponse({ErrorCode::kInternal, "the grid search failed: " + outcome.error, "", ""});
                failed.job = identity;
                return respond(std::move(failed));
            }
            const OptimizeTiming timing{load_ms, MillisSince(compute_started), MillisSince(started)};
            metrics_.RecordOptimizeLatency(timing.total_ms);
            HttpResponse ok{200, WriteOptimizeResponse(run_id, *request, *combinations, skipped, *bars, intrabar.get(),
                                                       *warnings, outcome, timing, *funding)};
            ok.attachments.emplace_back("combinations", WriteCombinations(*request, *combinations, outcome));
            ok.job = identity;
            if (outcome.best) SetHeadline(ok.job, outcome.best->metrics);
            respond(std::move(ok));
        });
}

}  // namespace spark::api
