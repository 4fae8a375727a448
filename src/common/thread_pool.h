#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace spark {

//! A fixed pool of compute workers fed by one FIFO queue. Backtests run here, never on the
//! HTTP IO threads, so a long computation cannot stall accepting or answering other requests.
class ThreadPool {
  public:
    using Task = std::move_only_function<void()>;

    explicit ThreadPool(size_t workers);
    //! Lets running tasks finish and joins; tasks still queued, or submitted from now on, are
    //! discarded. The pool is destroyed after the server stopped, when a queued answer could no
    //! longer be delivered.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    void Submit(Task task);
    size_t Size() const { return threads_.size(); }
    size_t Queued() const;

  private:
    void WorkerLoop();

    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Task> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace spark
