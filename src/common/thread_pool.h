#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/blocking_wait.h"

namespace spark {

//! Compute workers fed by several FIFO queues ("lanes"). Backtests run here, never on the HTTP IO
//! threads, so a long computation cannot stall accepting or answering other requests.
//!
//! Fairness: a free worker takes the next task from the lanes in turn (round robin over the
//! non-empty ones), so a flood in one lane (grid searches) cannot starve another (single runs).
//! A task submitted from a worker joins the lane of the task that submitted it.
//!
//! Waiting is not computing: a task inside a BlockingWait scope gives its slot back, and the pool
//! starts another thread (up to `max_threads`) so that `workers` threads are always outside
//! waits to take queued tasks. A task leaving its wait takes the next free slot before any queued
//! task does, so at most `workers` tasks ever compute at once.
class ThreadPool final : private BlockingWaitListener {
  public:
    using Task = std::move_only_function<void()>;

    //! `max_threads` 0 means workers + 64 (threads parked in upstream waits).
    explicit ThreadPool(size_t workers, size_t lanes = 1, size_t max_threads = 0);
    //! Lets running tasks finish and joins; tasks still queued, or submitted from now on, are
    //! discarded. The pool is destroyed after the server stopped, when a queued answer could no
    //! longer be delivered.
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    //! Into the submitting task's lane on a worker of this pool, else lane 0.
    void Submit(Task task);
    void Submit(size_t lane, Task task);
    //! The compute slots (`workers`), not the threads started for waits.
    size_t Size() const { return workers_; }
    size_t Queued(size_t lane) const;
    //! Threads started so far (compute slots plus those lent to waits); for metrics and tests.
    size_t Threads() const;
    //! Tasks inside a BlockingWait scope right now.
    size_t Waiting() const;
    //! Tasks computing right now (started and not in a wait scope): the busy compute slots.
    size_t Running() const;

  private:
    void StartThreadLocked();
    void FreeSlotLocked();
    void WorkerLoop();
    bool HasQueuedLocked() const;
    void BeginBlockingWait() override;
    void EndBlockingWait() override;

    const size_t workers_;
    const size_t max_threads_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;      //!< a queued task may start
    std::condition_variable slot_free_;  //!< a task back from a wait may compute again
    std::vector<std::deque<Task>> queues_;
    size_t next_lane_ = 0;
    size_t running_ = 0;    //!< tasks computing (started, not in a wait scope)
    size_t waiting_ = 0;    //!< tasks in a wait scope
    size_t returning_ = 0;  //!< tasks out of their wait scope, waiting for a slot
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace spark
