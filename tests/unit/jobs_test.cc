// Jobs' pure parts: the wire codecs, the shard plan and the cross-series ranking, each against
// values worked by hand or computed independently here.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "jobs/shard_plan.h"
#include "jobs/wire_codec.h"
#include "research/sweep_ranking.h"

namespace spark {
namespace {

research::Trial MakeTrial(double total_return, double sharpe, int64_t trades, double buy_and_hold) {
    research::Trial t;
    t.evaluated = true;
    t.metrics.total_return = total_return;
    t.metrics.sharpe = sharpe;
    t.metrics.num_trades = trades;
    t.metrics.buy_and_hold_return = buy_and_hold;
    return t;
}

TEST(WireCodec, TrialsRoundTripBitForBit) {
    std::vector<research::Trial> trials(3);
    trials[0] = MakeTrial(0.1 + 0.2, 1.0 / 3.0, 7, -0.05);
    trials[0].metrics.profit_factor = std::numeric_limits<double>::infinity();
    trials[0].sharpe_per_bar = 1e-300;
    trials[0].metrics.max_drawdown_duration_bars = 123456789012;
    trials[1] = MakeTrial(-0.0, std::nextafter(1.0, 2.0), 0, 0);
    trials[2].evaluated = false;
    const std::string blob = jobs::EncodeTrials(trials);
    Result<std::vector<research::Trial>> back = jobs::DecodeTrials(blob);
    ASSERT_TRUE(back) << back.error().message;
    ASSERT_EQ(back->size(), 3u);
    EXPECT_EQ((*back)[0].metrics.total_return, 0.1 + 0.2);
    EXPECT_EQ((*back)[0].metrics.sharpe, 1.0 / 3.0);
    EXPECT_EQ((*back)[0].metrics.profit_factor, std::numeric_limits<double>::infinity());
    EXPECT_EQ((*back)[0].sharpe_per_bar, 1e-300);
    EXPECT_EQ((*back)[0].metrics.max_drawdown_duration_bars, 123456789012);
    EXPECT_EQ((*back)[0].metrics.num_trades, 7);
    EXPECT_TRUE(std::signbit((*back)[1].metrics.total_return));
    EXPECT_EQ((*back)[1].metrics.sharpe, std::nextafter(1.0, 2.0));
    EXPECT_FALSE((*back)[1].metrics.profit_factor.has_value());
    EXPECT_FALSE((*back)[1].sharpe_per_bar.has_value());
    EXPECT_FALSE((*back)[2].evaluated);
    // Truncated or foreign bytes are refused, never half-read.
    EXPECT_FALSE(jobs::DecodeTrials(blob.substr(0, blob.size() - 1)));
    EXPECT_FALSE(jobs::DecodeTrials("not a blob at all"));
}

TEST(WireCodec, SeriesRoundTripAndContentAddress) {
    std::vector<Candle> bars;
    for (int i = 0; i < 1000; ++i) {
        bars.push_back(
            {1'600'000'000'000 + i * 3'600'000LL, 100.0 + i, 101.5 + i, 99.25 + i, 100.75 + i, 1e3 / (i + 1)});
    }
    const std::string blob = jobs::EncodeSeries(bars);
    EXPECT_LT(blob.size(), bars.size() * sizeof(Candle));
    Result<std::vector<Candle>> back = jobs::DecodeSeries(blob);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, bars);
    // The SHA-256 of "abc" (FIPS 180-2, appendix B.1).
    EXPECT_EQ(jobs::Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(jobs::Sha256Hex(blob), jobs::Sha256Hex(jobs::EncodeSeries(bars)));
    std::string damaged = blob;
    damaged[damaged.size() / 2] ^= 0x5a;
    EXPECT_FALSE(jobs::DecodeSeries(damaged) && *jobs::DecodeSeries(damaged) == bars);
}

TEST(ShardPlan, CoversEveryCombinationOfEverySeriesOnce) {
    const std::vector<uint64_t> bars = {1000, 250, 1};
    const std::vector<jobs::Shard> shards = jobs::PlanShards(bars, 45, 10'000);
    // 10,000 bars per shard: 10 combinations of the first series, 40 of the second, all 45 of the third.
    ASSERT_EQ(shards.size(), 5u + 2u + 1u);
    EXPECT_EQ(shards[0].begin, 0u);
    EXPECT_EQ(shards[0].end, 10u);
    EXPECT_EQ(shards[4].begin, 40u);
    EXPECT_EQ(shards[4].end, 45u);
    EXPECT_EQ(shards[5].series, 1u);
    EXPECT_EQ(shards[5].end, 40u);
    EXPECT_EQ(shards[7].series, 2u);
    EXPECT_EQ(shards[7].Runs(), 45u);
    std::vector<int> seen(3 * 45, 0);
    for (const jobs::Shard& s : shards) {
        for (uint64_t c = s.begin; c < s.end; ++c) seen[s.series * 45 + c]++;
    }
    for (int count : seen) EXPECT_EQ(count, 1);
    EXPECT_EQ(shards[3].Key(), "0:30:40");
    // A series longer than a shard's budget still gets one combination per shard.
    EXPECT_EQ(jobs::PlanShards(std::vector<uint64_t>{50'000}, 3, 10'000).size(), 3u);
}

TEST(SweepRanking, MedianAndShareBeatingBuyAndHoldByHand) {
    // Three series, three parameter sets; objective sharpe, minTrades 2.
    research::GridSearchOutcome a, b, c;
    a.trials = {MakeTrial(0.10, 1.0, 5, 0.05), MakeTrial(0.30, 2.0, 5, 0.05), MakeTrial(0.0, 9.0, 1, 0.05)};
    b.trials = {MakeTrial(0.20, 3.0, 5, 0.25), MakeTrial(-0.1, 0.5, 5, 0.25), MakeTrial(0.0, 9.0, 1, 0.25)};
    c.trials = {MakeTrial(0.05, 2.0, 5, 0.00), MakeTrial(0.01, 1.0, 5, 0.00), MakeTrial(0.0, 9.0, 1, 0.00)};
    const research::GridSearchOutcome* outcomes[] = {&a, &b, &c};
    const auto ranking = research::RankAcrossSeries(outcomes, 3, research::Objective::kSharpe, 2);
    ASSERT_EQ(ranking.size(), 3u);
    // Set 0: sharpes {1, 3, 2} -> median 2; beats buy-and-hold on a and c (0.20 < 0.25 on b).
    EXPECT_EQ(ranking[0].combination, 0u);
    EXPECT_EQ(*ranking[0].median_objective, 2.0);
    EXPECT_EQ(ranking[0].beat_buy_and_hold, 2);
    EXPECT_DOUBLE_EQ(ranking[0].share_beating_buy_and_hold, 2.0 / 3.0);
    // Set 1: sharpes {2, 0.5, 1} -> median 1.
    EXPECT_EQ(ranking[1].combination, 1u);
    EXPECT_EQ(*ranking[1].median_objective, 1.0);
    // Set 2 never reaches minTrades: last, without a median, whatever its Sharpe.
    EXPECT_EQ(ranking[2].combination, 2u);
    EXPECT_FALSE(ranking[2].median_objective.has_value());
    EXPECT_EQ(ranking[2].series_ranked, 0);
}

TEST(SweepRanking, EvenCountTakesTheMeanOfTheMiddleTwoAndTiesGoToTheShare) {
    research::GridSearchOutcome a, b;
    a.trials = {MakeTrial(0.0, 1.0, 5, 0.5), MakeTrial(0.9, 2.0, 5, 0.5)};
    b.trials = {MakeTrial(0.0, 3.0, 5, 0.5), MakeTrial(0.9, 2.0, 5, 0.5)};
    const research::GridSearchOutcome* outcomes[] = {&a, &b};
    const auto ranking = research::RankAcrossSeries(outcomes, 2, research::Objective::kSharpe, 1);
    // Both medians are 2: set 1 beats buy-and-hold on both series, set 0 on none.
    EXPECT_EQ(ranking[0].combination, 1u);
    EXPECT_EQ(*ranking[0].median_objective, 2.0);
    EXPECT_EQ(*ranking[1].median_objective, 2.0);
    EXPECT_EQ(ranking[1].share_beating_buy_and_hold, 0.0);
}

}  // namespace
}  // namespace spark
