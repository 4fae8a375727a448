#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "marketdata/series_key.h"
#include "model/candle.h"

namespace spark {

//! The hot layer in front of DuckDB: fixed time chunks of a series, least-recently-used evicted
//! once the total size passes a byte budget. Keeping chunks (not whole requests) lets
//! overlapping ranges share memory. Thread-safe.
//!
//! A writer bumps the series' generation (Invalidate); a reader that loaded a chunk from DuckDB
//! stores it only if the generation it read under is still current, so a chunk read before a
//! write can never shadow the write.
class BarMemoryCache {
  public:
    using Chunk = std::shared_ptr<const std::vector<Candle>>;

    explicit BarMemoryCache(size_t budget_bytes) : budget_bytes_(budget_bytes) {}

    std::optional<Chunk> Get(const SeriesKey& series, int64_t chunk_index);
    uint64_t Generation(const SeriesKey& series);
    void Put(const SeriesKey& series, int64_t chunk_index, uint64_t generation, Chunk chunk);
    //! Drops every chunk of the series and makes in-flight loads of it stale.
    void Invalidate(const SeriesKey& series);

    size_t BytesUsed();
    size_t BudgetBytes() const { return budget_bytes_; }

  private:
    struct Key {
        SeriesKey series;
        int64_t chunk_index;
        friend auto operator<=>(const Key&, const Key&) = default;
    };
    struct Entry {
        Chunk chunk;
        size_t bytes;
        std::list<Key>::iterator recency;
    };
    static size_t BytesOf(const Chunk& chunk);
    void EvictOverBudget();

    std::mutex mutex_;
    size_t budget_bytes_;
    size_t bytes_used_ = 0;
    std::map<Key, Entry> entries_;
    std::list<Key> recency_;  //!< front = most recently used
    std::map<SeriesKey, uint64_t> generations_;
};

}  // namespace spark
