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

#include "support/child_process.h"

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
    const Child child = SpawnWithStdoutPipe(std::move(args), stderr_path_);
    if (child.pid < 0) return;
    pid_ = child.pid;
    port_ = ReadPort(child.stdout_fd);
    DrainInBackground(child.stdout_fd);
}

ServerProcess::~ServerProcess() { Stop(); }

int ServerProcess::Stop() {
    if (pid_ <= 0) return -1;
    const int status = StopChild(pid_, kStopTimeout);
    pid_ = -1;
    port_ = 0;
    return status;
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
    const Child child = SpawnWithStdoutPipe(std::move(args), "");
    if (child.pid < 0) return;
    pid_ = child.pid;
    std::string line;
    char c = 0;
    while (read(child.stdout_fd, &c, 1) == 1 && c != '\n') line.push_back(c);
    close(child.stdout_fd);
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
