#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace spark::testing {

//! A started child: its pid and the read end of its stdout (-1 when none was asked for).
struct Child {
    pid_t pid = -1;
    int stdout_fd = -1;
};

//! fork + exec of `args` (args[0] the executable's path) with stdout to a pipe the caller reads,
//! and stderr appended to `stderr_path` (left alone when empty). pid -1 when it could not start.
Child SpawnWithStdoutPipe(std::vector<std::string> args, const std::string& stderr_path);

//! Reads `fd` until end of file on a detached thread, then closes it, so the child never blocks on
//! a full pipe.
void DrainInBackground(int fd);

//! SIGTERM, waiting up to `grace`, then SIGKILL: the child's exit status, or -1 when it was
//! killed or did not exit by itself.
int StopChild(pid_t pid, std::chrono::milliseconds grace);

}  // namespace spark::testing
