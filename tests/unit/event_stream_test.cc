// The body of a streamed answer (api/http/event_stream.h): the text it queues, what the server
// takes, and when it is woken. The server's side (chunks on a socket) is tested end to end with
// the routes that stream.
#include "api/http/event_stream.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace spark::api {
namespace {

TEST(EventStream, PushQueuesOneEventInTheServerSentEventsFormat) {
    EventStream stream;
    stream.Push("progress", R"({"done":3,"total":10})");
    std::string out;
    EXPECT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "event: progress\ndata: {\"done\":3,\"total\":10}\n\n");
}

TEST(EventStream, TakeReturnsEverythingQueuedInOrderAndEmptiesTheQueue) {
    EventStream stream;
    stream.Push("a", "1");
    stream.Push("b", "2");
    std::string out = "left over from the batch before";
    EXPECT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n");
    // Open and empty: nothing to write yet, but more may come.
    EXPECT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "");
    stream.Push("c", "3");
    EXPECT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "event: c\ndata: 3\n\n");
}

TEST(EventStream, LineBreaksCannotForgeFieldsOrEvents) {
    EventStream stream;
    // Each line of the data gets its own data field (clients join them with '\n'), whatever the
    // line ending; the name loses its line breaks.
    stream.Push("na\r\nme", "one\ntwo\r\nthree\rfour");
    std::string out;
    ASSERT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "event: name\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
    stream.Push("x", "ends with a break\n");
    ASSERT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "event: x\ndata: ends with a break\ndata: \n\n");
}

TEST(EventStream, AnEmptyNameLeavesTheEventLineOut) {
    EventStream stream;
    stream.Push("", "{}");
    stream.Push("named", "");
    std::string out;
    ASSERT_TRUE(stream.Take(out));
    EXPECT_EQ(out, "data: {}\n\nevent: named\ndata: \n\n");
}

TEST(EventStream, CloseEndsTheStreamAfterWhatIsQueued) {
    EventStream stream;
    stream.Push("last", "{}");
    stream.Close();
    stream.Push("too late", "{}");  // ignored
    std::string out;
    EXPECT_TRUE(stream.Take(out));  // the queued event still goes out
    EXPECT_EQ(out, "event: last\ndata: {}\n\n");
    EXPECT_FALSE(stream.Take(out));  // then the answer may end
    EXPECT_EQ(out, "");
    EXPECT_FALSE(stream.Take(out));  // and stays ended
    EXPECT_FALSE(stream.ClientGone());
}

TEST(EventStream, CloseWithNothingQueuedEndsAtOnce) {
    EventStream stream;
    stream.Close();
    stream.Close();
    std::string out;
    EXPECT_FALSE(stream.Take(out));
    EXPECT_EQ(out, "");
}

TEST(EventStream, AGoneClientDropsWhatIsQueuedAndIgnoresPushes) {
    EventStream stream;
    stream.Push("a", "1");
    EXPECT_FALSE(stream.ClientGone());
    stream.MarkClientGone();
    EXPECT_TRUE(stream.ClientGone());
    stream.Push("b", "2");
    std::string out;
    EXPECT_FALSE(stream.Take(out));
    EXPECT_EQ(out, "");
}

TEST(EventStream, WakesOncePerBatchAndOnClose) {
    EventStream stream;
    int wakes = 0;
    stream.OnReady([&wakes] { ++wakes; });
    EXPECT_EQ(wakes, 0);  // nothing waiting yet
    stream.Push("a", "1");
    EXPECT_EQ(wakes, 1);
    stream.Push("b", "2");  // the queue already holds a batch the server will take whole
    EXPECT_EQ(wakes, 1);
    std::string out;
    ASSERT_TRUE(stream.Take(out));
    stream.Push("c", "3");  // a new batch
    EXPECT_EQ(wakes, 2);
    stream.Close();
    EXPECT_EQ(wakes, 3);
    stream.Close();
    EXPECT_EQ(wakes, 3);
}

TEST(EventStream, OnReadyWakesAtOnceForWhatWasPushedBefore) {
    EventStream pushed;
    pushed.Push("early", "{}");
    int wakes = 0;
    pushed.OnReady([&wakes] { ++wakes; });
    EXPECT_EQ(wakes, 1);

    EventStream closed;
    closed.Close();
    wakes = 0;
    closed.OnReady([&wakes] { ++wakes; });
    EXPECT_EQ(wakes, 1);

    EventStream quiet;
    wakes = 0;
    quiet.OnReady([&wakes] { ++wakes; });
    EXPECT_EQ(wakes, 0);
}

TEST(EventStream, AGoneClientIsNoLongerWoken) {
    EventStream stream;
    int wakes = 0;
    stream.OnReady([&wakes] { ++wakes; });
    stream.MarkClientGone();
    stream.Push("a", "1");
    stream.Close();
    EXPECT_EQ(wakes, 0);
}

TEST(EventStream, TheWakeMayTakeAtOnce) {
    // The callback runs outside the stream's lock: a consumer that takes inline must not deadlock.
    EventStream stream;
    std::string taken;
    stream.OnReady([&] {
        std::string out;
        stream.Take(out);
        taken += out;
    });
    stream.Push("a", "1");
    stream.Push("b", "2");  // found the queue empty again: wakes and is taken too
    EXPECT_EQ(taken, "event: a\ndata: 1\n\nevent: b\ndata: 2\n\n");
}

TEST(EventStream, AConsumerWokenAcrossThreadsGetsEveryEventInOrder) {
    EventStream stream;
    std::mutex mutex;
    std::condition_variable ready;
    bool woken = false;
    stream.OnReady([&] {
        std::lock_guard lock(mutex);
        woken = true;
        ready.notify_one();
    });
    constexpr int kEvents = 2000;
    std::thread producer([&stream] {
        for (int i = 0; i < kEvents; ++i) stream.Push("n", std::to_string(i));
        stream.Close();
    });
    std::string received;
    std::string batch;
    // The server's loop: take; after a batch take again; wait for a wake only when nothing was
    // there. The wait has no timeout: a missed wake hangs the test, which is the failure.
    while (true) {
        const bool more = stream.Take(batch);
        received += batch;
        if (!more) break;
        if (!batch.empty()) continue;
        std::unique_lock lock(mutex);
        ready.wait(lock, [&woken] { return woken; });
        woken = false;
    }
    producer.join();
    std::string expected;
    for (int i = 0; i < kEvents; ++i) expected += "event: n\ndata: " + std::to_string(i) + "\n\n";
    EXPECT_EQ(received, expected);
}

}  // namespace
}  // namespace spark::api
