#include "api/jobs/jobs_routes.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/http/error_response.h"
#include "api/http/event_stream.h"
#include "api/http/query_params.h"
#include "api/json/json_fields.h"
#include "api/json/json_writer.h"
#include "common/time_format.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr size_t kDefaultListLimit = 50;
constexpr size_t kMaxListLimit = 1000;
constexpr std::string_view kEnvelopeFields[] = {"type", "request"};

HttpResponse NotFound(std::string_view id) {
    return ErrorResponse(
        {ErrorCode::kJobNotFound, fmt::format("no job has id '{}'", id.substr(0, 80)), "jobId", "JOB_NOT_FOUND"});
}

void WriteTime(JsonWriter& json, const char* key, int64_t epoch_ms) {
    if (epoch_ms > 0) {
        json.Field(key, FormatIsoUtc(epoch_ms));
    } else {
        json.Key(key).Null();
    }
}

void WriteView(JsonWriter& json, const jobs::JobView& view) {
    const jobs::JobRecord& r = view.record;
    json.BeginObject();
    json.Field("jobId", r.id).Field("type", r.type).Field("mode", r.mode);
    json.Field("status", jobs::JobStatusName(r.status));
    WriteTime(json, "createdAt", r.created_ms);
    WriteTime(json, "startedAt", r.started_ms);
    WriteTime(json, "finishedAt", r.finished_ms);
    json.Key("progress").BeginObject();
    json.Field("done", r.units_done).Field("total", r.units_total).Field("unit", "runs");
    json.Field("fraction",
               r.units_total > 0 ? static_cast<double>(r.units_done) / static_cast<double>(r.units_total) : 0.0);
    json.Field("elapsedMs", view.elapsed_ms).Field("etaMs", view.eta_ms);
    if (r.shards > 0) json.Field("shards", r.shards);
    json.EndObject();
    json.Key("best");
    if (view.best_json.empty()) {
        json.Null();
    } else {
        json.Raw(view.best_json);
    }
    json.Key("error");
    if (r.error_code.empty()) {
        json.Null();
    } else {
        json.BeginObject().Field("code", r.error_code).Field("message", r.error_message).EndObject();
    }
    json.Field("restarts", r.restarts);
    json.Key("links").BeginObject();
    json.Field("self", "/jobs/" + r.id).Field("events", "/jobs/" + r.id + "/events");
    json.Field("result", "/jobs/" + r.id + "/result");
    if (r.type == "sweep") json.Field("rowsCsv", "/jobs/" + r.id + "/rows.csv");
    json.EndObject();
    json.EndObject();
}

std::string ViewBody(const jobs::JobView& view) {
    JsonWriter json(1024);
    WriteView(json, view);
    return json.Take();
}

HttpResponse Submit(jobs::JobManager& jobs, const HttpRequest& http) {
    Result<json> body = ParseJsonObject(http.body, kEnvelopeFields);
    if (!body) return ErrorResponse(body.error());
    Result<std::string> type = ReadString(*body, "type", true);
    if (!type) return ErrorResponse(type.error());
    const auto request = body->find("request");
    if (request == body->end())
        return ErrorResponse(Invalid("request", "request is required", "MISSING_FIELD").error());
    if (!request->is_object()) {
        return ErrorResponse(Invalid("request", "request must be the route's request object", "WRONG_TYPE").error());
    }
    if (!jobs::IsJobType(*type)) {
        return ErrorResponse(
            Invalid("type", "type must be optimize, walkforward, portfolio or sweep", "OUT_OF_RANGE").error());
    }
    Result<jobs::JobRecord> job = jobs.Submit(*type, request->dump());
    if (!job) return ErrorResponse(job.error());
    JsonWriter json(512);
    json.BeginObject().Field("jobId", job->id).Field("status", jobs::JobStatusName(job->status));
    json.Field("type", job->type).Field("mode", job->mode).Field("runs", job->units_total);
    json.Key("links").BeginObject();
    json.Field("self", "/jobs/" + job->id).Field("events", "/jobs/" + job->id + "/events");
    json.Field("result", "/jobs/" + job->id + "/result");
    json.EndObject().EndObject();
    HttpResponse response{202, json.Take()};
    response.headers.emplace_back("Location", "/jobs/" + job->id);
    return response;
}

HttpResponse List(jobs::JobManager& jobs, const HttpRequest& http) {
    size_t limit = kDefaultListLimit;
    std::optional<jobs::JobStatus> status;
    for (const auto& [key, value] : QueryParams(http.query)) {
        if (key == "limit") {
            Result<size_t> parsed = ReadLimit(value, kMaxListLimit);
            if (!parsed) return ErrorResponse(parsed.error());
            limit = *parsed;
        } else if (key == "status") {
            status = jobs::ParseJobStatus(value);
            if (!status) {
                return ErrorResponse({ErrorCode::kInvalidRequest,
                                      "status must be queued, running, done, failed or cancelled", "status",
                                      "OUT_OF_RANGE"});
            }
        } else if (!key.empty()) {
            return ErrorResponse(
                {ErrorCode::kInvalidRequest, "the query parameters are limit and status", "query", "UNKNOWN_FIELD"});
        }
    }
    Result<std::vector<jobs::JobView>> views = jobs.List(limit, status);
    if (!views) return ErrorResponse(views.error());
    JsonWriter json(256 + views->size() * 600);
    json.BeginObject().Key("jobs").BeginArray();
    for (const jobs::JobView& view : *views) WriteView(json, view);
    json.EndArray().EndObject();
    return {200, json.Take()};
}

HttpResponse Show(jobs::JobManager& jobs, const HttpRequest& http) {
    const std::string& id = http.params.at("jobId");
    Result<std::optional<jobs::JobView>> view = jobs.Get(id);
    if (!view) return ErrorResponse(view.error());
    if (!*view) return NotFound(id);
    return {200, ViewBody(**view)};
}

//! The answer (or the sweep's rows) of a finished job; 409 JOB_NOT_DONE otherwise, saying where it is.
HttpResponse Answer(jobs::JobManager& jobs, const HttpRequest& http, bool rows) {
    const std::string& id = http.params.at("jobId");
    Result<std::optional<jobs::JobRecord>> record = jobs.Answer(id, rows);
    if (!record) return ErrorResponse(record.error());
    if (!*record) return NotFound(id);
    const jobs::JobRecord& r = **record;
    if (r.status != jobs::JobStatus::kDone) {
        std::string message = fmt::format("job {} is {}", r.id, jobs::JobStatusName(r.status));
        if (!r.error_code.empty()) message += fmt::format(": {} {}", r.error_code, r.error_message);
        const char* reason = r.status == jobs::JobStatus::kFailed      ? "JOB_FAILED"
                             : r.status == jobs::JobStatus::kCancelled ? "JOB_CANCELLED"
                                                                       : "JOB_RUNNING";
        return ErrorResponse({ErrorCode::kJobNotDone, message, "jobId", reason});
    }
    if (rows) {
        if (r.type != "sweep") {
            return ErrorResponse(
                {ErrorCode::kInvalidRequest, "rows.csv is kept for sweeps only", "jobId", "NOT_A_SWEEP"});
        }
        HttpResponse response{200, r.rows_csv, "text/csv; charset=utf-8"};
        response.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}-rows.csv\"", r.id));
        return response;
    }
    return {200, r.result};
}

HttpResponse Cancel(jobs::JobManager& jobs, const HttpRequest& http) {
    const std::string& id = http.params.at("jobId");
    Result<bool> cancelled = jobs.Cancel(id);
    if (!cancelled) return ErrorResponse(cancelled.error());
    Result<std::optional<jobs::JobView>> view = jobs.Get(id);
    if (!view) return ErrorResponse(view.error());
    if (!*view) return NotFound(id);
    JsonWriter json(256);
    json.BeginObject().Field("jobId", id).Field("cancelled", *cancelled);
    json.Field("status", jobs::JobStatusName((*view)->record.status)).EndObject();
    return {200, json.Take()};
}

//! Progress as server-sent events: `progress` on every change (at most 4 a second), then one
//! `done`, `failed` or `cancelled` event with the job's final state, and the stream ends. A job
//! already finished gets its final event at once.
HttpResponse Events(jobs::JobManager& jobs, const HttpRequest& http) {
    const std::string& id = http.params.at("jobId");
    auto stream = std::make_shared<EventStream>();
    // The listener unsubscribes itself once its client is gone (the token is known only after
    // Subscribe returns; the manager calls listeners outside its lock).
    auto token = std::make_shared<std::atomic<uint64_t>>(0);
    const uint64_t subscribed = jobs.Subscribe(id, [stream, token, &jobs, id](const jobs::JobView& view, bool final) {
        if (stream->ClientGone()) {
            if (const uint64_t t = token->exchange(0); t != 0) jobs.Unsubscribe(id, t);
            return;
        }
        const std::string body = ViewBody(view);
        if (final) {
            stream->Push(jobs::JobStatusName(view.record.status), body);
            stream->Close();
        } else {
            stream->Push("progress", body);
        }
    });
    token->store(subscribed);
    if (subscribed == 0) {
        Result<std::optional<jobs::JobView>> view = jobs.Get(id);
        if (!view) return ErrorResponse(view.error());
        if (!*view) return NotFound(id);
        stream->Push(jobs::JobStatusName((*view)->record.status), ViewBody(**view));
        stream->Close();
    }
    HttpResponse response{200, ""};
    response.content_type = "text/event-stream";
    response.events = stream;
    return response;
}

}  // namespace

void AddJobsRoutes(Router& router, jobs::JobManager& jobs) {
    auto add = [&](const char* method, const char* path, const char* name, Handler handler) {
        router.Add({method, path, name, Executor::kComputePool, std::move(handler)});
    };
    add("POST", "/jobs", "jobs", [&jobs](const HttpRequest& r) { return Submit(jobs, r); });
    add("GET", "/jobs", "jobs", [&jobs](const HttpRequest& r) { return List(jobs, r); });
    add("GET", "/jobs/{jobId}", "job", [&jobs](const HttpRequest& r) { return Show(jobs, r); });
    add("DELETE", "/jobs/{jobId}", "job", [&jobs](const HttpRequest& r) { return Cancel(jobs, r); });
    add("GET", "/jobs/{jobId}/result", "job_result", [&jobs](const HttpRequest& r) { return Answer(jobs, r, false); });
    add("GET", "/jobs/{jobId}/rows.csv", "job_rows", [&jobs](const HttpRequest& r) { return Answer(jobs, r, true); });
    add("GET", "/jobs/{jobId}/events", "job_events", [&jobs](const HttpRequest& r) { return Events(jobs, r); });
}

}  // namespace spark::api
