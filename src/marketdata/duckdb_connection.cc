#include "marketdata/duckdb_connection.h"

#include <fmt/format.h>

namespace spark {

Result<void> CacheError(std::string_view what, const char* detail) {
    return MakeError(ErrorCode::kCacheUnavailable,
                     fmt::format("{}: {}", what, detail ? detail : "unknown DuckDB error"));
}

Result<DuckDbDatabase> DuckDbDatabase::Open(const std::string& path, int threads) {
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
