#include "common/thread_pool.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <system_error>

namespace spark {
namespace {

constexpr size_t kExtraThreadsForWaits = 64;

//! The pool and lane of the task the calling thread is running, for Submit's inheritance.
thread_local const ThreadPool* t_pool = nullptr;
thread_local size_t t_lane = 0;

}  // namespace

ThreadPool::ThreadPool(size_t workers, size_t lanes, size_t max_threads)
    : workers_(std::max<size_t>(workers, 1)),
      max_threads_(std::max(max_threads == 0 ? workers_ + kExtraThreadsForWaits : max_threads, workers_)),
      queues_(std::max<size_t>(lanes, 1)) {
    std::lock_guard lock(mutex_);
    threads_.reserve(workers_);
    for (size_t i = 0; i < workers_; ++i) StartThreadLocked();
}

ThreadPool::~ThreadPool() {
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        for (auto& queue : queues_) queue.clear();
        threads.swap(threads_);  // no thread is started once stopping_ is set
    }
    ready_.notify_all();
    slot_free_.notify_all();
    for (std::thread& thread : threads) thread.join();
}

void ThreadPool::StartThreadLocked() {
    try {
        threads_.emplace_back([this] { WorkerLoop(); });
    } catch (const std::system_error& e) {
        // Out of threads (a pids limit): the pool goes on with those it has.
        std::fprintf(stderr, "spark-executor: cannot start a compute thread: %s\n", e.what());
    }
}

void ThreadPool::FreeSlotLocked() {
    --running_;
    // A task coming back from a wait has the first claim on a free slot: it holds memory already.
    if (returning_ > 0) {
        slot_free_.notify_one();
    } else {
        ready_.notify_one();
    }
}

void ThreadPool::Submit(Task task) { Submit(t_pool == this ? t_lane : 0, std::move(task)); }

void ThreadPool::Submit(size_t lane, Task task) {
    {
        std::lock_guard lock(mutex_);
        // Shutting down: work that would requeue itself (grid-search lanes) is dropped.
        if (stopping_) return;
        queues_[std::min(lane, queues_.size() - 1)].push_back(std::move(task));
    }
    ready_.notify_one();
}

size_t ThreadPool::Queued(size_t lane) const {
    std::lock_guard lock(mutex_);
    return queues_[std::min(lane, queues_.size() - 1)].size();
}

size_t ThreadPool::Threads() const {
    std::lock_guard lock(mutex_);
    return threads_.size();
}

size_t ThreadPool::Waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
}

size_t ThreadPool::Running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

bool ThreadPool::HasQueuedLocked() const {
    return std::any_of(queues_.begin(), queues_.end(), [](const auto& queue) { return !queue.empty(); });
}

void ThreadPool::BeginBlockingWait() {
    std::lock_guard lock(mutex_);
    ++waiting_;
    FreeSlotLocked();
    // At least `workers_` threads stay outside waits, so a free slot always has a thread to take
    // it: an idle one, or one about to look for work. Threads are added, never removed.
    if (!stopping_ && threads_.size() - waiting_ < workers_ && threads_.size() < max_threads_) StartThreadLocked();
}

void ThreadPool::EndBlockingWait() {
    std::unique_lock lock(mutex_);
    --waiting_;
    ++returning_;
    // Back to computing only when a slot is free: at most `workers_` tasks ever compute at once.
    slot_free_.wait(lock, [this] { return stopping_ || running_ < workers_; });
    --returning_;
    ++running_;
    if (running_ < workers_) {  // another slot is free: the next claimant may take it
        if (returning_ > 0) {
            slot_free_.notify_one();
        } else {
            ready_.notify_one();
        }
    }
}

void ThreadPool::WorkerLoop() {
    BlockingWait::SetListenerForThisThread(this);
    t_pool = this;
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock,
                        [this] { return stopping_ || (running_ < workers_ && returning_ == 0 && HasQueuedLocked()); });
            if (stopping_) return;
            // Round robin over the non-empty lanes.
            for (size_t i = 0; i < queues_.size(); ++i) {
                const size_t lane = (next_lane_ + i) % queues_.size();
                if (queues_[lane].empty()) continue;
                task = std::move(queues_[lane].front());
                queues_[lane].pop_front();
                t_lane = lane;
                next_lane_ = (lane + 1) % queues_.size();
                break;
            }
            ++running_;
        }
        try {
            task();
        } catch (const std::exception& e) {
            // A task must report its own failures; one that escapes must not end the process.
            std::fprintf(stderr, "spark-executor: a compute task failed: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "spark-executor: a compute task failed\n");
        }
        std::lock_guard lock(mutex_);
        FreeSlotLocked();
    }
}

}  // namespace spark
