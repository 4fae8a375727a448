#pragma once

#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <utility>

#include "common/blocking_wait.h"

namespace spark {

//! Concurrent calls for the same key share one execution: the first caller runs the work, the
//! others wait for its outcome (as a BlockingWait: their compute slot is lent meanwhile). A leader
//! that throws hands the exception to every waiter and frees the key, so a later call tries again.
template <typename Key, typename Value>
class SingleFlight {
  public:
    template <typename Work>
    Value Do(const Key& key, Work&& work) {
        std::promise<Value> promise;
        std::shared_future<Value> future;
        bool leader = false;
        {
            std::lock_guard lock(mutex_);
            if (const auto it = inflight_.find(key); it != inflight_.end()) {
                future = it->second;
            } else {
                future = promise.get_future().share();
                inflight_.emplace(key, future);
                leader = true;
            }
        }
        if (!leader) {
            const BlockingWait waiting_for_leader;
            return future.get();
        }
        try {
            Value outcome = std::forward<Work>(work)();
            promise.set_value(outcome);
            Forget(key);
            return outcome;
        } catch (...) {
            promise.set_exception(std::current_exception());
            Forget(key);
            throw;
        }
    }

  private:
    void Forget(const Key& key) {
        std::lock_guard lock(mutex_);
        inflight_.erase(key);
    }

    std::mutex mutex_;
    std::map<Key, std::shared_future<Value>> inflight_;
};

}  // namespace spark
