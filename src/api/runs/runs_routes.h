#pragma once

#include "api/routes.h"
#include "marketdata/bar_loader.h"
#include "runs/run_store.h"

namespace spark::api {

//! Stored runs (docs/api.md "Stored runs"): GET /backtest/runs (the list, filtered),
//! GET and DELETE /backtest/runs/{runId}, and what a stored run gives: trades.csv, equity.csv,
//! combinations.csv (optimize), bars.json (the run's own bars, from the cache) and report (the
//! HTML tearsheet). `store` may be disabled (SPARK_RUNS_KEEP=0): the list is then empty and says
//! so, and a run id is not found.
void AddRunsRoutes(Router& router, runs::RunStore& store, const BarLoader& loader);

//! The answer of POST /backtest/run as CSV when the client sent `Accept: text/csv`: the trades
//! (the stored run keeps the JSON answer).
void AnswerAsCsvWhenAsked(const HttpRequest& request, HttpResponse& response);

}  // namespace spark::api
