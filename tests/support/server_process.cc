#include "support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace spark::testing {
namespace {

namespace fs = std::filesystem;

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kStopTimeout = std::chrono::seconds(30);

//! Reads the "listening on http://127.0.0.1:PORT" line from the child's stdout.
uint16_t ReadPort(int fd) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    char c = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        const ssize_t n = read(fd, &c, 1);
        if (n <= 0) return 0;
        if (c != '\n') {
            line.push_back(c);
            continue;
        }
        const size_t colon = line.rfind(':', line.find(" (cache"));
        if (line.find("listening on") != std::string::npos && colon != std::string::npos) {
            return static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
        }
        line.clear();
    }
    return 0;
}

}  // namespace

std::string MakeTempDirectory(const std::string& label) {
    const fs::path dir = fs::temp_directory_path() / ("spark-it-" + label + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

ServerProcess::ServerProcess(const std::string& directory, bool seed, std::vector<std::string> extra_args,
                             const std::string& executable) {
    stderr_path_ = directory + "/stderr.log";
    std::vector<std::string> args = {executable, "serve", "--port", "0", "--workers", "2"};
    // Offline by default: no Binance unless a test points the client at the replay server.
    args.insert(args.end(), {"--db", directory + "/cache.duckdb", "--audit-log", directory + "/audit.jsonl",
                             "--binance-base-url=", "--binance-futures-base-url="});
    if (seed) {
        args.push_back("--seed-dir");
        args.push_back(SPARK_SAMPLE_DIR);
    }
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], STDOUT_FILENO);
        const int err = open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(err, STDERR_FILENO);
        close(out[0]);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    port_ = ReadPort(out[0]);
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread([fd = out[0]] {
        char buffer[256];
        while (read(fd, buffer, sizeof buffer) > 0) {
        }
        close(fd);
    }).detach();
}

ServerProcess::~ServerProcess() { Stop(); }

int ServerProcess::Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            pid_ = -1;
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
    port_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    port_ = 0;
}

std::string ServerProcess::Stderr() const {
    std::ifstream in(stderr_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

CommandResult RunCommand(const std::string& command) {
    CommandResult result;
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (!pipe) return result;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace spark::testing

namespace spark::testing {

ReplayProcess::ReplayProcess(const std::string& data_directory, uint16_t port, std::vector<std::string> extra_args) {
    std::vector<std::string> args = {SPARK_REPLAY_PATH, "--port", std::to_string(port), "--data-dir", data_directory};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    std::string line;
    char c = 0;
    while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    const size_t colon = line.rfind(':');
    if (line.find("listening") != std::string::npos && colon != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
    }
}

ReplayProcess::~ReplayProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
}

}  // namespace spark::testing
