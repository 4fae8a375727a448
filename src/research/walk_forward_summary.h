#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "research/walk_forward.h"

namespace spark::research {

//! What a walk-forward's folds amount to, computed here so that every consumer (the HTTP answer,
//! jobs, workers, the web app) shares one computation; the api layer only writes it.

//! The out-of-sample runs chained into one account: each fold starts where the previous one
//! ended (a fold with no ranked result stays in cash), with the metrics of the chained curve.
struct StitchedOutOfSample {
    std::vector<double> equity;
    std::vector<int64_t> times;  //!< open time of each point
    std::vector<Trade> trades;
    analysis::Metrics metrics;
};

StitchedOutOfSample StitchOutOfSample(const WalkForwardOutcome& outcome, std::span<const Candle> bars,
                                      double initial_cash, double periods_per_year);

//! The pass/fail decision (docs/walkforward.md): efficiency = the stitched out-of-sample CAGR
//! over the mean in-sample CAGR of the folds that ranked a result, against `threshold`.
struct WalkForwardVerdict {
    bool pass = false;
    std::optional<double> efficiency;  //!< absent when the in-sample mean is not positive
    double threshold = 0;
    std::optional<double> in_sample_cagr;  //!< mean over the folds that chose; absent when none did
    double out_of_sample_cagr = 0;
    size_t folds = 0;
    int64_t folds_at_or_above = 0;  //!< folds whose own efficiency reached the threshold
    std::string reason;             //!< the decision in words
};

WalkForwardVerdict JudgeWalkForward(const WalkForwardOutcome& outcome, double out_of_sample_cagr, double threshold);

//! How the chosen parameters moved from fold to fold.
struct ParameterStability {
    std::string name;
    std::vector<double> by_fold;  //!< the chosen value, fold by fold (folds that chose)
    double mean = 0;
    double stdev = 0;                     //!< sample standard deviation (0 for one fold)
    double coefficient_of_variation = 0;  //!< stdev / |mean|, 0 when the mean is 0
    size_t distinct = 0;
};

struct Stability {
    std::vector<ParameterStability> params;  //!< by name
    std::optional<size_t> most_chosen;       //!< the combination most folds chose (the earliest on ties)
    int64_t most_chosen_folds = 0;
};

Stability ParameterStabilityOf(const WalkForwardOutcome& outcome, const std::vector<ParamValues>& combinations);

}  // namespace spark::research
