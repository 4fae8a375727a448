// The compute pool: lanes taken in turn, and waits that lend their slot (common/thread_pool.h).
#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "common/blocking_wait.h"

namespace spark {
namespace {

using namespace std::chrono_literals;

TEST(ThreadPool, LanesAreTakenInTurnSoAFloodCannotStarveAnother) {
    ThreadPool pool(1, 2);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> holding;
    pool.Submit(0, [&holding, released] {  // holds the only worker while the queues fill
        holding.set_value();
        released.wait();
    });
    holding.get_future().wait();
    std::mutex mutex;
    std::vector<int> order;
    for (int i = 0; i < 10; ++i)
        pool.Submit(1, [&, i] {
            std::lock_guard lock(mutex);
            order.push_back(100 + i);
        });
    for (int i = 0; i < 3; ++i)
        pool.Submit(0, [&, i] {
            std::lock_guard lock(mutex);
            order.push_back(i);
        });
    EXPECT_EQ(pool.Queued(1), 10u);
    EXPECT_EQ(pool.Queued(0), 3u);
    std::promise<void> done;
    pool.Submit(1, [&] { done.set_value(); });
    release.set_value();
    done.get_future().wait();
    // The blocker came from lane 0, so lane 1 goes next; then they alternate while both have work.
    const std::vector<int> expected = {100, 0, 101, 1, 102, 2, 103, 104, 105, 106, 107, 108, 109};
    EXPECT_EQ(order, expected);
}

TEST(ThreadPool, ATaskSubmittedFromATaskJoinsItsLane) {
    ThreadPool pool(1, 2);
    std::promise<void> block;
    std::shared_future<void> blocked = block.get_future().share();
    pool.Submit(1, [&pool, blocked] {
        pool.Submit([] {});  // inherits lane 1
        blocked.wait();
    });
    while (pool.Queued(1) == 0) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(pool.Queued(1), 1u);
    EXPECT_EQ(pool.Queued(0), 0u);
    block.set_value();
}

TEST(ThreadPool, AWaitingTaskLendsItsSlotAndTheOthersStillRun) {
    ThreadPool pool(2, 1);
    std::promise<void> upstream;
    std::shared_future<void> answered = upstream.get_future().share();
    std::atomic<int> waiting{0};
    for (int i = 0; i < 4; ++i) {  // twice as many waits as workers
        pool.Submit([&, answered] {
            const BlockingWait wait;
            ++waiting;
            answered.wait();
        });
    }
    std::promise<void> computed;
    pool.Submit([&] { computed.set_value(); });
    EXPECT_EQ(computed.get_future().wait_for(5s), std::future_status::ready);
    while (waiting.load() < 4) std::this_thread::sleep_for(1ms);
    EXPECT_EQ(pool.Waiting(), 4u);
    EXPECT_GE(pool.Threads(), 5u);
    upstream.set_value();
}

TEST(ThreadPool, NoMoreThanTheWorkersComputeAtOnce) {
    ThreadPool pool(2, 2);
    std::atomic<int> active{0};
    std::atomic<int> peak{0};
    std::vector<std::future<void>> done;
    for (int i = 0; i < 40; ++i) {
        auto finished = std::make_shared<std::promise<void>>();
        done.push_back(finished->get_future());
        pool.Submit(static_cast<size_t>(i % 2), [&, finished] {
            const int now = ++active;
            int seen = peak.load();
            while (now > seen && !peak.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(1ms);
            --active;
            finished->set_value();
        });
    }
    for (auto& f : done) f.wait();
    EXPECT_EQ(peak.load(), 2);
    EXPECT_EQ(pool.Threads(), 2u);  // no wait, no extra thread
}

}  // namespace
}  // namespace spark
