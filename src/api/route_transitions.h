#pragma once

#include <set>
#include <string>

#include "api/audit_log.h"

namespace spark::api {

//! What a start knows to record which job routes changed between real and deterministic.
struct RouteTransitionContext {
    std::set<std::string> real_routes;  //!< REAL_ROUTES in force
    std::string state_path;             //!< where the previous start's REAL_ROUTES is remembered
    bool upstream = true;  //!< a Binance base URL (spot or futures) is configured: cache-first, else cache-only
};

//! Compares the real routes in force with those of the previous start (a one-line file next to
//! the audit log; none on a first start) and appends one audit line per job route whose mode
//! changed, in the rollout plan's form:
//!   {"time", "action": "route_made_real" | "route_made_deterministic",
//!    "params": {"route", "cache_mode", "metrics", "evidence_path"}, "dryRun": false,
//!    "confirm_required", "reason", "realRoutes"}
//! A route made real asks for confirmation (evidence collected with scripts/evidence.sh under
//! `evidence_path`); a rollback does not. Then remembers the routes in force. Returns the number
//! of lines written.
int RecordRouteTransitions(AuditLog& audit, const RouteTransitionContext& context);

}  // namespace spark::api
