#include "api/audit_log.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/json/json_writer.h"
#include "common/bounded_text.h"
#include "common/time_format.h"

namespace spark::api {
namespace {

namespace fs = std::filesystem;

std::string ToJsonLine(const AuditEntry& e) {
    JsonWriter json(512);
    json.BeginObject();
    json.Field("time", NowIso()).Field("runId", e.run_id).Field("route", e.route).Field("mode", e.mode);
    json.Field("requestDigest", e.request_digest);
    // The body as JSON when it is JSON and small enough; else its size only.
    json.Key("request");
    const bool small = e.request.size() <= kAuditRequestLimit && !FindJsonDepthExcess(e.request);
    const nlohmann::json body =
        small ? nlohmann::json::parse(e.request, nullptr, false) : nlohmann::json(nlohmann::json::value_t::discarded);
    if (body.is_discarded()) {
        json.Null();
    } else {
        json.Raw(body.dump());
    }
    json.Field("requestBytes", e.request.size());
    json.Field("symbol", e.symbol).Field("timeframe", e.timeframe);
    json.Field("strategy", e.strategy);
    json.Field("start", e.start).Field("end", e.end).Field("barSource", e.bar_source);
    json.Field("status", e.status).Key("errorCode");
    if (e.error_code.empty()) {
        json.Null();
    } else {
        json.String(e.error_code);
    }
    json.Key("error");
    if (e.error_code.empty()) {
        json.Null();
    } else {
        json.BeginObject().Field("reason", e.error_reason).Field("field", e.error_field);
        json.Field("message", e.error_message).EndObject();
    }
    json.Field("latencyMs", e.latency_ms);
    json.EndObject();
    return json.Take();
}

}  // namespace

std::string Fnv1aHex(std::string_view text) {
    uint64_t hash = 14695981039346656037ull;
    for (const char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ull;
    }
    return fmt::format("{:016x}", hash);
}

std::string NowIso() {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::string text = FormatIsoUtc(ms);
    return text;
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, int64_t max_bytes, int keep_files) {
    std::unique_ptr<AuditLog> log(new AuditLog(path, max_bytes, keep_files));
    std::error_code ignored;
    if (const fs::path parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent, ignored);
    // The last lines survive a restart: load them from the current file.
    {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || IsActionLine(line)) continue;
            log->recent_.push_back(line);
            if (log->recent_.size() > kAuditRecentLines) log->recent_.pop_front();
        }
    }
    if (!log->Reopen()) {
        return MakeError(ErrorCode::kInternal, fmt::format("cannot open the audit log '{}' for appending", path));
    }
    return log;
}

AuditLog::~AuditLog() {
    if (file_) std::fclose(file_);
}

bool AuditLog::Reopen() {
    if (file_) std::fclose(file_);
    file_ = nullptr;
    file_ = std::fopen(path_.c_str(), "a");
    if (!file_) return false;
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);
    size_ = ec ? 0 : static_cast<int64_t>(size);
    return true;
}

void AuditLog::Rotate() {
    std::error_code ignored;
    fs::remove(fmt::format("{}.{}", path_, keep_), ignored);
    for (int i = keep_ - 1; i >= 1; --i)
        fs::rename(fmt::format("{}.{}", path_, i), fmt::format("{}.{}", path_, i + 1), ignored);
    if (file_) std::fclose(file_);
    file_ = nullptr;
    size_ = 0;
    fs::rename(path_, path_ + ".1", ignored);
    Reopen();
}

bool IsActionLine(const std::string& line) {
    // Actions start {"time":"...","action": and carry no runId; job lines always have one.
    return line.find("\"action\":") != std::string::npos && line.find("\"runId\":") == std::string::npos;
}

void AuditLog::AppendAction(const std::string& json_line) {
    std::lock_guard lock(mutex_);
    Write(json_line);
}

void AuditLog::Append(const AuditEntry& entry) {
    std::string line = ToJsonLine(entry);
    std::lock_guard lock(mutex_);
    Write(line);
    recent_.push_back(std::move(line));
    if (recent_.size() > kAuditRecentLines) recent_.pop_front();
}

void AuditLog::Write(const std::string& line) {
    if (size_ > 0 && size_ + static_cast<int64_t>(line.size()) + 1 > max_bytes_) Rotate();
    if (!file_ && !Reopen()) {
        // Still recorded in memory and on stderr; the file is retried with the next line.
        std::fprintf(stderr, "spark-executor: cannot write the audit log '%s'\n", path_.c_str());
    }
    if (file_) {
        std::fputs(line.c_str(), file_);
        std::fputc('\n', file_);
        std::fflush(file_);  // one answered job, one durable line
        size_ += static_cast<int64_t>(line.size()) + 1;
    }
}

std::vector<std::string> AuditLog::Recent(size_t limit) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto it = recent_.rbegin(); it != recent_.rend() && out.size() < limit; ++it) out.push_back(*it);
    return out;
}

}  // namespace spark::api
