#include "common/thread_pool.h"

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
        task();
    }
}

}  // namespace spark
