#pragma once

#include <duckdb.h>

#include <string>
#include <string_view>

#include "common/error.h"

namespace spark {

//! The process's one DuckDB database handle. DuckDB locks the file: a second process cannot
//! open it, which Open reports as kCacheUnavailable with DuckDB's own message. A file that does
//! not exist yet is created atomically (CreateAtomically).
class DuckDbDatabase {
  public:
    static Result<DuckDbDatabase> Open(const std::string& path, int threads);
    DuckDbDatabase(DuckDbDatabase&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    DuckDbDatabase& operator=(DuckDbDatabase&&) = delete;
    ~DuckDbDatabase();

    duckdb_database Handle() const { return db_; }

  private:
    //! Makes a new, valid, empty database file at `path` such that a crash at any moment leaves
    //! either no file or a complete one.
    static Result<void> CreateAtomically(const std::string& path);
    explicit DuckDbDatabase(duckdb_database db) : db_(db) {}
    duckdb_database db_ = nullptr;
};

//! One connection; not thread-safe, so each worker checks one out of the cache's pool.
class DuckDbConnection {
  public:
    static Result<DuckDbConnection> Connect(const DuckDbDatabase& database);
    DuckDbConnection(DuckDbConnection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
    DuckDbConnection& operator=(DuckDbConnection&&) = delete;
    ~DuckDbConnection();

    duckdb_connection Handle() const { return conn_; }
    //! Runs statements whose result is not needed.
    Result<void> Execute(std::string_view sql);

  private:
    explicit DuckDbConnection(duckdb_connection conn) : conn_(conn) {}
    duckdb_connection conn_ = nullptr;
};

//! RAII prepared statement.
class PreparedStatement {
  public:
    static Result<PreparedStatement> Prepare(const DuckDbConnection& connection, const char* sql);
    PreparedStatement(PreparedStatement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    PreparedStatement& operator=(PreparedStatement&&) = delete;
    ~PreparedStatement();

    duckdb_prepared_statement Handle() const { return stmt_; }

  private:
    explicit PreparedStatement(duckdb_prepared_statement stmt) : stmt_(stmt) {}
    duckdb_prepared_statement stmt_ = nullptr;
};

//! RAII query result.
class QueryResult {
  public:
    QueryResult() = default;
    QueryResult(const QueryResult&) = delete;
    QueryResult& operator=(const QueryResult&) = delete;
    ~QueryResult() { duckdb_destroy_result(&result_); }
    duckdb_result* Get() { return &result_; }

  private:
    duckdb_result result_{};
};

Result<void> CacheError(std::string_view what, const char* detail);

}  // namespace spark
