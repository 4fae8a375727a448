#include "api/walkforward/walkforward_request.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <span>

#include "api/json/json_fields.h"

namespace spark::api {
namespace {

using nlohmann::json;

constexpr double kMaxThreshold = 100;
constexpr int64_t kMaxWindowBars = 5'000'000;

//! A bar count or a duration of whole minutes, hours, days or weeks.
Result<size_t> ReadWindow(const json& windows, const char* key, const Interval& interval, bool required,
                          size_t fallback) {
    const std::string field = std::string("windows.") + key;
    const auto it = windows.find(key);
    if (it == windows.end()) {
        if (required) return Invalid(field, field + " is required", "MISSING_FIELD");
        return fallback;
    }
    int64_t bars = 0;
    if (it->is_number_integer()) {
        bars = it->get<int64_t>();
    } else if (it->is_string()) {
        const std::string text = it->get<std::string>();
        int64_t amount = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
        const std::string unit(end, text.data() + text.size());
        int64_t unit_ms = 0;
        if (unit == "m") unit_ms = kMillisPerMinute;
        if (unit == "h") unit_ms = kMillisPerHour;
        if (unit == "d") unit_ms = kMillisPerDay;
        if (unit == "w") unit_ms = 7 * kMillisPerDay;
        if (ec != std::errc() || unit_ms == 0 || amount <= 0 || amount > kMaxWindowBars) {
            return Invalid(
                field, fmt::format("{} '{}' must be a bar count or a duration such as 90d, 12h, 2w, 30m", field, text),
                "INVALID_WINDOWS");
        }
        if (interval.IsCalendarMonth()) {
            return Invalid(field,
                           fmt::format("{} must be a bar count for the 1M timeframe (months vary in length)", field),
                           "INVALID_WINDOWS");
        }
        const int64_t duration_ms = amount * unit_ms;
        if (duration_ms % interval.NominalMs() != 0) {
            return Invalid(field, fmt::format("{} '{}' is not a whole number of {} bars", field, text, interval.Name()),
                           "INVALID_WINDOWS");
        }
        bars = duration_ms / interval.NominalMs();
    } else {
        return Invalid(field, fmt::format("{} must be a bar count or a duration string, got {}", field, TypeName(*it)),
                       "WRONG_TYPE");
    }
    if (bars <= 0 || bars > kMaxWindowBars) {
        return Invalid(field, fmt::format("{} must be between 1 and {} bars", field, kMaxWindowBars),
                       "INVALID_WINDOWS");
    }
    return static_cast<size_t>(bars);
}

Result<void> ReadWindows(const json& body, WalkForwardRequest& out) {
    const auto it = body.find("windows");
    if (it == body.end()) return Invalid("windows", "windows is required", "MISSING_FIELD");
    if (!it->is_object()) return Invalid("windows", "windows must be an object", "WRONG_TYPE");
    for (const auto& [key, value] : it->items()) {
        if (key != "inSample" && key != "outOfSample" && key != "step" && key != "mode") {
            return Invalid("windows." + key,
                           fmt::format("unknown field windows.{} (expected inSample, outOfSample, step, mode)", key),
                           "UNKNOWN_FIELD");
        }
    }
    const Interval& interval = out.search.run.interval;
    auto in_sample = ReadWindow(*it, "inSample", interval, true, 0);
    if (!in_sample) return std::unexpected(in_sample.error());
    auto out_of_sample = ReadWindow(*it, "outOfSample", interval, true, 0);
    if (!out_of_sample) return std::unexpected(out_of_sample.error());
    auto step = ReadWindow(*it, "step", interval, false, *out_of_sample);
    if (!step) return std::unexpected(step.error());
    auto mode = ReadString(*it, "mode", false);
    if (!mode) return std::unexpected(mode.error());
    if (*mode == "anchored") {
        out.windows.mode = research::WindowMode::kAnchored;
    } else if (*mode == "rolling" || !it->contains("mode")) {
        out.windows.mode = research::WindowMode::kRolling;
    } else {
        return Invalid("windows.mode", fmt::format("windows.mode '{}' must be rolling or anchored", *mode),
                       "INVALID_WINDOWS");
    }
    out.windows.in_sample = *in_sample;
    out.windows.out_of_sample = *out_of_sample;
    out.windows.step = *step;
    return {};
}

}  // namespace

Result<WalkForwardRequest> ParseWalkForwardRequest(std::string_view body_text, int64_t now_ms) {
    auto parsed = ParseJsonDocument(body_text);
    if (!parsed) return std::unexpected(parsed.error());
    if (!parsed->is_object()) {
        return Invalid("body", fmt::format("the body must be a JSON object, got {}", TypeName(*parsed)), "WRONG_TYPE");
    }
    // The optimize fields are read by the optimize reader from the same document; windows and
    // threshold here. Nothing is copied or re-serialised.
    if (parsed->contains("topN")) {
        return Invalid("topN", "topN does not apply to /backtest/walkforward (each fold keeps its best)",
                       "UNKNOWN_FIELD");
    }
    std::vector<std::string_view> known(OptimizeRequestFields().begin(), OptimizeRequestFields().end());
    known.push_back("windows");
    known.push_back("threshold");
    if (auto ok = CheckKnownFields(*parsed, known); !ok) return std::unexpected(ok.error());
    WalkForwardRequest out;
    auto optimize = ReadOptimizeFields(*parsed, now_ms);
    if (!optimize) return std::unexpected(optimize.error());
    out.search = std::move(*optimize);
    if (auto ok = ReadWindows(*parsed, out); !ok) return std::unexpected(ok.error());
    if (parsed->contains("threshold")) {
        double threshold = 0;
        if (auto ok = ReadNumber(*parsed, "threshold", -kMaxThreshold, kMaxThreshold, false, threshold); !ok) {
            return std::unexpected(ok.error());
        }
        out.threshold = threshold;
    }
    return out;
}

}  // namespace spark::api
