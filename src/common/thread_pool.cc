#include "common/thread_pool.h"

#include <cstdio>
#include <exception>

namespace spark {

ThreadPool::ThreadPool(size_t workers) {
    threads_.reserve(workers);
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
}

void ThreadPool::Submit(Task task) {
    {
        std::lock_guard lock(mutex_);
        // Shutting down: work that would requeue itself (grid-search lanes) is dropped.
        if (stopping_) return;
        queue_.push_back(std::move(task));
    }
    ready_.notify_one();
}

size_t ThreadPool::Queued() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

void ThreadPool::WorkerLoop() {
    for (;;) {
        Task task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            task();
        } catch (const std::exception& e) {
            // A task must report its own failures; one that escapes must not end the process.
            std::fprintf(stderr, "spark-executor: a compute task failed: %s\n", e.what());
        } catch (...) {
            std::fprintf(stderr, "spark-executor: a compute task failed\n");
        }
    }
}

}  // namespace spark
