#include "support/redis_process.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>
#include <vector>

#include "support/child_process.h"

namespace spark::testing {
namespace {

namespace fs = std::filesystem;

constexpr auto kReadyTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(10);
//! A port picked free can be taken before redis-server binds it: the first start tries a few.
constexpr int kPortAttempts = 3;

//! A loopback port that was free a moment ago (bound to 0, read back, released).
uint16_t PickFreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof addr;
    const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                       getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0;
    close(fd);
    return bound ? ntohs(addr.sin_port) : 0;
}

//! redis-server on PATH, else Debian's location.
std::string RedisServerPath() {
    if (const char* path = std::getenv("PATH")) {
        std::string_view rest = path;
        while (!rest.empty()) {
            const size_t colon = rest.find(':');
            const std::string_view directory = rest.substr(0, colon);
            rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
            if (directory.empty()) continue;
            const std::string candidate = std::string(directory) + "/redis-server";
            if (access(candidate.c_str(), X_OK) == 0) return candidate;
        }
    }
    return "/usr/bin/redis-server";
}

bool AnswersPing(uint16_t port) {
    redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeval{.tv_sec = 0, .tv_usec = 200'000});
    if (context == nullptr) return false;
    bool pong = false;
    if (context->err == 0 && redisSetTimeout(context, timeval{.tv_sec = 1, .tv_usec = 0}) == REDIS_OK) {
        auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
        pong =
            reply != nullptr && reply->type == REDIS_REPLY_STATUS && std::string_view(reply->str, reply->len) == "PONG";
        if (reply != nullptr) freeReplyObject(reply);
    }
    redisFree(context);
    return pong;
}

}  // namespace

RedisProcess::RedisProcess() {
    std::string pattern = (fs::temp_directory_path() / "spark-redis-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    directory_ = pattern;
    for (int attempt = 0; attempt < kPortAttempts; ++attempt) {
        port_ = PickFreePort();
        if (port_ != 0 && Start()) return;
    }
}

RedisProcess::~RedisProcess() {
    Stop();
    if (!directory_.empty()) {
        std::error_code ignored;
        fs::remove_all(directory_, ignored);
    }
}

std::string RedisProcess::Url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

bool RedisProcess::Start() {
    if (pid_ > 0) return true;
    if (port_ == 0 || directory_.empty()) return false;
    // Everything the child needs is prepared before fork: it only redirects and execs.
    std::vector<std::string> args = {
        RedisServerPath(), "--port",   std::to_string(port_), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir",           directory_, "--daemonize",         "no"};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int log = open((directory_ + "/redis.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) return false;

    const pid_t pid = fork();
    if (pid == 0) {
        // A test binary that crashes must not leave servers behind.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(log, STDOUT_FILENO);
        dup2(log, STDERR_FILENO);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(log);
    if (pid < 0) return false;

    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) return false;  // exited: e.g. the port was taken
        if (AnswersPing(port_)) {
            pid_ = pid;
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    return false;
}

void RedisProcess::Stop() {
    if (pid_ <= 0) return;
    StopChild(pid_, kStopTimeout);
    pid_ = -1;
}

std::string RedisProcess::Log() const {
    std::ifstream in(directory_ + "/redis.log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace spark::testing
