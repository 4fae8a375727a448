#include "jobs/redis_client.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <utility>

namespace spark::jobs {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr std::string_view kWhatToSend = "send redis://host[:port][/db], e.g. redis://127.0.0.1:6379/0";

std::unexpected<Error> RefuseUrl(std::string_view url, std::string_view why) {
    std::string message = "--redis " + std::string(why) + "; " + std::string(kWhatToSend);
    // A refused URL may carry a password: only one without user info is echoed back.
    if (url.find('@') == std::string_view::npos) message += " (got '" + std::string(url) + "')";
    return MakeError(ErrorCode::kInvalidRequest, std::move(message), "--redis");
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
    }
    return true;
}

bool AllOf(std::string_view text, bool (*accept)(char)) {
    for (const char c : text) {
        if (!accept(c)) return false;
    }
    return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHostChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; }
bool IsIpv6Char(char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; }

//! Digits only, no sign or spaces, within [low, high].
bool ParseNumber(std::string_view text, long long low, long long high, long long& out) {
    if (text.empty() || text.size() > 10 || !AllOf(text, IsDigit)) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out >= low && out <= high;
}

//! What messages call a command: its name, upper-cased, with the subcommand of the container
//! commands (XGROUP CREATE says more than XGROUP).
std::string CommandName(const std::vector<std::string_view>& args) {
    static constexpr std::array<std::string_view, 8> kContainers = {"XGROUP", "XINFO",  "CONFIG", "CLIENT",
                                                                    "OBJECT", "SCRIPT", "MEMORY", "FUNCTION"};
    auto upper = [](std::string_view word) {
        std::string text(word.substr(0, 32));
        for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return text;
    };
    std::string name = upper(args.front());
    for (const std::string_view container : kContainers) {
        if (name == container && args.size() > 1) return name + " " + upper(args[1]);
    }
    return name;
}

timeval ToTimeval(std::chrono::milliseconds timeout) {
    if (timeout.count() <= 0) return timeval{};  // SO_RCVTIMEO/SO_SNDTIMEO 0: no limit
    return timeval{.tv_sec = static_cast<time_t>(timeout.count() / 1000),
                   .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
}

RedisReply CopyReply(const redisReply& raw) {
    RedisReply reply;
    switch (raw.type) {
        case REDIS_REPLY_STRING:
            reply.kind = RedisReply::Kind::kString;
            reply.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_STATUS:
            reply.kind = RedisReply::Kind::kStatus;
            reply.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_ERROR:
            reply.kind = RedisReply::Kind::kError;
            reply.text.assign(raw.str, raw.len);
            break;
        case REDIS_REPLY_INTEGER:
            reply.kind = RedisReply::Kind::kInteger;
            reply.integer = raw.integer;
            break;
        case REDIS_REPLY_ARRAY:
            reply.kind = RedisReply::Kind::kArray;
            reply.elements.reserve(raw.elements);
            for (size_t i = 0; i < raw.elements; ++i) {
                reply.elements.push_back(raw.element[i] != nullptr ? CopyReply(*raw.element[i]) : RedisReply{});
            }
            break;
        default:  // REDIS_REPLY_NIL, and nothing else exists in RESP2
            break;
    }
    return reply;
}

struct ReplyDeleter {
    void operator()(redisReply* reply) const { freeReplyObject(reply); }
};

//! hiredis sends with write(2), so writing to a server that went away raises SIGPIPE, whose default
//! action ends the whole process. For the length of one call this blocks SIGPIPE on the calling
//! thread and then swallows one the call raised (one that was already pending is left alone), the
//! way libpq does; the write itself then fails with EPIPE, which hiredis reports.
class SigpipeGuard {
  public:
    SigpipeGuard() {
        sigemptyset(&pipe_only_);
        sigaddset(&pipe_only_, SIGPIPE);
        blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_only_, &previous_) == 0;
        was_pending_ = Pending();
    }
    ~SigpipeGuard() {
        if (!blocked_) return;
        if (!was_pending_ && Pending()) {
            const timespec no_wait{};
            sigtimedwait(&pipe_only_, nullptr, &no_wait);
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeGuard(const SigpipeGuard&) = delete;
    SigpipeGuard& operator=(const SigpipeGuard&) = delete;

  private:
    static bool Pending() {
        sigset_t pending;
        return sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    }

    sigset_t pipe_only_;
    sigset_t previous_;
    bool blocked_ = false;
    bool was_pending_ = false;
};

}  // namespace

std::string RedisAddress::Describe() const {
    std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    text += ":" + std::to_string(port);
    if (db != 0) text += "/" + std::to_string(db);
    return text;
}

Result<RedisAddress> ParseRedisUrl(std::string_view url) {
    if (StartsWithNoCase(url, "rediss://")) return RefuseUrl(url, "cannot use TLS (rediss://)");
    if (!StartsWithNoCase(url, kScheme)) return RefuseUrl(url, "must be a redis:// URL");
    std::string_view rest = url.substr(kScheme.size());
    if (rest.find('@') != std::string_view::npos) return RefuseUrl(url, "cannot carry a user or password");
    if (rest.find_first_of("?#") != std::string_view::npos) return RefuseUrl(url, "takes no query or options");

    const size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    const std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);

    RedisAddress address;
    std::string_view port_text;
    bool has_port = false;
    if (authority.starts_with('[')) {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return RefuseUrl(url, "has an unclosed '[' in its host");
        const std::string_view host = authority.substr(1, close - 1);
        if (host.empty() || !AllOf(host, IsIpv6Char)) return RefuseUrl(url, "has a malformed IPv6 host");
        address.host = std::string(host);
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (!after.starts_with(':')) return RefuseUrl(url, "has something other than a port after its host");
            port_text = after.substr(1);
            has_port = true;
        }
    } else {
        const size_t colon = authority.find(':');
        if (colon != std::string_view::npos && authority.find(':', colon + 1) != std::string_view::npos) {
            return RefuseUrl(url, "has more than one ':' in its host (an IPv6 host goes in brackets)");
        }
        const std::string_view host = authority.substr(0, colon);
        if (host.empty()) return RefuseUrl(url, "names no host");
        if (!AllOf(host, IsHostChar)) return RefuseUrl(url, "has a host that is not a name or an address");
        address.host = std::string(host);
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            has_port = true;
        }
    }
    if (has_port) {
        long long port = 0;
        if (!ParseNumber(port_text, 1, 65535, port)) return RefuseUrl(url, "has a port that is not 1 to 65535");
        address.port = static_cast<uint16_t>(port);
    }
    // "redis://host/" is common shorthand for db 0.
    if (!path.empty()) {
        long long db = 0;
        if (!ParseNumber(path, 0, INT_MAX, db)) return RefuseUrl(url, "has a db that is not a number of 0 or more");
        address.db = static_cast<int>(db);
    }
    return address;
}

std::unexpected<Error> RedisError(const RedisAddress& address, std::string_view command, std::string_view cause) {
    return MakeError(ErrorCode::kQueueUnavailable,
                     "Redis at " + address.Describe() + ": " + std::string(command) + " failed: " + std::string(cause));
}

void RedisConnection::ContextDeleter::operator()(redisContext* context) const { redisFree(context); }

RedisConnection::RedisConnection(RedisAddress address, std::chrono::milliseconds timeout)
    : address_(std::move(address)), command_timeout_(timeout), broken_because_("never connected") {}

RedisConnection::~RedisConnection() = default;
RedisConnection::RedisConnection(RedisConnection&& other) noexcept = default;
RedisConnection& RedisConnection::operator=(RedisConnection&& other) noexcept = default;

Result<RedisConnection> RedisConnection::Connect(const RedisAddress& address, std::chrono::milliseconds timeout) {
    RedisConnection connection(address, timeout);
    if (Result<void> established = connection.Establish(); !established) {
        return std::unexpected(std::move(established.error()));
    }
    return connection;
}

Result<void> RedisConnection::Reconnect() { return Establish(); }

bool RedisConnection::Broken() const { return context_ == nullptr; }

void RedisConnection::MarkBroken(std::string cause) {
    context_.reset();
    broken_because_ = std::move(cause);
}

Result<void> RedisConnection::Establish() {
    context_.reset();
    redisContext* raw = nullptr;
    {
        SigpipeGuard guard;
        raw = command_timeout_.count() > 0
                  ? redisConnectWithTimeout(address_.host.c_str(), address_.port, ToTimeval(command_timeout_))
                  : redisConnect(address_.host.c_str(), address_.port);
    }
    ContextPtr context(raw);
    if (context == nullptr || context->err != 0) {
        std::string cause = context != nullptr ? context->errstr : "hiredis could not allocate a context";
        broken_because_ = cause;
        return RedisError(address_, "connect", cause);
    }
    context_ = std::move(context);
    broken_because_.clear();
    // The connect timeout bounds only connecting: each command's wait is set on the socket.
    if (Result<void> applied = ApplySocketTimeout(command_timeout_, "connect"); !applied) return applied;
    if (address_.db != 0) {
        const std::string db = std::to_string(address_.db);
        if (Result<RedisReply> selected = Command({"SELECT", db}); !selected) {
            // A connection on the wrong db would read and write another queue: never keep it.
            MarkBroken("SELECT " + db + " failed");
            return std::unexpected(std::move(selected.error()));
        }
    }
    return {};
}

Result<void> RedisConnection::ApplySocketTimeout(std::chrono::milliseconds timeout, std::string_view command) {
    if (context_ == nullptr) return {};
    if (redisSetTimeout(context_.get(), ToTimeval(timeout)) != REDIS_OK) {
        std::string cause = std::string("could not set the socket timeout: ") + context_->errstr;
        MarkBroken(cause);
        return RedisError(address_, command, cause);
    }
    return {};
}

Result<void> RedisConnection::SetCommandTimeout(std::chrono::milliseconds timeout) {
    command_timeout_ = timeout;
    return ApplySocketTimeout(timeout, "setting the command timeout");
}

Result<RedisReply> RedisConnection::Command(const std::vector<std::string_view>& args, bool allow_error_reply) {
    if (args.empty()) return MakeError(ErrorCode::kInternal, "a Redis command was sent without a name");
    const std::string name = CommandName(args);
    if (context_ == nullptr) {
        return RedisError(address_, name, "the connection is broken (" + broken_because_ + "); reconnect first");
    }

    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string_view arg : args) {
        argv.push_back(arg.empty() ? "" : arg.data());  // an empty view may hold a null pointer
        lengths.push_back(arg.size());
    }

    std::unique_ptr<redisReply, ReplyDeleter> raw;
    int call_errno = 0;
    {
        SigpipeGuard guard;
        errno = 0;
        raw.reset(static_cast<redisReply*>(
            redisCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
        call_errno = errno;
    }
    if (raw == nullptr) {
        std::string cause = context_->err != 0 ? context_->errstr : "no reply";
        // hiredis reports a socket timeout as EAGAIN ("Resource temporarily unavailable").
        if (context_->err == REDIS_ERR_IO && (call_errno == EAGAIN || call_errno == EWOULDBLOCK)) {
            cause = "no answer within " + std::to_string(command_timeout_.count()) + " ms";
        }
        // The answer may still arrive later and would be read as the next command's: the context
        // is useless now, so it is dropped (which also closes the socket).
        MarkBroken(cause);
        return RedisError(address_, name, cause);
    }
    RedisReply reply = CopyReply(*raw);
    if (reply.kind == RedisReply::Kind::kError && !allow_error_reply) return RedisError(address_, name, reply.text);
    return reply;
}

Result<RedisReply> RedisConnection::Command(const std::vector<std::string_view>& args,
                                            std::chrono::milliseconds timeout, bool allow_error_reply) {
    if (timeout == command_timeout_) return Command(args, allow_error_reply);
    const std::chrono::milliseconds usual = command_timeout_;
    const std::string name = args.empty() ? std::string() : CommandName(args);
    if (Result<void> applied = ApplySocketTimeout(timeout, name); !applied) return std::unexpected(applied.error());
    // The timeout message names the limit this call ran under.
    command_timeout_ = timeout;
    Result<RedisReply> reply = Command(args, allow_error_reply);
    command_timeout_ = usual;
    if (Result<void> restored = ApplySocketTimeout(usual, name); !restored && reply) {
        return std::unexpected(restored.error());
    }
    return reply;
}

}  // namespace spark::jobs
