#pragma once

#include "api/service_metrics.h"
#include "jobs/job_manager.h"
#include "jobs/shard_runner.h"

namespace spark::api {

//! The jobs' metrics, read at each scrape (docs/jobs.md "Metrics"): jobs by status, runs done,
//! and with Redis the shards pending, claimed, reclaimed and dead-lettered, the workers seen in
//! the last 30 s and each worker's runs.
void AddJobMetrics(ServiceMetrics& metrics, jobs::JobManager& jobs, jobs::ShardRunner& runner);

}  // namespace spark::api
