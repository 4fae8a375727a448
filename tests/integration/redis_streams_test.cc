// The Redis client layer the job queue stands on (src/jobs/redis_client.h, redis_streams.h),
// against a real redis-server: URLs, binary-safe entries, consumer groups (pending, ack, claim,
// delivery counts), blocking reads that outlast the command timeout, and a server that goes away
// and comes back.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "jobs/redis_client.h"
#include "jobs/redis_streams.h"
#include "support/redis_process.h"

namespace spark::testing {
namespace {

using namespace std::chrono_literals;
using jobs::RedisAddress;
using jobs::RedisConnection;
using jobs::RedisReply;
using jobs::StreamEntry;
using Fields = std::vector<std::pair<std::string, std::string>>;

RedisAddress Loopback(uint16_t port, int db = 0) { return RedisAddress{.host = "127.0.0.1", .port = port, .db = db}; }

//! Every byte value, NULs among them, then more NULs.
std::string BinaryValue() {
    std::string value;
    for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
    value += std::string("\0\0tail\0", 7);
    return value;
}

//! 1 MiB that is not one repeated byte, with a NUL every 1000 bytes.
std::string MebibyteValue() {
    std::string value(1u << 20, '\0');
    for (size_t i = 0; i < value.size(); ++i) value[i] = i % 1000 == 0 ? '\0' : static_cast<char>('a' + i % 26);
    return value;
}

TEST(RedisUrl, AcceptsHostPortAndDb) {
    struct Case {
        std::string url;
        std::string host;
        uint16_t port;
        int db;
        std::string described;
    };
    const std::vector<Case> cases = {
        {"redis://127.0.0.1:6379", "127.0.0.1", 6379, 0, "127.0.0.1:6379"},
        {"redis://cache.internal", "cache.internal", 6379, 0, "cache.internal:6379"},
        {"redis://localhost:6380/2", "localhost", 6380, 2, "localhost:6380/2"},
        {"redis://redis-1:7000/", "redis-1", 7000, 0, "redis-1:7000"},
        {"REDIS://Queue:1/15", "Queue", 1, 15, "Queue:1/15"},
        {"redis://[::1]:7001/3", "::1", 7001, 3, "[::1]:7001/3"},
        {"redis://[::1]", "::1", 6379, 0, "[::1]:6379"},
    };
    for (const Case& c : cases) {
        const Result<RedisAddress> parsed = jobs::ParseRedisUrl(c.url);
        ASSERT_TRUE(parsed.has_value()) << c.url << ": " << parsed.error().message;
        EXPECT_EQ(parsed->host, c.host) << c.url;
        EXPECT_EQ(parsed->port, c.port) << c.url;
        EXPECT_EQ(parsed->db, c.db) << c.url;
        EXPECT_EQ(parsed->Describe(), c.described) << c.url;
    }
}

TEST(RedisUrl, RefusesAnythingElseNamingTheFieldAndWhatToSend) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "must be a redis:// URL"},
        {"127.0.0.1:6379", "must be a redis:// URL"},
        {"http://127.0.0.1:6379", "must be a redis:// URL"},
        {"rediss://127.0.0.1:6379", "TLS"},
        {"redis://", "names no host"},
        {"redis://:6379", "names no host"},
        {"redis://host:0", "port"},
        {"redis://host:65536", "port"},
        {"redis://host:", "port"},
        {"redis://host:63a9", "port"},
        {"redis://host:6379/x", "db"},
        {"redis://host:6379/-1", "db"},
        {"redis://host:6379/1/2", "db"},
        {"redis://host?db=1", "query"},
        {"redis://a:b:c", "brackets"},
        {"redis://[::1:6379", "unclosed"},
        {"redis://ho st", "host"},
        {"redis://user:hunter2@host:6379", "user or password"},
    };
    for (const auto& [url, why] : cases) {
        const Result<RedisAddress> parsed = jobs::ParseRedisUrl(url);
        ASSERT_FALSE(parsed.has_value()) << "'" << url << "' was accepted";
        EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidRequest) << url;
        EXPECT_EQ(parsed.error().field, "--redis") << url;
        EXPECT_NE(parsed.error().message.find(why), std::string::npos) << url << ": " << parsed.error().message;
        EXPECT_NE(parsed.error().message.find("redis://host[:port][/db]"), std::string::npos)
            << url << ": " << parsed.error().message;
    }
    // A refused URL with credentials is not echoed into logs.
    const Result<RedisAddress> secret = jobs::ParseRedisUrl("redis://user:hunter2@host:6379");
    ASSERT_FALSE(secret.has_value());
    EXPECT_EQ(secret.error().message.find("hunter2"), std::string::npos) << secret.error().message;
}

TEST(RedisConnect, ARefusedConnectionNamesTheAddressAndTheCause) {
    RedisProcess server;  // only to learn a port, then nobody listens on it
    ASSERT_TRUE(server.Ready()) << server.Log();
    const uint16_t port = server.Port();
    server.Stop();
    const Result<RedisConnection> connection = RedisConnection::Connect(Loopback(port), 500ms);
    ASSERT_FALSE(connection.has_value());
    EXPECT_EQ(connection.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_EQ(connection.error().message,
              "Redis at 127.0.0.1:" + std::to_string(port) + ": connect failed: Connection refused");
}

//! One redis-server for the suite; each test works on its own stream names.
class RedisStreams : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = std::make_unique<RedisProcess>(); }
    static void TearDownTestSuite() { server_.reset(); }

    void SetUp() override {
        ASSERT_TRUE(server_->Ready()) << server_->Log();
        Result<RedisConnection> connected = RedisConnection::Connect(Loopback(server_->Port()));
        ASSERT_TRUE(connected.has_value()) << connected.error().message;
        connection_.emplace(std::move(*connected));
        stream_ = std::string("test:") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    }

    RedisConnection& Redis() { return *connection_; }

    static std::unique_ptr<RedisProcess> server_;
    std::optional<RedisConnection> connection_;
    std::string stream_;
};

std::unique_ptr<RedisProcess> RedisStreams::server_;

TEST_F(RedisStreams, CommandsAreBinarySafeAndErrorRepliesAreErrorsUnlessAllowed) {
    const std::string key("key\0with\0nuls", 13);
    const std::string value = BinaryValue();
    const Result<RedisReply> set = Redis().Command({"SET", key, value});
    ASSERT_TRUE(set.has_value()) << set.error().message;
    EXPECT_EQ(set->kind, RedisReply::Kind::kStatus);
    EXPECT_EQ(set->text, "OK");
    const Result<RedisReply> got = Redis().Command({"GET", key});
    ASSERT_TRUE(got.has_value()) << got.error().message;
    EXPECT_EQ(got->kind, RedisReply::Kind::kString);
    EXPECT_EQ(got->text, value);
    const Result<RedisReply> missing = Redis().Command({"GET", "no-such-key"});
    ASSERT_TRUE(missing.has_value()) << missing.error().message;
    EXPECT_EQ(missing->kind, RedisReply::Kind::kNil);

    const Result<RedisReply> refused = Redis().Command({"nosuchcommand", "x"});
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kQueueUnavailable);
    const std::string prefix = "Redis at 127.0.0.1:" + std::to_string(server_->Port()) + ": NOSUCHCOMMAND failed: ERR";
    EXPECT_TRUE(refused.error().message.starts_with(prefix)) << refused.error().message;
    EXPECT_FALSE(Redis().Broken());  // an error reply leaves the connection in step

    const Result<RedisReply> allowed = Redis().Command({"nosuchcommand", "x"}, true);
    ASSERT_TRUE(allowed.has_value()) << allowed.error().message;
    EXPECT_EQ(allowed->kind, RedisReply::Kind::kError);
    EXPECT_TRUE(allowed->text.starts_with("ERR unknown command")) << allowed->text;

    const Result<RedisReply> list = Redis().Command({"RPUSH", stream_, "a", "b"});
    ASSERT_TRUE(list.has_value()) << list.error().message;
    EXPECT_EQ(list->kind, RedisReply::Kind::kInteger);
    EXPECT_EQ(list->integer, 2);
    const Result<RedisReply> range = Redis().Command({"LRANGE", stream_, "0", "-1"});
    ASSERT_TRUE(range.has_value()) << range.error().message;
    ASSERT_EQ(range->kind, RedisReply::Kind::kArray);
    ASSERT_EQ(range->elements.size(), 2u);
    EXPECT_EQ(range->elements[1].text, "b");
}

TEST_F(RedisStreams, TheUrlsDbIsSelected) {
    Result<RedisConnection> other = RedisConnection::Connect(Loopback(server_->Port(), 3));
    ASSERT_TRUE(other.has_value()) << other.error().message;
    EXPECT_EQ(other->Address().Describe(), "127.0.0.1:" + std::to_string(server_->Port()) + "/3");
    ASSERT_TRUE(other->Command({"SET", stream_, "in db 3"}).has_value());
    const Result<RedisReply> here = Redis().Command({"EXISTS", stream_});
    ASSERT_TRUE(here.has_value()) << here.error().message;
    EXPECT_EQ(here->integer, 0);
    ASSERT_TRUE(other->Reconnect().has_value());  // the db is selected again
    const Result<RedisReply> there = other->Command({"GET", stream_});
    ASSERT_TRUE(there.has_value()) << there.error().message;
    EXPECT_EQ(there->text, "in db 3");

    const Result<RedisConnection> out_of_range = RedisConnection::Connect(Loopback(server_->Port(), 99));
    ASSERT_FALSE(out_of_range.has_value());
    EXPECT_EQ(out_of_range.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_NE(out_of_range.error().message.find("/99: SELECT failed: ERR DB index is out of range"), std::string::npos)
        << out_of_range.error().message;
}

TEST_F(RedisStreams, EnsureGroupTwiceIsFineAndCreatesTheStream) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    const Result<void> again = jobs::EnsureGroup(Redis(), stream_, "workers");
    EXPECT_TRUE(again.has_value()) << again.error().message;
    const Result<RedisReply> type = Redis().Command({"TYPE", stream_});
    ASSERT_TRUE(type.has_value()) << type.error().message;
    EXPECT_EQ(type->text, "stream");
    const Result<int64_t> length = jobs::Length(Redis(), stream_);
    ASSERT_TRUE(length.has_value()) << length.error().message;
    EXPECT_EQ(*length, 0);

    // Any other error reply is a failure, named.
    ASSERT_TRUE(Redis().Command({"SET", stream_ + ":string", "x"}).has_value());
    const Result<void> wrong_type = jobs::EnsureGroup(Redis(), stream_ + ":string", "workers");
    ASSERT_FALSE(wrong_type.has_value());
    EXPECT_EQ(wrong_type.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_NE(wrong_type.error().message.find("XGROUP CREATE failed: WRONGTYPE"), std::string::npos)
        << wrong_type.error().message;
}

TEST_F(RedisStreams, AnEntryIsReadBackExactlyOnceIncludingBinaryAndLargeValues) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    const Fields fields = {{"kind", "run"}, {"binary", BinaryValue()}, {"big", MebibyteValue()}, {"empty", ""}};
    const Result<std::string> id = jobs::AddEntry(Redis(), stream_, fields);
    ASSERT_TRUE(id.has_value()) << id.error().message;
    EXPECT_NE(id->find('-'), std::string::npos) << *id;

    const Result<std::vector<StreamEntry>> read = jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 0ms);
    ASSERT_TRUE(read.has_value()) << read.error().message;
    ASSERT_EQ(read->size(), 1u);
    const StreamEntry& entry = read->front();
    EXPECT_EQ(entry.id, *id);
    ASSERT_EQ(entry.fields.size(), fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
        EXPECT_EQ(entry.fields[i].first, fields[i].first);
        EXPECT_TRUE(entry.fields[i].second == fields[i].second)
            << fields[i].first << ": " << entry.fields[i].second.size() << " bytes, sent " << fields[i].second.size();
    }
    ASSERT_NE(entry.Field("big"), nullptr);
    EXPECT_EQ(entry.Field("big")->size(), 1u << 20);
    EXPECT_EQ(entry.Field("missing"), nullptr);

    // Delivered once: the group's next read sees nothing new.
    const Result<std::vector<StreamEntry>> again = jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 0ms);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_TRUE(again->empty());

    // The stream itself still holds it.
    const Result<int64_t> length = jobs::Length(Redis(), stream_);
    ASSERT_TRUE(length.has_value()) << length.error().message;
    EXPECT_EQ(*length, 1);
    const Result<std::vector<StreamEntry>> all = jobs::Range(Redis(), stream_, "0-0", 10);
    ASSERT_TRUE(all.has_value()) << all.error().message;
    ASSERT_EQ(all->size(), 1u);
    EXPECT_EQ(all->front().id, *id);
    EXPECT_TRUE(all->front().fields == fields);
}

TEST_F(RedisStreams, ReadGroupAndRangeHonourCountAndTheExclusiveStart) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) {
        const Result<std::string> id = jobs::AddEntry(Redis(), stream_, {{"n", std::to_string(i)}});
        ASSERT_TRUE(id.has_value()) << id.error().message;
        ids.push_back(*id);
    }
    const Result<std::vector<StreamEntry>> two = jobs::ReadGroup(Redis(), stream_, "workers", "a", 2, 0ms);
    ASSERT_TRUE(two.has_value()) << two.error().message;
    ASSERT_EQ(two->size(), 2u);
    EXPECT_EQ((*two)[1].id, ids[1]);
    EXPECT_EQ(*(*two)[1].Field("n"), "1");

    const Result<std::vector<StreamEntry>> after = jobs::Range(Redis(), stream_, ids[1], 2);
    ASSERT_TRUE(after.has_value()) << after.error().message;
    ASSERT_EQ(after->size(), 2u);
    EXPECT_EQ((*after)[0].id, ids[2]);
    EXPECT_EQ((*after)[1].id, ids[3]);
    const Result<std::vector<StreamEntry>> rest = jobs::Range(Redis(), stream_, ids[3], 0);
    ASSERT_TRUE(rest.has_value()) << rest.error().message;
    ASSERT_EQ(rest->size(), 1u);
    EXPECT_EQ(rest->front().id, ids[4]);
    const Result<std::vector<StreamEntry>> none = jobs::Range(Redis(), stream_, ids[4], 10);
    ASSERT_TRUE(none.has_value()) << none.error().message;
    EXPECT_TRUE(none->empty());
}

TEST_F(RedisStreams, AckRemovesFromPending) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    const Result<std::string> first = jobs::AddEntry(Redis(), stream_, {{"n", "1"}});
    const Result<std::string> second = jobs::AddEntry(Redis(), stream_, {{"n", "2"}});
    ASSERT_TRUE(first.has_value() && second.has_value());

    const Result<jobs::PendingSummary> before_read = jobs::Pending(Redis(), stream_, "workers");
    ASSERT_TRUE(before_read.has_value()) << before_read.error().message;
    EXPECT_EQ(before_read->pending, 0);
    EXPECT_TRUE(before_read->per_consumer.empty());

    ASSERT_EQ(jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 0ms).value().size(), 2u);
    const Result<jobs::PendingSummary> read = jobs::Pending(Redis(), stream_, "workers");
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(read->pending, 2);
    ASSERT_EQ(read->per_consumer.size(), 1u);
    EXPECT_EQ(read->per_consumer[0], (std::pair<std::string, int64_t>{"a", 2}));
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *first).value(), 1);

    ASSERT_TRUE(jobs::Ack(Redis(), stream_, "workers", *first).has_value());
    const Result<jobs::PendingSummary> one_left = jobs::Pending(Redis(), stream_, "workers");
    ASSERT_TRUE(one_left.has_value()) << one_left.error().message;
    EXPECT_EQ(one_left->pending, 1);
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *first).value(), 0);
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *second).value(), 1);

    ASSERT_TRUE(jobs::Ack(Redis(), stream_, "workers", *second).has_value());
    ASSERT_TRUE(jobs::Ack(Redis(), stream_, "workers", *second).has_value());  // again: no error
    const Result<jobs::PendingSummary> none = jobs::Pending(Redis(), stream_, "workers");
    ASSERT_TRUE(none.has_value()) << none.error().message;
    EXPECT_EQ(none->pending, 0);
    EXPECT_TRUE(none->per_consumer.empty());

    // Asking about a group that does not exist is a named failure.
    const Result<jobs::PendingSummary> no_group = jobs::Pending(Redis(), stream_, "nobody");
    ASSERT_FALSE(no_group.has_value());
    EXPECT_NE(no_group.error().message.find("XPENDING failed: NOGROUP"), std::string::npos) << no_group.error().message;
}

TEST_F(RedisStreams, AnUnackedEntryIsClaimedByAnotherConsumerOnlyOnceIdleLongEnough) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    const Result<std::string> id = jobs::AddEntry(Redis(), stream_, {{"job", "j-1"}, {"payload", BinaryValue()}});
    ASSERT_TRUE(id.has_value()) << id.error().message;
    ASSERT_EQ(jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 0ms).value().size(), 1u);  // a never acks

    const Result<jobs::ClaimedEntries> too_fresh = jobs::AutoClaim(Redis(), stream_, "workers", "b", 1h, "0-0", 10);
    ASSERT_TRUE(too_fresh.has_value()) << too_fresh.error().message;
    EXPECT_TRUE(too_fresh->entries.empty());
    EXPECT_EQ(too_fresh->next_cursor, "0-0");
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *id).value(), 1);
    EXPECT_EQ(jobs::Pending(Redis(), stream_, "workers").value().per_consumer,
              (std::vector<std::pair<std::string, int64_t>>{{"a", 1}}));

    // Idle for a while: a min_idle shorter than that claims it.
    std::this_thread::sleep_for(300ms);
    const Result<jobs::ClaimedEntries> claimed = jobs::AutoClaim(Redis(), stream_, "workers", "b", 200ms, "", 10);
    ASSERT_TRUE(claimed.has_value()) << claimed.error().message;
    ASSERT_EQ(claimed->entries.size(), 1u);
    EXPECT_EQ(claimed->entries[0].id, *id);
    ASSERT_NE(claimed->entries[0].Field("payload"), nullptr);
    EXPECT_TRUE(*claimed->entries[0].Field("payload") == BinaryValue());
    EXPECT_EQ(claimed->next_cursor, "0-0");
    EXPECT_TRUE(claimed->deleted_ids.empty());
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *id).value(), 2);
    EXPECT_EQ(jobs::Pending(Redis(), stream_, "workers").value().per_consumer,
              (std::vector<std::pair<std::string, int64_t>>{{"b", 1}}));

    // Claiming resets the idle time: a large min_idle finds nothing now, 0 ms takes it back.
    EXPECT_TRUE(jobs::AutoClaim(Redis(), stream_, "workers", "a", 1h, "0-0", 10).value().entries.empty());
    const Result<jobs::ClaimedEntries> back = jobs::AutoClaim(Redis(), stream_, "workers", "a", 0ms, "0-0", 0);
    ASSERT_TRUE(back.has_value()) << back.error().message;
    ASSERT_EQ(back->entries.size(), 1u);
    EXPECT_EQ(jobs::DeliveryCount(Redis(), stream_, "workers", *id).value(), 3);

    ASSERT_TRUE(jobs::Ack(Redis(), stream_, "workers", *id).has_value());
    EXPECT_TRUE(jobs::AutoClaim(Redis(), stream_, "workers", "b", 0ms, "0-0", 10).value().entries.empty());
    EXPECT_EQ(jobs::Pending(Redis(), stream_, "workers").value().pending, 0);
}

TEST_F(RedisStreams, AutoClaimSkipsEntriesDeletedWhilePending) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    const Result<std::string> gone = jobs::AddEntry(Redis(), stream_, {{"n", "gone"}});
    const Result<std::string> kept = jobs::AddEntry(Redis(), stream_, {{"n", "kept"}});
    ASSERT_TRUE(gone.has_value() && kept.has_value());
    ASSERT_EQ(jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 0ms).value().size(), 2u);
    ASSERT_EQ(Redis().Command({"XDEL", stream_, *gone}).value().integer, 1);

    const Result<jobs::ClaimedEntries> claimed = jobs::AutoClaim(Redis(), stream_, "workers", "b", 0ms, "0-0", 10);
    ASSERT_TRUE(claimed.has_value()) << claimed.error().message;
    ASSERT_EQ(claimed->entries.size(), 1u);
    EXPECT_EQ(claimed->entries[0].id, *kept);
    EXPECT_EQ(*claimed->entries[0].Field("n"), "kept");
    EXPECT_EQ(claimed->deleted_ids, std::vector<std::string>{*gone});
    EXPECT_EQ(jobs::Pending(Redis(), stream_, "workers").value().pending, 1);  // Redis dropped the deleted one
}

TEST_F(RedisStreams, ABlockingReadAnswersEmptyAfterTheBlockTimeEvenBeyondTheCommandTimeout) {
    ASSERT_TRUE(jobs::EnsureGroup(Redis(), stream_, "workers").has_value());
    // The block outlasts the command timeout: the read must widen the socket's wait for itself.
    ASSERT_TRUE(Redis().SetCommandTimeout(200ms).has_value());
    const auto started = std::chrono::steady_clock::now();
    const Result<std::vector<StreamEntry>> read = jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 600ms);
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_TRUE(read->empty());
    EXPECT_GE(waited, 550ms);
    EXPECT_LT(waited, 3s);
    EXPECT_FALSE(Redis().Broken());
    EXPECT_EQ(Redis().CommandTimeout(), 200ms);

    // An entry added while a reader blocks is delivered at once.
    std::thread writer([port = server_->Port(), stream = stream_] {
        std::this_thread::sleep_for(100ms);
        Result<RedisConnection> other = RedisConnection::Connect(Loopback(port));
        if (other) (void)jobs::AddEntry(*other, stream, {{"n", "late"}});
    });
    const auto blocked = std::chrono::steady_clock::now();
    const Result<std::vector<StreamEntry>> woken = jobs::ReadGroup(Redis(), stream_, "workers", "a", 10, 5s);
    writer.join();
    ASSERT_TRUE(woken.has_value()) << woken.error().message;
    ASSERT_EQ(woken->size(), 1u);
    EXPECT_EQ(*woken->front().Field("n"), "late");
    EXPECT_LT(std::chrono::steady_clock::now() - blocked, 3s);

    // The command timeout still holds for everything else: a command that outlasts it breaks the
    // connection (its late answer could be taken for the next one's), and Reconnect mends it.
    const Result<RedisReply> slow = Redis().Command({"BLPOP", stream_ + ":empty", "1"});
    ASSERT_FALSE(slow.has_value());
    EXPECT_EQ(slow.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_NE(slow.error().message.find("BLPOP failed: no answer within 200 ms"), std::string::npos)
        << slow.error().message;
    EXPECT_TRUE(Redis().Broken());
    ASSERT_TRUE(Redis().Reconnect().has_value());
    EXPECT_FALSE(Redis().Broken());
    const Result<RedisReply> waited_out = Redis().Command({"BLPOP", stream_ + ":empty", "1"}, 3s);
    ASSERT_TRUE(waited_out.has_value()) << waited_out.error().message;
    EXPECT_EQ(waited_out->kind, RedisReply::Kind::kNil);
}

TEST(RedisServerGoesAway, CommandsFailNamingTheAddressUntilReconnectAfterItComesBack) {
    RedisProcess server;
    ASSERT_TRUE(server.Ready()) << server.Log();
    const std::string address = "127.0.0.1:" + std::to_string(server.Port());
    Result<RedisConnection> connected = RedisConnection::Connect(Loopback(server.Port()));
    ASSERT_TRUE(connected.has_value()) << connected.error().message;
    RedisConnection redis = std::move(*connected);
    ASSERT_TRUE(jobs::EnsureGroup(redis, "jobs", "workers").has_value());
    Result<RedisConnection> second = RedisConnection::Connect(Loopback(server.Port()));
    ASSERT_TRUE(second.has_value()) << second.error().message;

    server.Stop();
    // A large command takes several writes: those after the peer's reset raise SIGPIPE, which
    // must not end the process.
    const Result<std::string> big = jobs::AddEntry(*second, "jobs", {{"big", std::string(16u << 20, 'x')}});
    ASSERT_FALSE(big.has_value());
    EXPECT_TRUE(big.error().message.starts_with("Redis at " + address + ": XADD failed: ")) << big.error().message;

    const Result<RedisReply> lost = redis.Command({"PING"});
    ASSERT_FALSE(lost.has_value());
    EXPECT_EQ(lost.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_TRUE(lost.error().message.starts_with("Redis at " + address + ": PING failed: ")) << lost.error().message;
    EXPECT_TRUE(redis.Broken());

    // Broken now: later calls fail at once, still naming the server and the command.
    const auto started = std::chrono::steady_clock::now();
    const Result<std::string> added = jobs::AddEntry(redis, "jobs", {{"n", "1"}});
    EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
    ASSERT_FALSE(added.has_value());
    EXPECT_EQ(added.error().code, ErrorCode::kQueueUnavailable);
    EXPECT_TRUE(added.error().message.starts_with("Redis at " + address + ": XADD failed: the connection is broken"))
        << added.error().message;

    const Result<void> refused = redis.Reconnect();
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().message, "Redis at " + address + ": connect failed: Connection refused");
    EXPECT_TRUE(redis.Broken());

    ASSERT_TRUE(server.Start()) << server.Log();
    const Result<void> back = redis.Reconnect();
    ASSERT_TRUE(back.has_value()) << back.error().message;
    EXPECT_FALSE(redis.Broken());
    const Result<RedisReply> pong = redis.Command({"PING"});
    ASSERT_TRUE(pong.has_value()) << pong.error().message;
    EXPECT_EQ(pong->text, "PONG");
    // Nothing was persisted: the group is made again and the queue works.
    ASSERT_TRUE(jobs::EnsureGroup(redis, "jobs", "workers").has_value());
    ASSERT_TRUE(jobs::AddEntry(redis, "jobs", {{"n", "1"}}).has_value());
    EXPECT_EQ(jobs::Length(redis, "jobs").value(), 1);
}

}  // namespace
}  // namespace spark::testing
