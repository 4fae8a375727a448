#pragma once

#include <span>
#include <string>
#include <string_view>

#include "api/jobs/grid_job.h"
#include "jobs/job_plan.h"
#include "marketdata/bar_loader.h"
#include "research/grid_search.h"
#include "research/sweep_ranking.h"

namespace spark::api {

//! One series of a finished sweep: its bars and its own ranked outcome (with the best run and
//! the overfitting guard).
struct SweepSeriesResult {
    const OptimizeRequest* request = nullptr;
    const LoadedBars* bars = nullptr;
    research::GridSearchOutcome outcome;
};

//! The sweep's answer (docs/jobs.md "Sweep answer"): per series the top N and the guard; overall,
//! the parameter sets ranked across series; and every evaluated row as CSV (GET
//! /jobs/{id}/rows.csv). Nothing in it depends on how the job was cut or where it ran.
jobs::JobAnswer WriteSweepAnswer(std::string_view job_id, const GridJobSpec& spec,
                                 std::span<const SweepSeriesResult> series,
                                 std::span<const research::CrossSeriesScore> ranking);

}  // namespace spark::api
