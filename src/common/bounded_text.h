#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace spark {

//! Untrusted text is bounded before anything recursive or echoing touches it: a document nested
//! deeper than a limit is refused before a JSON library builds (and later copies or prints) it
//! recursively, and input quoted back in an error message is cut to a readable length.

//! The deepest nesting of JSON arrays and objects a request, an upstream answer or a file may use.
inline constexpr size_t kMaxJsonDepth = 64;

//! The byte offset where `text` first opens an array or object deeper than `max_depth`, or none.
//! Brackets inside strings (escapes included) do not count. The scan is iterative and linear,
//! and it does not validate the JSON: the parser that runs next does.
std::optional<size_t> FindJsonDepthExcess(std::string_view text, size_t max_depth = kMaxJsonDepth);

//! How much of a user's input an error message quotes back.
inline constexpr size_t kMaxEchoBytes = 64;

//! `text` itself when it has at most `max_bytes` bytes; otherwise its first bytes (never cutting a
//! UTF-8 sequence) followed by "…(N bytes)", N being the full size.
std::string TruncateForEcho(std::string_view text, size_t max_bytes = kMaxEchoBytes);

}  // namespace spark
