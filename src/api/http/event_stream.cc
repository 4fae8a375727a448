#include "api/http/event_stream.h"

#include <utility>

namespace spark::api {
namespace {

//! One `data:` field per line of `data` (any of CRLF, LF or CR ends a line, as for the client's
//! parser), so the text arrives whole and cannot end the event early.
void AppendData(std::string& out, std::string_view data) {
    size_t start = 0;
    while (true) {
        const size_t end = data.find_first_of("\r\n", start);
        out += "data: ";
        out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        out += '\n';
        if (end == std::string_view::npos) return;
        start = end + (data[end] == '\r' && end + 1 < data.size() && data[end + 1] == '\n' ? 2 : 1);
    }
}

}  // namespace

void EventStream::Push(std::string_view name, std::string_view data) {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (closed_ || client_gone_.load(std::memory_order_relaxed)) return;
        // A queue that already holds text has a wake on its way (or the server has not taken
        // the first batch yet): the next Take collects this event with the others.
        if (queued_.empty()) wake = wake_;
        if (!name.empty()) {
            queued_ += "event: ";
            for (const char c : name) {
                if (c != '\r' && c != '\n') queued_ += c;
            }
            queued_ += '\n';
        }
        AppendData(queued_, data);
        queued_ += '\n';
    }
    if (wake) wake();
}

void EventStream::Close() {
    std::function<void()> wake;
    {
        std::lock_guard lock(mutex_);
        if (closed_) return;
        closed_ = true;
        if (!client_gone_.load(std::memory_order_relaxed)) wake = wake_;
    }
    if (wake) wake();
}

bool EventStream::Take(std::string& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    // Swapped rather than copied: the queue reuses the buffer of the batch before.
    out.swap(queued_);
    const bool more_may_come = !closed_ && !client_gone_.load(std::memory_order_relaxed);
    return more_may_come || !out.empty();
}

void EventStream::MarkClientGone() {
    std::function<void()> dropped;
    std::string discarded;
    {
        std::lock_guard lock(mutex_);
        client_gone_.store(true, std::memory_order_release);
        dropped.swap(wake_);
        discarded.swap(queued_);
    }
    // Both are destroyed here, outside the lock: the callback may hold the last reference to
    // something whose destructor comes back to this stream.
}

void EventStream::OnReady(std::function<void()> wake) {
    std::function<void()> now;
    {
        std::lock_guard lock(mutex_);
        if (client_gone_.load(std::memory_order_relaxed)) return;
        wake_ = std::move(wake);
        // Whatever was pushed before the server listened woke nobody.
        if (!queued_.empty() || closed_) now = wake_;
    }
    if (now) now();
}

}  // namespace spark::api
