#include "model/resample.h"

#include <algorithm>
#include <cmath>

#include "common/exact_sum.h"

namespace spark {
namespace {

//! Binance quotes volumes with 8 decimals.
constexpr double kVolumeScale = 1e8;
//! Above this, units of 1e-8 are no longer exact in a double: the exact sum is kept as it is.
constexpr double kLargestScaledExact = 9007199254740992.0;  // 2^53

double RoundedVolume(const ExactSum& sum) {
    const double value = sum.Value();
    const double scaled = value * kVolumeScale;
    if (!(std::fabs(scaled) < kLargestScaledExact)) return value;
    // A correctly rounded division of an exact integer by 1e8 is the double nearest the decimal,
    // which is what parsing Binance's own figure gives.
    return std::nearbyint(scaled) / kVolumeScale;
}

}  // namespace

std::vector<Candle> Resample(std::span<const Candle> finer, const Interval& coarser) {
    std::vector<Candle> out;
    size_t i = 0;
    while (i < finer.size()) {
        const int64_t bucket = coarser.AlignDown(finer[i].open_time_ms);
        const int64_t bucket_end = coarser.Next(bucket);
        Candle bar{bucket, finer[i].open, finer[i].high, finer[i].low, finer[i].close, 0};
        ExactSum volume;
        for (; i < finer.size() && finer[i].open_time_ms < bucket_end; ++i) {
            bar.high = std::max(bar.high, finer[i].high);
            bar.low = std::min(bar.low, finer[i].low);
            bar.close = finer[i].close;
            volume.Add(finer[i].volume);
        }
        bar.volume = RoundedVolume(volume);
        out.push_back(bar);
    }
    return out;
}

}  // namespace spark
