#include "analysis/overfitting.h"

#include <cmath>
#include <numbers>

#include "analysis/normal_distribution.h"

namespace spark::analysis {
namespace {

constexpr double kEulerMascheroni = 0.5772156649015329;

}  // namespace

ReturnMoments ComputeReturnMoments(std::span<const double> equity) {
    ReturnMoments m;
    if (equity.size() < 2) return m;
    m.count = static_cast<int64_t>(equity.size() - 1);
    const auto n = static_cast<double>(m.count);
    double sum = 0;
    const auto r = [&](size_t t) { return equity[t - 1] > 0 ? equity[t] / equity[t - 1] - 1.0 : 0.0; };
    for (size_t t = 1; t < equity.size(); ++t) sum += r(t);
    const double mean = sum / n;
    double m2 = 0, m3 = 0, m4 = 0;
    for (size_t t = 1; t < equity.size(); ++t) {
        const double d = r(t) - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    if (m.count < 3 || m2 <= 0) return m;
    const double stdev = std::sqrt(m2 / (n - 1));
    m2 /= n;
    m3 /= n;
    m4 /= n;
    m.sharpe = mean / stdev;
    m.skewness = m3 / std::pow(m2, 1.5);
    m.kurtosis = m4 / (m2 * m2);
    return m;
}

std::optional<double> ProbabilisticSharpeRatio(const ReturnMoments& m, double benchmark) {
    if (!m.sharpe || !m.skewness || !m.kurtosis) return std::nullopt;
    const double sr = *m.sharpe;
    const double radicand = 1.0 - *m.skewness * sr + (*m.kurtosis - 1.0) / 4.0 * sr * sr;
    if (!(radicand > 0)) return std::nullopt;
    const double z = (sr - benchmark) * std::sqrt(static_cast<double>(m.count - 1)) / std::sqrt(radicand);
    return NormalCdf(z);
}

double ExpectedMaxSharpe(int64_t trials, double variance) {
    if (trials < 2 || !(variance > 0)) return 0;
    const auto n = static_cast<double>(trials);
    return std::sqrt(variance) * ((1.0 - kEulerMascheroni) * NormalQuantile(1.0 - 1.0 / n) +
                                  kEulerMascheroni * NormalQuantile(1.0 - 1.0 / (n * std::numbers::e)));
}

OverfittingGuard ComputeOverfittingGuard(std::span<const double> best_equity,
                                         std::span<const std::optional<double>> trial_sharpes) {
    OverfittingGuard g;
    g.moments = ComputeReturnMoments(best_equity);
    g.trials = static_cast<int64_t>(trial_sharpes.size());
    g.psr = ProbabilisticSharpeRatio(g.moments, 0.0);
    bool all_defined = true;
    for (const auto& s : trial_sharpes) all_defined = all_defined && s.has_value();
    if (!all_defined) return g;
    if (trial_sharpes.size() < 2) {
        // One trial: nothing to deflate for.
        g.expected_max_sharpe = 0.0;
        g.dsr = g.psr;
        return g;
    }
    double sum = 0;
    for (const auto& s : trial_sharpes) sum += *s;
    const double mean = sum / static_cast<double>(trial_sharpes.size());
    double squares = 0;
    for (const auto& s : trial_sharpes) squares += (*s - mean) * (*s - mean);
    g.sharpe_variance = squares / static_cast<double>(trial_sharpes.size() - 1);
    g.expected_max_sharpe = ExpectedMaxSharpe(g.trials, *g.sharpe_variance);
    g.dsr = ProbabilisticSharpeRatio(g.moments, *g.expected_max_sharpe);
    return g;
}

}  // namespace spark::analysis
