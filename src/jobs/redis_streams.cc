#include "jobs/redis_streams.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace spark::jobs {
namespace {

using Kind = RedisReply::Kind;

//! An answer this code cannot read: the server is not the Redis it expects (or not Redis at all).
std::unexpected<Error> Unexpected(const RedisConnection& connection, std::string_view command, std::string_view what) {
    return RedisError(connection.Address(), command, "unexpected answer: " + std::string(what));
}

bool IsText(const RedisReply& reply) { return reply.kind == Kind::kString || reply.kind == Kind::kStatus; }

//! One [id, [field, value, ...]] pair. Nothing (not an error) for an entry that was deleted or
//! trimmed while pending, which Redis shows as a nil entry or nil fields.
Result<std::optional<StreamEntry>> ParseEntry(const RedisConnection& connection, std::string_view command,
                                              const RedisReply& reply) {
    if (reply.kind == Kind::kNil) return std::nullopt;
    if (reply.kind != Kind::kArray || reply.elements.size() != 2 || !IsText(reply.elements[0])) {
        return Unexpected(connection, command, "an entry is not [id, fields]");
    }
    const RedisReply& fields = reply.elements[1];
    if (fields.kind == Kind::kNil) return std::nullopt;
    if (fields.kind != Kind::kArray || fields.elements.size() % 2 != 0) {
        return Unexpected(connection, command, "an entry's fields are not field/value pairs");
    }
    StreamEntry entry;
    entry.id = reply.elements[0].text;
    entry.fields.reserve(fields.elements.size() / 2);
    for (size_t i = 0; i < fields.elements.size(); i += 2) {
        if (!IsText(fields.elements[i]) || !IsText(fields.elements[i + 1])) {
            return Unexpected(connection, command, "an entry's field or value is not a string");
        }
        entry.fields.emplace_back(fields.elements[i].text, fields.elements[i + 1].text);
    }
    return entry;
}

Result<std::vector<StreamEntry>> ParseEntries(const RedisConnection& connection, std::string_view command,
                                              const RedisReply& reply) {
    if (reply.kind != Kind::kArray) return Unexpected(connection, command, "the entries are not a list");
    std::vector<StreamEntry> entries;
    entries.reserve(reply.elements.size());
    for (const RedisReply& element : reply.elements) {
        Result<std::optional<StreamEntry>> entry = ParseEntry(connection, command, element);
        if (!entry) return std::unexpected(std::move(entry.error()));
        if (*entry) entries.push_back(std::move(**entry));
    }
    return entries;
}

//! Redis sends some counts (XPENDING's per consumer) as strings.
std::optional<int64_t> AsInteger(const RedisReply& reply) {
    if (reply.kind == Kind::kInteger) return reply.integer;
    if (!IsText(reply)) return std::nullopt;
    int64_t value = 0;
    const char* end = reply.text.data() + reply.text.size();
    const auto [stop, ec] = std::from_chars(reply.text.data(), end, value);
    if (ec != std::errc() || stop != end) return std::nullopt;
    return value;
}

std::string Milliseconds(std::chrono::milliseconds duration) {
    return std::to_string(std::max<int64_t>(0, duration.count()));
}

}  // namespace

const std::string* StreamEntry::Field(std::string_view name) const {
    for (const auto& [field, value] : fields) {
        if (field == name) return &value;
    }
    return nullptr;
}

Result<void> EnsureGroup(RedisConnection& connection, std::string_view stream, std::string_view group) {
    Result<RedisReply> reply = connection.Command({"XGROUP", "CREATE", stream, group, "0", "MKSTREAM"}, true);
    if (!reply) return std::unexpected(std::move(reply.error()));
    // Every consumer ensures the group at start, so one that exists already is the usual case.
    if (reply->kind == Kind::kError && !reply->text.starts_with("BUSYGROUP")) {
        return RedisError(connection.Address(), "XGROUP CREATE", reply->text);
    }
    return {};
}

Result<std::string> AddEntry(RedisConnection& connection, std::string_view stream,
                             const std::vector<std::pair<std::string, std::string>>& fields) {
    if (fields.empty()) return MakeError(ErrorCode::kInternal, "a stream entry was added without fields");
    std::vector<std::string_view> args = {"XADD", stream, "*"};
    args.reserve(3 + 2 * fields.size());
    for (const auto& [field, value] : fields) {
        args.push_back(field);
        args.push_back(value);
    }
    Result<RedisReply> reply = connection.Command(args);
    if (!reply) return std::unexpected(std::move(reply.error()));
    if (!IsText(*reply)) return Unexpected(connection, "XADD", "no entry id");
    return std::move(reply->text);
}

Result<std::vector<StreamEntry>> ReadGroup(RedisConnection& connection, std::string_view stream, std::string_view group,
                                           std::string_view consumer, size_t count, std::chrono::milliseconds block) {
    const std::string count_text = std::to_string(count);
    const std::string block_text = Milliseconds(block);
    std::vector<std::string_view> args = {"XREADGROUP", "GROUP", group, consumer};
    if (count > 0) args.insert(args.end(), {"COUNT", count_text});
    // BLOCK 0 would wait for ever: no wait is asked for by leaving BLOCK out.
    if (block.count() > 0) args.insert(args.end(), {"BLOCK", block_text});
    args.insert(args.end(), {"STREAMS", stream, ">"});

    Result<RedisReply> reply;
    const std::chrono::milliseconds usual = connection.CommandTimeout();
    if (block.count() > 0 && usual.count() > 0) {
        // Redis answers only when the block time is up: the socket must wait that long and then
        // the usual time for the answer itself, or a quiet stream would look like a dead server.
        reply = connection.Command(args, block + usual);
    } else {
        reply = connection.Command(args);
    }
    if (!reply) return std::unexpected(std::move(reply.error()));
    if (reply->kind == Kind::kNil) return std::vector<StreamEntry>{};  // nothing arrived in time
    // [[stream, [entry, ...]]]: one stream was asked for.
    if (reply->kind != Kind::kArray) return Unexpected(connection, "XREADGROUP", "not a list of streams");
    for (const RedisReply& per_stream : reply->elements) {
        if (per_stream.kind != Kind::kArray || per_stream.elements.size() != 2 || !IsText(per_stream.elements[0])) {
            return Unexpected(connection, "XREADGROUP", "a stream is not [name, entries]");
        }
        if (per_stream.elements[0].text == stream)
            return ParseEntries(connection, "XREADGROUP", per_stream.elements[1]);
    }
    return std::vector<StreamEntry>{};
}

Result<ClaimedEntries> AutoClaim(RedisConnection& connection, std::string_view stream, std::string_view group,
                                 std::string_view consumer, std::chrono::milliseconds min_idle, std::string_view cursor,
                                 size_t count) {
    const std::string idle_text = Milliseconds(min_idle);
    const std::string count_text = std::to_string(count);
    std::vector<std::string_view> args = {"XAUTOCLAIM", stream,    group,
                                          consumer,     idle_text, cursor.empty() ? std::string_view("0-0") : cursor};
    if (count > 0) args.insert(args.end(), {"COUNT", count_text});
    Result<RedisReply> reply = connection.Command(args);
    if (!reply) return std::unexpected(std::move(reply.error()));
    // Redis 7: [cursor, [entry, ...], [deleted id, ...]]; Redis 6.2 has no third element.
    if (reply->kind != Kind::kArray || reply->elements.size() < 2 || !IsText(reply->elements[0])) {
        return Unexpected(connection, "XAUTOCLAIM", "not [cursor, entries, deleted ids]");
    }
    ClaimedEntries claimed;
    claimed.next_cursor = reply->elements[0].text;
    Result<std::vector<StreamEntry>> entries = ParseEntries(connection, "XAUTOCLAIM", reply->elements[1]);
    if (!entries) return std::unexpected(std::move(entries.error()));
    claimed.entries = std::move(*entries);
    if (reply->elements.size() > 2) {
        const RedisReply& deleted = reply->elements[2];
        if (deleted.kind != Kind::kArray) return Unexpected(connection, "XAUTOCLAIM", "the deleted ids are not a list");
        for (const RedisReply& id : deleted.elements) {
            if (!IsText(id)) return Unexpected(connection, "XAUTOCLAIM", "a deleted id is not a string");
            claimed.deleted_ids.push_back(id.text);
        }
    }
    return claimed;
}

Result<void> Ack(RedisConnection& connection, std::string_view stream, std::string_view group, std::string_view id) {
    Result<RedisReply> reply = connection.Command({"XACK", stream, group, id});
    if (!reply) return std::unexpected(std::move(reply.error()));
    if (reply->kind != Kind::kInteger) return Unexpected(connection, "XACK", "not a count");
    return {};
}

Result<int64_t> DeliveryCount(RedisConnection& connection, std::string_view stream, std::string_view group,
                              std::string_view id) {
    Result<RedisReply> reply = connection.Command({"XPENDING", stream, group, id, id, "1"});
    if (!reply) return std::unexpected(std::move(reply.error()));
    if (reply->kind != Kind::kArray) return Unexpected(connection, "XPENDING", "not a list of pending entries");
    if (reply->elements.empty()) return 0;  // not pending: never delivered, or acked
    // [[id, consumer, idle ms, deliveries]]
    const RedisReply& row = reply->elements[0];
    if (row.kind != Kind::kArray || row.elements.size() != 4) {
        return Unexpected(connection, "XPENDING", "a pending entry is not [id, consumer, idle, deliveries]");
    }
    const std::optional<int64_t> deliveries = AsInteger(row.elements[3]);
    if (!deliveries) return Unexpected(connection, "XPENDING", "a delivery count is not a number");
    return *deliveries;
}

Result<PendingSummary> Pending(RedisConnection& connection, std::string_view stream, std::string_view group) {
    Result<RedisReply> reply = connection.Command({"XPENDING", stream, group});
    if (!reply) return std::unexpected(std::move(reply.error()));
    // [count, smallest id, greatest id, [[consumer, count], ...]]; nils past the count when empty.
    if (reply->kind != Kind::kArray || reply->elements.size() != 4) {
        return Unexpected(connection, "XPENDING", "not [count, first id, last id, consumers]");
    }
    PendingSummary summary;
    const std::optional<int64_t> pending = AsInteger(reply->elements[0]);
    if (!pending) return Unexpected(connection, "XPENDING", "the pending count is not a number");
    summary.pending = *pending;
    const RedisReply& consumers = reply->elements[3];
    if (consumers.kind == Kind::kNil) return summary;
    if (consumers.kind != Kind::kArray) return Unexpected(connection, "XPENDING", "the consumers are not a list");
    for (const RedisReply& row : consumers.elements) {
        const std::optional<int64_t> count =
            row.kind == Kind::kArray && row.elements.size() == 2 && IsText(row.elements[0]) ? AsInteger(row.elements[1])
                                                                                            : std::nullopt;
        if (!count) return Unexpected(connection, "XPENDING", "a consumer is not [name, count]");
        summary.per_consumer.emplace_back(row.elements[0].text, *count);
    }
    return summary;
}

Result<std::vector<StreamEntry>> Range(RedisConnection& connection, std::string_view stream,
                                       std::string_view after_id_exclusive, size_t count) {
    // "(" makes the start exclusive (Redis 6.2+); "-" is the first entry, whatever its id.
    const std::string start = after_id_exclusive.empty() || after_id_exclusive == "0-0"
                                  ? std::string("-")
                                  : "(" + std::string(after_id_exclusive);
    const std::string count_text = std::to_string(count);
    std::vector<std::string_view> args = {"XRANGE", stream, start, "+"};
    if (count > 0) args.insert(args.end(), {"COUNT", count_text});
    Result<RedisReply> reply = connection.Command(args);
    if (!reply) return std::unexpected(std::move(reply.error()));
    return ParseEntries(connection, "XRANGE", *reply);
}

Result<int64_t> Length(RedisConnection& connection, std::string_view stream) {
    Result<RedisReply> reply = connection.Command({"XLEN", stream});
    if (!reply) return std::unexpected(std::move(reply.error()));
    if (reply->kind != Kind::kInteger) return Unexpected(connection, "XLEN", "not a count");
    return reply->integer;
}

}  // namespace spark::jobs
