#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace spark::api {

//! The body of an answer that streams (text/event-stream, Server-Sent Events): whoever holds it
//! pushes events from any thread; the server writes them as they come and ends the answer when
//! the stream is closed, the client goes away, or the server shuts down. A handler answers
//! `HttpResponse r{200, ""}; r.events = stream;` and keeps a copy of `stream` for its producer.
//! All members are safe to call from any thread.
class EventStream {
  public:
    //! Queues `event: <name>\ndata: <data>\n\n`. `data` is meant to be one line (JSON); should it
    //! hold line breaks anyway, each line gets its own `data:` field, which clients join back
    //! with '\n', so a stray line break cannot forge another field or event. Line breaks in
    //! `name` are dropped for the same reason; an empty name leaves the `event:` line out (the
    //! client sees a "message" event). Ignored once the stream is closed or the client is gone.
    void Push(std::string_view name, std::string_view data);
    //! No more events: the answer ends after what is queued. Calling it again does nothing.
    void Close();
    //! Nothing pushed from now on reaches anyone (the client went away, or the server ended the
    //! answer at shutdown): the producer may stop its work. Cheap enough to poll in a loop.
    bool ClientGone() const { return client_gone_.load(std::memory_order_acquire); }

    // For the server:

    //! Replaces `out` with everything queued and empties the queue; false when nothing more will
    //! come (closed, or the client gone) and nothing remained, i.e. the answer may end.
    bool Take(std::string& out);
    //! The server is done with the stream: drops what is queued and the wake callback (so the
    //! stream keeps no reference to the connection), and tells the producer through ClientGone.
    void MarkClientGone();
    //! Lets the server be woken instead of polling: `wake` is called on the pushing thread (never
    //! under the stream's lock, so it may call Take) after a Push that finds the queue empty and
    //! after Close, and at once if something is already waiting. One wake per batch is enough
    //! because the server takes the whole queue each time. Set once, by the server.
    void OnReady(std::function<void()> wake);

  private:
    mutable std::mutex mutex_;
    std::string queued_;  //!< formatted events not yet taken
    bool closed_ = false;
    //! Written under `mutex_`, read without it by producers polling ClientGone.
    std::atomic<bool> client_gone_{false};
    std::function<void()> wake_;
};

}  // namespace spark::api
