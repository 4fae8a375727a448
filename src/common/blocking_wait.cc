#include "common/blocking_wait.h"

namespace spark {
namespace {

thread_local BlockingWaitListener* t_listener = nullptr;
thread_local int t_depth = 0;

}  // namespace

void BlockingWait::SetListenerForThisThread(BlockingWaitListener* listener) { t_listener = listener; }

BlockingWait::BlockingWait() : outermost_(t_depth++ == 0) {
    if (outermost_ && t_listener != nullptr) t_listener->BeginBlockingWait();
}

BlockingWait::~BlockingWait() {
    --t_depth;
    if (outermost_ && t_listener != nullptr) t_listener->EndBlockingWait();
}

}  // namespace spark
