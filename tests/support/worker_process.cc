#include "support/worker_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "support/child_process.h"

namespace spark::testing {

WorkerProcess::WorkerProcess(const std::string& redis_url, const std::string& name, const std::string& log_path,
                             std::vector<std::string> extra_args) {
    std::vector<std::string> args = {SPARK_EXECUTOR_PATH, "worker", "--redis", redis_url, "--name", name};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    const Child child = SpawnWithStdoutPipe(std::move(args), log_path);
    if (child.pid < 0) return;
    pid_ = child.pid;
    // The serving line comes once the options are read; then the worker connects on its own.
    std::string line;
    char c = 0;
    while (read(child.stdout_fd, &c, 1) == 1 && c != '\n') line += c;
    started_ = line.find("serving") != std::string::npos;
    DrainInBackground(child.stdout_fd);
}

WorkerProcess::~WorkerProcess() { Stop(); }

void WorkerProcess::Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

void WorkerProcess::Pause() {
    if (pid_ > 0) kill(pid_, SIGSTOP);
}

void WorkerProcess::Resume() {
    if (pid_ > 0) kill(pid_, SIGCONT);
}

int WorkerProcess::Stop() {
    const int status = StopChild(pid_, std::chrono::seconds(30));
    pid_ = -1;
    return status;
}

}  // namespace spark::testing
