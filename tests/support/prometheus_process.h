#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace spark::testing {

//! A real Prometheus server (Debian's package) on a free loopback port, scraping one target every
//! second, for integration tests. Killed on destruction.
class PrometheusProcess {
  public:
    PrometheusProcess(const std::string& directory, uint16_t target_port);
    ~PrometheusProcess();
    PrometheusProcess(const PrometheusProcess&) = delete;
    PrometheusProcess& operator=(const PrometheusProcess&) = delete;

    bool Ready() const { return ready_; }
    uint16_t Port() const { return port_; }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    bool ready_ = false;
};

//! A port that was free a moment ago (bound to 0 and released).
uint16_t FreePort();

}  // namespace spark::testing
