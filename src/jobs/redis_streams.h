#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "jobs/redis_client.h"

// Redis Streams with consumer groups: each helper is one command on a RedisConnection, its answer
// parsed. Every failure (connection, error reply, an answer of an unexpected shape) is
// kQueueUnavailable naming the server and the command.
namespace spark::jobs {

//! One stream entry: its id ("<ms>-<seq>") and its field/value pairs in the order they were added
//! (values are binary-safe).
struct StreamEntry {
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;

    //! The first field called `name`, or null.
    const std::string* Field(std::string_view name) const;
};

//! Creates `group` on `stream` reading from the very beginning, creating the stream too when it
//! does not exist (XGROUP CREATE stream group 0 MKSTREAM). A group that already exists is success.
Result<void> EnsureGroup(RedisConnection& connection, std::string_view stream, std::string_view group);

//! Appends an entry (XADD stream * field value ...) and returns the id Redis gave it. `fields`
//! must not be empty.
Result<std::string> AddEntry(RedisConnection& connection, std::string_view stream,
                             const std::vector<std::pair<std::string, std::string>>& fields);

//! Up to `count` (0: no limit) entries never delivered to the group, now delivered to `consumer`
//! and pending until acked (XREADGROUP GROUP group consumer COUNT count BLOCK block STREAMS stream >).
//! Waits up to `block` for one to arrive (0 or less: does not wait), then answers empty. The socket
//! is given the block time plus the connection's command timeout for this one call.
Result<std::vector<StreamEntry>> ReadGroup(RedisConnection& connection, std::string_view stream, std::string_view group,
                                           std::string_view consumer, size_t count, std::chrono::milliseconds block);

//! One XAUTOCLAIM step.
struct ClaimedEntries {
    std::vector<StreamEntry> entries;      //!< now pending for the claiming consumer, delivery count + 1
    std::string next_cursor;               //!< "0-0" when the scan of the pending list is complete
    std::vector<std::string> deleted_ids;  //!< pending ids whose entries were deleted or trimmed
                                           //!< (Redis dropped them from the pending list)
};

//! Transfers to `consumer` up to `count` (0: Redis's default, 100) pending entries idle for at
//! least `min_idle`, scanning the pending list from `cursor` (empty or "0-0": from the start)
//! (XAUTOCLAIM stream group consumer min_idle cursor COUNT count). Entries that were deleted or
//! trimmed are never returned as entries.
Result<ClaimedEntries> AutoClaim(RedisConnection& connection, std::string_view stream, std::string_view group,
                                 std::string_view consumer, std::chrono::milliseconds min_idle, std::string_view cursor,
                                 size_t count);

//! Acknowledges `id`, removing it from the group's pending list (XACK); acking an id that is not
//! pending is no error.
Result<void> Ack(RedisConnection& connection, std::string_view stream, std::string_view group, std::string_view id);

//! How many times `id` was delivered to the group (XPENDING stream group id id 1); 0 when it is not
//! pending.
Result<int64_t> DeliveryCount(RedisConnection& connection, std::string_view stream, std::string_view group,
                              std::string_view id);

//! The group's pending list in summary.
struct PendingSummary {
    int64_t pending = 0;
    std::vector<std::pair<std::string, int64_t>> per_consumer;  //!< consumer -> its pending entries
};

//! XPENDING stream group (the summary form).
Result<PendingSummary> Pending(RedisConnection& connection, std::string_view stream, std::string_view group);

//! Up to `count` (0: no limit) entries after `after_id_exclusive` in id order ("0-0" or empty: from
//! the first) (XRANGE stream (id + COUNT count).
Result<std::vector<StreamEntry>> Range(RedisConnection& connection, std::string_view stream,
                                       std::string_view after_id_exclusive, size_t count);

//! The number of entries in `stream` (XLEN); 0 when it does not exist.
Result<int64_t> Length(RedisConnection& connection, std::string_view stream);

}  // namespace spark::jobs
