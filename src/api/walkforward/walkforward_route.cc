#include "api/walkforward/walkforward_route.h"

#include <fmt/format.h>

#include <chrono>

#include "api/futures_support.h"
#include "api/http/error_response.h"
#include "api/intrabar_support.h"
#include "api/job_support.h"
#include "api/walkforward/walkforward_request.h"
#include "api/walkforward/walkforward_response.h"
#include "research/grid.h"
#include "research/option_axes.h"
#include "research/walk_forward.h"
#include "strategy/strategy_registry.h"

namespace spark::api {
void WalkForwardRoute::Handle(const HttpRequest& http, Respond respond, CancelFlag cancelled) const {
    const Clock::time_point started = Clock::now();
    JobInfo identity;
    auto fail = [&](const Error& error) {
        metrics_.RecordRouteError("walkforward", ErrorCodeName(error.code));
        metrics_.RecordRouteLatency("walkforward", MillisSince(started));
        HttpResponse response = ErrorResponse(error);
        response.job = identity;
        respond(std::move(response));
    };
    Result<WalkForwardRequest> parsed = ParseWalkForwardRequest(http.body, http.now_ms.value_or(NowEpochMs()));
    if (!parsed) return fail(parsed.error());
    auto request = std::make_shared<WalkForwardRequest>(std::move(*parsed));
    const RunRequest& run = request->search.run;
    metrics_.RecordRouteJob("walkforward", run.exchange, run.interval.Name());
    identity = IdentityOf(run);

    const StrategyDefinition* strategy = run.strategy.definition.get();
    Result<research::GridExpansion> grid = ExpandWithinCap(*strategy, request->search.grid, limits_);
    if (!grid) return fail(grid.error());
    const BarQuery query{
        {run.exchange, run.symbol, std::string(run.interval.Name())}, run.interval, run.range, run.use_cache};
    Result<LoadedBars> loaded = LoadCounted(loader_, metrics_, query);
    if (!loaded) return fail(loaded.error());
    identity.bar_source = BarSourceName(loaded->source);
    if (Result<void> ok = CheckBars(loaded->bars); !ok) return fail(ok.error());
    Result<std::vector<research::FoldWindow>> folds = research::PlanFolds(loaded->bars.size(), request->windows);
    if (!folds) return fail(folds.error());
    auto warnings = std::make_shared<Warnings>();
    Result<std::shared_ptr<const IntrabarBars>> intrabar =
        LoadIntrabar(loader_, metrics_, run, run.symbol, loaded->bars, *warnings,
                     research::GridSetsLevels(request->search.grid) || run.strategy.SetsLevels());
    if (!intrabar) return fail(intrabar.error());
    Result<std::optional<FundingSettlements>> loaded_funding = LoadFundingFor(funding_, run, run.symbol);
    if (!loaded_funding) return fail(loaded_funding.error());
    // The settlements are read by every fold's runs until the walk-forward completes.
    auto funding = std::make_shared<std::vector<FundingSettlements>>();
    if (*loaded_funding) funding->push_back(std::move(**loaded_funding));
    auto bars = std::make_shared<LoadedBars>(std::move(*loaded));
    const double load_ms = MillisSince(started);

    auto combinations = std::make_shared<std::vector<ParamValues>>(std::move(grid->combinations));
    research::GridSearchInput input{.bars = std::shared_ptr<const std::vector<Candle>>(bars, &bars->bars),
                                    .strategy = strategy,
                                    .combinations = *combinations,
                                    .options = run.options,
                                    .periods_per_year = run.interval.PeriodsPerYear(),
                                    .objective = request->search.objective,
                                    .min_trades = request->search.min_trades};
    if (*intrabar) input.options.intrabar = (*intrabar)->path.get();
    if (input.options.futures) {
        input.options.futures = WithFunding(*input.options.futures, funding->empty() ? nullptr : &funding->front());
    }
    const double threshold = request->threshold.value_or(threshold_);
    const Clock::time_point compute_started = Clock::now();
    research::StartWalkForward(
        compute_, std::min(limits_.max_concurrency, compute_.Size()), std::move(input), std::move(*folds), cancelled,
        [this, request, combinations, bars, intrabar = *intrabar, warnings, threshold, respond, started,
         compute_started, load_ms, identity, funding, run_id = http.run_id](research::WalkForwardOutcome outcome) {
            if (!outcome.error.empty()) {
                metrics_.RecordRouteError("walkforward", "INTERNAL_ERROR");
                HttpResponse failed =
                    ErrorResponse({ErrorCode::kInternal, "the walk-forward failed: " + outcome.error, "", ""});
                failed.job = identity;
                return respond(std::move(failed));
            }
            const WalkForwardTiming timing{load_ms, MillisSince(compute_started), MillisSince(started)};
            metrics_.RecordRouteLatency("walkforward", timing.total_ms);
            analysis::Metrics stitched;
            HttpResponse ok{200,
                            WriteWalkForwardResponse(run_id, *request, threshold, *combinations, *bars, intrabar.get(),
                                                     *warnings, outcome, timing, *funding, &stitched)};
            ok.job = identity;
            SetHeadline(ok.job, stitched);
            respond(std::move(ok));
        });
}

}  // namespace spark::api
