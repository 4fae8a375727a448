#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace spark::api {

//! Admission for the heavy job routes (optimize, walk-forward, portfolio): at most `max_running`
//! hold the gate at once; the next `max_waiting` wait in arrival order; beyond that a request is
//! refused (503 QUEUE_FULL). Without it a flood starts every job at once, each holding its bars
//! and series while its lanes interleave with everyone else's: memory grows with the flood
//! instead of with the workers. When the last job leaves, `on_idle` runs (the server gives freed
//! memory back to the system there).
class JobGate {
  public:
    JobGate(size_t max_running, size_t max_waiting, std::function<void()> on_idle = {})
        : max_running_(max_running), max_waiting_(max_waiting), on_idle_(std::move(on_idle)) {}

    //! Calls `start` now (on this thread) when a place is free, or later from Leave(); false
    //! when the waiting line is full (`start` is then dropped). `refuse` is called instead of
    //! `start` if the gate is closed (shutdown) while the job waits.
    bool Enter(std::function<void()> start, std::function<void()> refuse = {});
    //! Shutdown: refuses every waiting job, and any that tries to enter from now on.
    void Close();
    //! A job that entered has answered: its place goes to the first waiting one.
    void Leave();
    size_t Running() const;
    size_t Waiting() const;

  private:
    const size_t max_running_;
    const size_t max_waiting_;
    const std::function<void()> on_idle_;
    mutable std::mutex mutex_;
    size_t running_ = 0;
    struct Queued {
        std::function<void()> start;
        std::function<void()> refuse;
    };
    std::deque<Queued> waiting_;
    bool closed_ = false;
};

}  // namespace spark::api
