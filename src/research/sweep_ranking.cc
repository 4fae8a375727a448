#include "research/sweep_ranking.h"

#include <algorithm>

namespace spark::research {

std::vector<CrossSeriesScore> RankAcrossSeries(std::span<const GridSearchOutcome* const> outcomes, size_t combinations,
                                               Objective objective, int64_t min_trades) {
    std::vector<CrossSeriesScore> scores(combinations);
    std::vector<double> values;
    values.reserve(outcomes.size());
    for (size_t c = 0; c < combinations; ++c) {
        CrossSeriesScore& score = scores[c];
        score.combination = c;
        values.clear();
        for (const GridSearchOutcome* outcome : outcomes) {
            const Trial& trial = outcome->trials[c];
            if (!trial.evaluated) continue;
            if (trial.metrics.total_return > trial.metrics.buy_and_hold_return) ++score.beat_buy_and_hold;
            if (trial.metrics.num_trades >= min_trades) values.push_back(ObjectiveValue(objective, trial.metrics));
        }
        score.series_ranked = static_cast<int64_t>(values.size());
        if (!outcomes.empty()) {
            score.share_beating_buy_and_hold =
                static_cast<double>(score.beat_buy_and_hold) / static_cast<double>(outcomes.size());
        }
        if (values.empty()) continue;
        std::sort(values.begin(), values.end());
        const size_t mid = values.size() / 2;
        score.median_objective = values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
    std::stable_sort(scores.begin(), scores.end(), [](const CrossSeriesScore& a, const CrossSeriesScore& b) {
        if (a.median_objective.has_value() != b.median_objective.has_value()) return a.median_objective.has_value();
        if (a.median_objective && *a.median_objective != *b.median_objective) {
            return *a.median_objective > *b.median_objective;
        }
        return a.share_beating_buy_and_hold > b.share_beating_buy_and_hold;
    });
    return scores;
}

}  // namespace spark::research
