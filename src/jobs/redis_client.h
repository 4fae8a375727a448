#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

struct redisContext;

namespace spark::jobs {

//! How long connecting, and then each command, may take by default.
inline constexpr std::chrono::milliseconds kDefaultRedisTimeout{2000};

//! Where the job queue's Redis listens.
struct RedisAddress {
    std::string host = "127.0.0.1";
    uint16_t port = 6379;
    int db = 0;

    //! "host:port", with "/db" when db is not 0 (IPv6 hosts in brackets): how messages name it.
    std::string Describe() const;
};

//! Parses `redis://host[:port][/db]` (port 6379 and db 0 when left out; an IPv6 host in brackets).
//! Anything else (another scheme such as rediss://, a user or password, a query) is refused with
//! kInvalidRequest naming the field "--redis" and saying what to send.
Result<RedisAddress> ParseRedisUrl(std::string_view url);

//! The error every Redis failure becomes: kQueueUnavailable, "Redis at <address>: <command> failed:
//! <cause>", so an operator sees which server, which command and why.
std::unexpected<Error> RedisError(const RedisAddress& address, std::string_view command, std::string_view cause);

//! A parsed copy of one hiredis reply tree, so nothing outlives freeReplyObject.
struct RedisReply {
    enum class Kind { kNil, kString, kStatus, kInteger, kArray, kError };

    Kind kind = Kind::kNil;
    std::string text;  //!< kString (binary-safe), kStatus, kError
    long long integer = 0;
    std::vector<RedisReply> elements;  //!< kArray
};

//! One blocking hiredis connection. Not thread-safe: use one per thread. Movable, not copyable.
//!
//! Every command waits at most CommandTimeout() for its answer. A connection that failed (I/O
//! error, timeout, the server went away) is broken for good: hiredis cannot tell which answer
//! belongs to which command any more, so every later call fails fast until Reconnect() succeeds.
class RedisConnection {
  public:
    //! Connects within `timeout`, which also becomes the command timeout (0 or less: no limit),
    //! and SELECTs the address's db when it is not 0.
    static Result<RedisConnection> Connect(const RedisAddress& address,
                                           std::chrono::milliseconds timeout = kDefaultRedisTimeout);

    ~RedisConnection();
    RedisConnection(RedisConnection&& other) noexcept;
    RedisConnection& operator=(RedisConnection&& other) noexcept;
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    //! Sends one command, binary-safe (every argument with its length), and waits for its answer.
    //! A Redis error reply is returned as an Error (kQueueUnavailable) unless `allow_error_reply`:
    //! then as a reply of Kind::kError, and the connection stays usable. A connection or I/O
    //! failure is always an Error and breaks the connection.
    Result<RedisReply> Command(const std::vector<std::string_view>& args, bool allow_error_reply = false);
    //! The same, waiting at most `timeout` for this one answer (then back to CommandTimeout()):
    //! for blocking commands such as XREADGROUP ... BLOCK, whose wait must fit inside it.
    Result<RedisReply> Command(const std::vector<std::string_view>& args, std::chrono::milliseconds timeout,
                               bool allow_error_reply = false);

    //! How long a command waits for its answer; 0 or less waits for ever.
    std::chrono::milliseconds CommandTimeout() const { return command_timeout_; }
    Result<void> SetCommandTimeout(std::chrono::milliseconds timeout);

    //! Drops the connection and connects again (same address, timeout and db).
    Result<void> Reconnect();

    const RedisAddress& Address() const { return address_; }
    //! True after a connection or I/O failure, until Reconnect() succeeds.
    bool Broken() const;

  private:
    struct ContextDeleter {
        void operator()(redisContext* context) const;
    };
    using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

    RedisConnection(RedisAddress address, std::chrono::milliseconds timeout);
    //! Opens a fresh context in place of the old one, then SELECTs the db.
    Result<void> Establish();
    //! Applies `timeout` to the socket; a failure breaks the connection.
    Result<void> ApplySocketTimeout(std::chrono::milliseconds timeout, std::string_view command);
    //! Drops the context, remembering why for the fail-fast message.
    void MarkBroken(std::string cause);

    RedisAddress address_;
    std::chrono::milliseconds command_timeout_{0};
    ContextPtr context_;
    std::string broken_because_;  //!< why the last context failed (for the fail-fast message)
};

}  // namespace spark::jobs
