#pragma once

#include <string_view>

namespace spark {

//! Crash-safety tests' hook: when the environment variable SPARK_FAILPOINT names this point, the
//! process kills itself here with SIGKILL (as `kill -9` would, no clean-up of any kind), so a test
//! can stop it at an exact moment, e.g. inside a cache write's transaction. Without the variable it
//! costs one comparison of a string read once.
void Failpoint(std::string_view name);

}  // namespace spark
