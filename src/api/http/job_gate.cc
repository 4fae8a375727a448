#include "api/http/job_gate.h"

namespace spark::api {

bool JobGate::Enter(std::function<void()> start, std::function<void()> refuse) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        if (running_ >= max_running_) {
            if (waiting_.size() >= max_waiting_) return false;
            waiting_.push_back({std::move(start), std::move(refuse)});
            return true;
        }
        ++running_;
    }
    start();
    return true;
}

void JobGate::Close() {
    std::deque<Queued> refused;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        refused.swap(waiting_);
    }
    for (Queued& job : refused) {
        if (job.refuse) job.refuse();
    }
}

void JobGate::Leave() {
    std::function<void()> next;
    bool idle = false;
    {
        std::lock_guard lock(mutex_);
        if (!waiting_.empty()) {
            next = std::move(waiting_.front().start);  // its place is the one being left
            waiting_.pop_front();
        } else {
            --running_;
            idle = running_ == 0;
        }
    }
    if (next) next();
    if (idle && on_idle_) on_idle_();
}

size_t JobGate::Running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

size_t JobGate::Waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_.size();
}

}  // namespace spark::api
