#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace spark::analysis {

//! Moments of per-bar returns that the Sharpe-ratio statistics need.
struct ReturnMoments {
    int64_t count = 0;               //!< n, the number of returns
    std::optional<double> sharpe;    //!< mean / stdev (ddof 1), per bar
    std::optional<double> skewness;  //!< m3 / m2^1.5 (population moments)
    std::optional<double> kurtosis;  //!< m4 / m2² (not excess)
};

//! From an equity curve: returns r_t = E_t / E_{t-1} − 1 for t ≥ 1.
ReturnMoments ComputeReturnMoments(std::span<const double> equity);

//! Probabilistic Sharpe Ratio (Bailey & López de Prado): the probability that the true per-bar
//! Sharpe ratio exceeds `benchmark`, given the sample's length, skewness and kurtosis.
std::optional<double> ProbabilisticSharpeRatio(const ReturnMoments& moments, double benchmark);

//! Expected maximum per-bar Sharpe ratio of `trials` independent strategies of zero skill whose
//! Sharpe ratios have variance `variance`: √V·((1−γ)Φ⁻¹(1−1/N) + γΦ⁻¹(1−1/(N·e))); 0 for N < 2.
double ExpectedMaxSharpe(int64_t trials, double variance);

struct OverfittingGuard {
    ReturnMoments moments;
    int64_t trials = 0;
    //! Sample variance (ddof 1) of the trials' per-bar Sharpe ratios; absent with one trial or
    //! when any trial's Sharpe ratio is undefined (a flat equity curve).
    std::optional<double> sharpe_variance;
    std::optional<double> expected_max_sharpe;  //!< SR₀ (0 with a single trial)
    std::optional<double> psr;                  //!< PSR(0)
    std::optional<double> dsr;                  //!< PSR(SR₀)
};

//! The guard for the best of the trials, given every evaluated trial's per-bar Sharpe ratio.
OverfittingGuard ComputeOverfittingGuard(std::span<const double> best_equity,
                                         std::span<const std::optional<double>> trial_sharpes);

}  // namespace spark::analysis
