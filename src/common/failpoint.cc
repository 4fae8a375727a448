#include "common/failpoint.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace spark {

void Failpoint(std::string_view name) {
    static const std::string armed = [] {
        const char* value = std::getenv("SPARK_FAILPOINT");
        return std::string(value != nullptr ? value : "");
    }();
    if (!armed.empty() && armed == name) std::raise(SIGKILL);
}

}  // namespace spark
