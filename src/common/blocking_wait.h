#pragma once

namespace spark {

//! Told when a thread it owns starts and stops waiting on something outside the process.
class BlockingWaitListener {
  public:
    virtual void BeginBlockingWait() = 0;
    virtual void EndBlockingWait() = 0;

  protected:
    ~BlockingWaitListener() = default;
};

//! Marks the current thread, for the scope's lifetime, as waiting on the outside world (an
//! upstream answer, its retry back-off, its rate-limit window, another request's fetch). On a
//! ThreadPool worker the pool lends the worker's compute slot to another thread meanwhile, so a
//! slow upstream never holds a compute worker while cached requests queue behind it (the managed
//! blocking of Java's ForkJoinPool). Elsewhere it does nothing. Scopes nest; only the outermost
//! one counts.
class BlockingWait {
  public:
    BlockingWait();
    ~BlockingWait();
    BlockingWait(const BlockingWait&) = delete;
    BlockingWait& operator=(const BlockingWait&) = delete;

    //! The listener for the calling thread (null for threads no pool owns); set by ThreadPool.
    static void SetListenerForThisThread(BlockingWaitListener* listener);

  private:
    bool outermost_ = false;
};

}  // namespace spark
