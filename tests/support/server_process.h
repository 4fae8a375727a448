#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spark::testing {

//! A real spark-executor process for integration tests: its own temporary directory and cache
//! file, an ephemeral port read from its start-up line, SIGTERM on destruction.
class ServerProcess {
  public:
    //! `seed` imports the bundled sample candles at start (--seed-dir).
    //! `executable`: the built binary by default; the install test starts an installed one.
    explicit ServerProcess(const std::string& directory, bool seed = true, std::vector<std::string> extra_args = {},
                           const std::string& executable = SPARK_EXECUTOR_PATH);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    bool Started() const { return port_ != 0; }
    uint16_t Port() const { return port_; }
    //! SIGTERM, then waits; returns the exit status (or -1).
    int Stop();
    //! SIGKILL, as a crash: nothing of the process runs after it.
    void Kill();
    //! Everything the process wrote to stderr so far.
    std::string Stderr() const;

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    std::string stderr_path_;
};

//! A fresh temporary directory for one test, removed by the caller's fixture.
std::string MakeTempDirectory(const std::string& label);

//! Runs a command line, returning its exit status and combined output.
struct CommandResult {
    int status = -1;
    std::string output;
};
CommandResult RunCommand(const std::string& command);

}  // namespace spark::testing

namespace spark::testing {

//! The Binance replay server (tools/binance_replay) over the given data directory.
class ReplayProcess {
  public:
    //! `port` 0 picks a free one; a given port lets a test restart the replay where it was.
    //! `extra_args` go to the replay's command line (e.g. --futures-data-dir DIR).
    explicit ReplayProcess(const std::string& data_directory, uint16_t port = 0,
                           std::vector<std::string> extra_args = {});
    ~ReplayProcess();
    ReplayProcess(const ReplayProcess&) = delete;
    ReplayProcess& operator=(const ReplayProcess&) = delete;

    uint16_t Port() const { return port_; }
    std::string BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

}  // namespace spark::testing
