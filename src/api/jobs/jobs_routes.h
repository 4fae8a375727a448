#pragma once

#include "api/routes.h"
#include "jobs/job_manager.h"

namespace spark::api {

//! The asynchronous jobs (docs/jobs.md): POST /jobs, GET /jobs, GET and DELETE /jobs/{jobId},
//! GET /jobs/{jobId}/result, /jobs/{jobId}/rows.csv (sweeps) and /jobs/{jobId}/events (progress
//! as server-sent events).
void AddJobsRoutes(Router& router, jobs::JobManager& jobs);

}  // namespace spark::api
