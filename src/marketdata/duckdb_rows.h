#pragma once

#include <duckdb.h>

#include <string>
#include <utility>

#include "marketdata/series_key.h"

namespace spark {

//! Binds a series' exchange, symbol and interval to parameters $1, $2 and $3.
inline void BindSeries(duckdb_prepared_statement stmt, const SeriesKey& series) {
    duckdb_bind_varchar_length(stmt, 1, series.exchange.data(), series.exchange.size());
    duckdb_bind_varchar_length(stmt, 2, series.symbol.data(), series.symbol.size());
    duckdb_bind_varchar_length(stmt, 3, series.interval.data(), series.interval.size());
}

//! Calls `row(chunk, i)` for each row of every chunk of a materialised result.
template <typename RowFn>
void ForEachRow(duckdb_result& result, RowFn&& row) {
    for (;;) {
        duckdb_data_chunk chunk = duckdb_fetch_chunk(result);
        if (!chunk) return;
        const idx_t size = duckdb_data_chunk_get_size(chunk);
        for (idx_t i = 0; i < size; ++i) row(chunk, i);
        duckdb_destroy_data_chunk(&chunk);
    }
}

//! The typed data of one column of a chunk (BIGINT as int64_t, DOUBLE as double, ...).
template <typename T>
const T* Column(duckdb_data_chunk chunk, idx_t column) {
    return static_cast<const T*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, column)));
}

//! Row `i` of a VARCHAR column.
inline std::string VarcharAt(duckdb_data_chunk chunk, idx_t column, idx_t i) {
    auto* strings = static_cast<duckdb_string_t*>(duckdb_vector_get_data(duckdb_data_chunk_get_vector(chunk, column)));
    return std::string(duckdb_string_t_data(&strings[i]), duckdb_string_t_length(strings[i]));
}

}  // namespace spark
