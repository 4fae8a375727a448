#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

namespace spark::testing {

Child SpawnWithStdoutPipe(std::vector<std::string> args, const std::string& stderr_path) {
    int out[2];
    if (pipe(out) != 0) return {};
    // Everything the child needs is prepared before fork: it only redirects and execs.
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        if (!stderr_path.empty()) {
            const int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            dup2(err, STDERR_FILENO);
        }
        close(out[0]);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    if (pid < 0) {
        close(out[0]);
        return {};
    }
    return {pid, out[0]};
}

void DrainInBackground(int fd) {
    std::thread([fd] {
        char buffer[256];
        while (read(fd, buffer, sizeof buffer) > 0) {
        }
        close(fd);
    }).detach();
}

int StopChild(pid_t pid, std::chrono::milliseconds grace) {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace spark::testing
