#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace spark::testing {

//! A real redis-server (Debian's package, found on PATH) for tests: a free loopback port, nothing
//! persisted, its own temporary directory (removed on destruction), stopped on destruction. It can
//! be stopped and started again on the same port, so a test can watch Redis go away and come back.
class RedisProcess {
  public:
    //! Starts the server; Ready() says whether it answered PING in time.
    RedisProcess();
    ~RedisProcess();
    RedisProcess(const RedisProcess&) = delete;
    RedisProcess& operator=(const RedisProcess&) = delete;

    //! Running and answering PING.
    bool Ready() const { return pid_ > 0; }
    uint16_t Port() const { return port_; }
    //! "redis://127.0.0.1:PORT"
    std::string Url() const;

    //! Starts the server again (same port, empty data) after Stop(); true once it answers PING
    //! (within 10 s). True at once when it is running.
    bool Start();
    //! SIGTERM, then waits for it to exit (SIGKILL after 10 s).
    void Stop();
    //! What the server logged so far (for failure messages).
    std::string Log() const;

  private:
    std::string directory_;
    uint16_t port_ = 0;
    pid_t pid_ = -1;
};

}  // namespace spark::testing
