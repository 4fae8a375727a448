#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace spark::testing {

//! A real `spark-executor worker` process for the distributed-jobs tests: started against a
//! Redis URL, ready once it printed its serving line; SIGTERM on destruction, SIGKILL on Kill().
class WorkerProcess {
  public:
    WorkerProcess(const std::string& redis_url, const std::string& name, const std::string& log_path,
                  std::vector<std::string> extra_args = {});
    ~WorkerProcess();
    WorkerProcess(const WorkerProcess&) = delete;
    WorkerProcess& operator=(const WorkerProcess&) = delete;

    bool Started() const { return started_; }
    //! As a crash (kill -9): the shard it holds stays claimed until another worker takes it over.
    void Kill();
    //! SIGSTOP / SIGCONT: frozen, it can neither finish nor acknowledge what it holds.
    void Pause();
    void Resume();
    int Stop();

  private:
    pid_t pid_ = -1;
    bool started_ = false;
};

}  // namespace spark::testing
