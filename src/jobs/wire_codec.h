#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "model/candle.h"
#include "research/grid_search.h"

namespace spark::jobs {

//! What travels through Redis between the coordinator and workers, in a fixed little-endian binary
//! form: doubles are copied bit for bit, so a distributed job merges exactly the numbers a local
//! one computes. Each blob starts with a magic and version; anything else is refused.

//! A shard's trials (metrics, per-bar Sharpe ratio, evaluated flag), in combination order.
std::string EncodeTrials(std::span<const research::Trial> trials);
Result<std::vector<research::Trial>> DecodeTrials(std::string_view blob);

//! A series of bars, zlib-compressed (hourly bars compress to about a third).
std::string EncodeSeries(std::span<const Candle> bars);
Result<std::vector<Candle>> DecodeSeries(std::string_view blob);

//! Lower-case hex SHA-256 of `bytes`: the content address of a published series.
std::string Sha256Hex(std::string_view bytes);

}  // namespace spark::jobs
