#include "marketdata/bar_memory_cache.h"

namespace spark {

size_t BarMemoryCache::BytesOf(const Chunk& chunk) {
    // The candles plus an estimate of the bookkeeping: map node, key strings, list node.
    constexpr size_t kEntryOverheadBytes = 256;
    return kEntryOverheadBytes + chunk->size() * sizeof(Candle);
}

std::optional<BarMemoryCache::Chunk> BarMemoryCache::Get(const SeriesKey& series, int64_t chunk_index) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(Key{series, chunk_index});
    if (it == entries_.end()) return std::nullopt;
    recency_.splice(recency_.begin(), recency_, it->second.recency);
    return it->second.chunk;
}

uint64_t BarMemoryCache::Generation(const SeriesKey& series) {
    std::lock_guard lock(mutex_);
    const auto it = generations_.find(series);
    return it == generations_.end() ? 0 : it->second;
}

void BarMemoryCache::Put(const SeriesKey& series, int64_t chunk_index, uint64_t generation, Chunk chunk) {
    const size_t bytes = BytesOf(chunk);
    std::lock_guard lock(mutex_);
    const auto current = generations_.find(series);
    if ((current == generations_.end() ? 0 : current->second) != generation || bytes > budget_bytes_) return;
    Key key{series, chunk_index};
    if (const auto it = entries_.find(key); it != entries_.end()) {
        bytes_used_ -= it->second.bytes;
        recency_.erase(it->second.recency);
        entries_.erase(it);
    }
    recency_.push_front(key);
    entries_.emplace(std::move(key), Entry{std::move(chunk), bytes, recency_.begin()});
    bytes_used_ += bytes;
    EvictOverBudget();
}

void BarMemoryCache::Invalidate(const SeriesKey& series) {
    std::lock_guard lock(mutex_);
    ++generations_[series];
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->first.series == series) {
            bytes_used_ -= it->second.bytes;
            recency_.erase(it->second.recency);
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

size_t BarMemoryCache::BytesUsed() {
    std::lock_guard lock(mutex_);
    return bytes_used_;
}

void BarMemoryCache::EvictOverBudget() {
    while (bytes_used_ > budget_bytes_ && !recency_.empty()) {
        const auto it = entries_.find(recency_.back());
        bytes_used_ -= it->second.bytes;
        entries_.erase(it);
        recency_.pop_back();
    }
}

}  // namespace spark
