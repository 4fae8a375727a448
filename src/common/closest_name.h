#pragma once

#include <span>
#include <string>
#include <string_view>

namespace spark {

//! The candidate closest to `name` by edit distance, when close enough to be a likely typo
//! (at most a third of the name's length, at least 1); empty otherwise. For "did you mean"
//! hints: unknown request fields, rule function and let names.
std::string ClosestName(std::string_view name, std::span<const std::string> candidates);
std::string ClosestName(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace spark
