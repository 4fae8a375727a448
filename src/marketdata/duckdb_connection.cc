#include "marketdata/duckdb_connection.h"

#include "common/failpoint.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace spark {

Result<void> CacheError(std::string_view what, const char* detail) {
    return MakeError(ErrorCode::kCacheUnavailable,
                     fmt::format("{}: {}", what, detail ? detail : "unknown DuckDB error"));
}

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCreatingSuffix = ".creating-";

bool InMemory(const std::string& path) { return path.empty() || path == ":memory:"; }

//! Files `<name>.creating-<pid>` left by a creator that was killed: its process is gone.
void RemoveAbandonedCreations(const fs::path& target) {
    std::error_code ignored;
    const std::string prefix = target.filename().string() + std::string(kCreatingSuffix);
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");
    for (const fs::directory_entry& entry : fs::directory_iterator(directory, ignored)) {
        const std::string name = entry.path().filename().string();
        if (!name.starts_with(prefix)) continue;
        std::string pid_text = name.substr(prefix.size());
        if (pid_text.ends_with(".wal")) pid_text.resize(pid_text.size() - 4);
        char* end = nullptr;
        const long pid = std::strtol(pid_text.c_str(), &end, 10);
        if (end == pid_text.c_str() || *end != '\0' || pid <= 0) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // its creator still runs
        fs::remove(entry.path(), ignored);
    }
}

}  // namespace

Result<void> DuckDbDatabase::CreateAtomically(const std::string& path) {
    // DuckDB creates its file first and writes the headers after: a process killed in between
    // leaves a file DuckDB then refuses to open ("not a valid DuckDB database file"), and the
    // service would not start on it. So a new file is made complete under a private name and
    // linked into place, which either happens whole or not at all.
    const fs::path target(path);
    RemoveAbandonedCreations(target);
    const std::string creating = fmt::format("{}{}{}", path, kCreatingSuffix, ::getpid());
    {
        // A file under our own name was left by an earlier process with our pid (a container's
        // pid 1 restarted): no live process can be writing it.
        std::error_code ignored;
        fs::remove(creating, ignored);
        fs::remove(creating + ".wal", ignored);
        duckdb_database db = nullptr;
        char* error = nullptr;
        if (duckdb_open_ext(creating.c_str(), &db, nullptr, &error) != DuckDBSuccess) {
            std::string message =
                fmt::format("cannot create cache file '{}': {}", path, error ? error : "unknown error");
            if (error) duckdb_free(error);
            return MakeError(ErrorCode::kCacheUnavailable, std::move(message));
        }
        duckdb_close(&db);
    }
    Failpoint("cache-create-before-link");  // complete under its private name, not yet in place
    std::error_code linked;
    fs::create_hard_link(creating, target, linked);  // fails, harmlessly, if another process won the race
    if (linked && linked != std::errc::file_exists && !fs::exists(target)) {
        // A filesystem without hard links: a rename that never replaces is atomic too.
        if (::renameat2(AT_FDCWD, creating.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) == 0) linked.clear();
    }
    std::error_code ignored;
    fs::remove(creating, ignored);
    fs::remove(creating + ".wal", ignored);
    if (linked && !fs::exists(target)) {
        return MakeError(ErrorCode::kCacheUnavailable,
                         fmt::format("cannot create cache file '{}': {}", path, linked.message()));
    }
    return {};
}

Result<DuckDbDatabase> DuckDbDatabase::Open(const std::string& path, int threads) {
    if (std::error_code ignored; !InMemory(path) && !fs::exists(path, ignored)) {
        if (auto created = CreateAtomically(path); !created) return std::unexpected(created.error());
    }
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) != DuckDBSuccess) {
        return MakeError(ErrorCode::kCacheUnavailable, "could not create a DuckDB configuration");
    }
    // Explicit, small thread count: the service runs one query per worker connection, and
    // DuckDB's default (all cores per query) makes concurrent queries contend (ARCHITECTURE.md).
    const std::string thread_text = std::to_string(threads);
    duckdb_set_config(config, "threads", thread_text.c_str());
    duckdb_database db = nullptr;
    char* error = nullptr;
    const duckdb_state state = duckdb_open_ext(path.c_str(), &db, config, &error);
    duckdb_destroy_config(&config);
    if (state != DuckDBSuccess) {
        std::string message = fmt::format("cannot open cache file '{}': {}", path, error ? error : "unknown error");
        if (error) duckdb_free(error);
        return MakeError(ErrorCode::kCacheUnavailable, std::move(message));
    }
    return DuckDbDatabase(db);
}

DuckDbDatabase::~DuckDbDatabase() {
    if (db_) duckdb_close(&db_);
}

Result<DuckDbConnection> DuckDbConnection::Connect(const DuckDbDatabase& database) {
    duckdb_connection conn = nullptr;
    if (duckdb_connect(database.Handle(), &conn) != DuckDBSuccess) {
        return MakeError(ErrorCode::kCacheUnavailable, "cannot connect to the DuckDB cache");
    }
    return DuckDbConnection(conn);
}

DuckDbConnection::~DuckDbConnection() {
    if (conn_) duckdb_disconnect(&conn_);
}

Result<void> DuckDbConnection::Execute(std::string_view sql) {
    QueryResult result;
    const std::string text(sql);
    if (duckdb_query(conn_, text.c_str(), result.Get()) != DuckDBSuccess) {
        return CacheError("cache query failed", duckdb_result_error(result.Get()));
    }
    return {};
}

Result<PreparedStatement> PreparedStatement::Prepare(const DuckDbConnection& connection, const char* sql) {
    duckdb_prepared_statement stmt = nullptr;
    if (duckdb_prepare(connection.Handle(), sql, &stmt) != DuckDBSuccess) {
        std::string message = fmt::format("cannot prepare cache statement: {}", duckdb_prepare_error(stmt));
        duckdb_destroy_prepare(&stmt);
        return MakeError(ErrorCode::kCacheUnavailable, std::move(message));
    }
    return PreparedStatement(stmt);
}

PreparedStatement::~PreparedStatement() {
    if (stmt_) duckdb_destroy_prepare(&stmt_);
}

}  // namespace spark
