#include "strategy/series_context.h"

#include <optional>

#include "indicators/atr.h"
#include "indicators/bollinger.h"
#include "indicators/donchian.h"
#include "indicators/ema.h"
#include "indicators/macd.h"
#include "indicators/rsi.h"
#include "indicators/sma.h"
#include "model/resample.h"

namespace spark {

SeriesContext::SeriesContext(std::span<const Candle> bars, size_t trading_start, std::optional<Interval> timeframe)
    : bars_(bars), trading_start_(trading_start), timeframe_(timeframe), closes_(bars.size()) {
    for (size_t t = 0; t < bars.size(); ++t) closes_[t] = bars[t].close;
}

const SeriesContext* SeriesContext::Higher(const Interval& coarser) const {
    if (!timeframe_ || !timeframe_->Divides(coarser)) return nullptr;
    std::lock_guard lock(mutex_);
    const auto it = higher_.find(coarser.Name());
    if (it != higher_.end()) return it->second->context.get();
    auto made = std::make_unique<HigherBars>();
    made->bars = Resample(bars_, coarser);
    if (!made->bars.empty() && !bars_.empty() && made->bars.front().open_time_ms != bars_.front().open_time_ms) {
        made->bars.erase(made->bars.begin());  // the bars start inside it: only part of it is known
    }
    made->context = std::make_unique<SeriesContext>(made->bars, 0, coarser);
    const SeriesContext* context = made->context.get();
    higher_.emplace(std::string(coarser.Name()), std::move(made));
    return context;
}

namespace {

//! The memo behind every series of a context: whoever inserts a key computes its value outside
//! the lock while concurrent askers of the same key wait for it. A computation that throws
//! hands its exception to every asker instead of leaving a broken promise behind.
template <typename Value, typename Map, typename Key, typename Fill>
const Value& GetOrCompute(std::mutex& mutex, Map& cache, const Key& key, Value initial, Fill fill) {
    std::shared_future<std::shared_ptr<const Value>> future;
    std::optional<std::promise<std::shared_ptr<const Value>>> promise;
    {
        std::lock_guard lock(mutex);
        if (const auto it = cache.find(key); it != cache.end()) {
            future = it->second;
        } else {
            promise.emplace();
            future = promise->get_future().share();
            cache.emplace(key, future);
        }
    }
    if (promise) {
        try {
            auto value = std::make_shared<Value>(std::move(initial));
            fill(*value);
            promise->set_value(std::move(value));
        } catch (...) {
            promise->set_exception(std::current_exception());
        }
    }
    return *future.get();
}

}  // namespace

const Series& SeriesContext::Get(const Key& key, Compute compute) const {
    return GetOrCompute(mutex_, cache_, key, Series{}, [&](Series& series) { compute(*this, key, series); });
}

std::span<const double> SeriesContext::Derived(const std::string& key,
                                               const std::function<void(std::vector<double>&)>& compute) const {
    return GetOrCompute(mutex_, derived_, key, std::vector<double>(bars_.size()), compute);
}

size_t SeriesContext::ComputedSeries() const {
    std::lock_guard lock(mutex_);
    return cache_.size() + derived_.size();
}

std::span<const double> SeriesContext::Sma(size_t period) const {
    return Get({Kind::kSma, period},
               [](const SeriesContext& c, const Key& k, Series& s) {
                   s.a.resize(c.closes_.size());
                   indicators::ComputeSma(c.closes_, k.p1, s.a);
               })
        .a;
}

std::span<const double> SeriesContext::Ema(size_t period) const {
    return Get({Kind::kEma, period},
               [](const SeriesContext& c, const Key& k, Series& s) {
                   s.a.resize(c.closes_.size());
                   indicators::ComputeEma(c.closes_, k.p1, s.a);
               })
        .a;
}

std::span<const double> SeriesContext::Rsi(size_t period) const {
    return Get({Kind::kRsi, period},
               [](const SeriesContext& c, const Key& k, Series& s) {
                   s.a.resize(c.closes_.size());
                   indicators::ComputeRsi(c.closes_, k.p1, s.a);
               })
        .a;
}

const Series& SeriesContext::Macd(size_t fast, size_t slow, size_t signal) const {
    return Get({Kind::kMacd, fast, slow, signal}, [](const SeriesContext& c, const Key& k, Series& s) {
        const size_t n = c.closes_.size();
        s.a.resize(n);
        s.b.resize(n);
        s.c.resize(n);  // histogram
        indicators::ComputeMacd(c.closes_, k.p1, k.p2, k.p3, s.a, s.b, s.c);
    });
}

const Series& SeriesContext::Bollinger(size_t period, double k) const {
    return Get({Kind::kBollinger, period, 0, 0, k}, [](const SeriesContext& c, const Key& key, Series& s) {
        const size_t n = c.closes_.size();
        s.a.resize(n);
        s.b.resize(n);
        s.c.resize(n);
        indicators::ComputeBollinger(c.closes_, key.p1, key.k, s.a, s.b, s.c);
    });
}

const Series& SeriesContext::Donchian(size_t period) const {
    return Get({Kind::kDonchian, period}, [](const SeriesContext& c, const Key& k, Series& s) {
        s.a.resize(c.bars_.size());
        s.b.resize(c.bars_.size());
        indicators::ComputeDonchian(c.bars_, k.p1, s.a, s.b);
    });
}

std::span<const double> SeriesContext::Atr(size_t period) const {
    return Get({Kind::kAtr, period},
               [](const SeriesContext& c, const Key& k, Series& s) {
                   s.a.resize(c.bars_.size());
                   indicators::ComputeAtr(c.bars_, k.p1, s.a);
               })
        .a;
}

}  // namespace spark
