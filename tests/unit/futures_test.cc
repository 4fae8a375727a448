// Perpetual futures on tiny series worked out by hand (docs/futures.md): leverage on isolated
// margin, funding settlements at their exact times, liquidation by Binance's maintenance tiers
// (also inside a bar, on finer bars), and leverage 1 without funding equal to spot to the bit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "common/interval.h"
#include "engine/backtest.h"
#include "engine/intrabar_path.h"
#include "engine/margin.h"
#include "strategy/strategy_registry.h"
#include "support/scripted_strategy.h"

namespace spark {
namespace {

constexpr double kPeriods = 8760;
constexpr Signal B = Signal::kBullish;
constexpr Signal S = Signal::kBearish;
constexpr Signal N = Signal::kNone;

using testing::Bar;
using testing::Scripted;

int64_t HourOpen(int64_t i) { return testing::kTestEpochMs + i * kMillisPerHour; }

//! No fees, BTCUSDT's tiers, `leverage`, the given settlements.
BacktestOptions Futures(double leverage, const std::vector<FundingRate>& funding) {
    BacktestOptions o;
    o.fee_bps = 0;
    o.timeframe = Interval::Parse("1h");
    o.futures = FuturesTerms{.leverage = leverage,
                             .tiers = BinanceMaintenanceTiers("BTCUSDT"),
                             .maintenance_rate = std::nullopt,
                             .funding = funding};
    return o;
}

constexpr double kNoMark = std::numeric_limits<double>::quiet_NaN();

TEST(Futures, ATenTimesLongPaysThreeFundingsAndIsClosed) {
    // Equity 10,000 at 10x: notional 100,000 at the fill of 100, so 1,000 contracts on a margin
    // of 10,000. BTCUSDT's second tier (50k < notional <= 250k): rate 0.5 %, amount 50.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 101, 99, 100),
                                      Bar(2, 101, 102, 100, 102), Bar(3, 102, 103, 101, 103),
                                      Bar(4, 103, 104, 102, 104), Bar(5, 105, 105, 105, 105)};
    const std::vector<FundingRate> funding = {
        {HourOpen(2), 0.0001, 101},      // pays 1,000 x 101 x 0.0001 = 10.1
        {HourOpen(3), 0.0002, kNoMark},  // no mark: bar 2's close, 102: pays 20.4
        {HourOpen(4), -0.0001, 103},     // negative: the long receives 10.3
    };
    const auto r = RunBacktest(bars, Scripted({B, N, N, N, S}), Futures(10, funding), kPeriods);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->trades.size(), 1u);
    const Trade& t = r->trades[0];
    EXPECT_DOUBLE_EQ(t.quantity, 1000);
    EXPECT_DOUBLE_EQ(t.entry_price, 100);
    EXPECT_DOUBLE_EQ(t.exit_price, 105);
    EXPECT_NEAR(t.funding, 20.2, 1e-9);
    EXPECT_NEAR(t.pnl, 5000 - 20.2, 1e-9);           // (105 - 100) x 1,000 less the funding
    EXPECT_NEAR(t.return_fraction, 0.49798, 1e-12);  // on the margin of 10,000
    // (100,000 - margin 9,979.8 - 50) / (1,000 x (1 - 0.005))
    EXPECT_NEAR(t.liquidation_price, 89970.2 / 995, 1e-9);
    EXPECT_EQ(t.exit_reason, ExitReason::kSignal);
    EXPECT_NEAR(r->metrics.total_funding, 20.2, 1e-9);
    // The equity curve takes each settlement at its bar: bar 2 closes 2 up on 1,000, less 10.1.
    EXPECT_NEAR(r->equity[1], 10000, 1e-9);
    EXPECT_NEAR(r->equity[2], 10000 - 10.1 + 2000, 1e-9);
    EXPECT_NEAR(r->equity[3], 10000 - 30.5 + 3000, 1e-9);
    EXPECT_NEAR(r->equity[4], 10000 - 20.2 + 4000, 1e-9);
    EXPECT_NEAR(r->equity[5], 10000 - 20.2 + 5000, 1e-9);
    EXPECT_NEAR(r->metrics.final_equity, 14979.8, 1e-9);
}

TEST(Futures, FundingAtAFillsTimeIsSettledBeforeTheFill) {
    // Settlement at bar 2's open. A long filled at that open does not pay it; a long closed at
    // that open does (it was held at the settlement time).
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100),
                                      Bar(2, 100, 100, 100, 100), Bar(3, 100, 100, 100, 100),
                                      Bar(4, 100, 100, 100, 100)};
    const std::vector<FundingRate> funding = {{HourOpen(2), 0.001, 100}};
    const BacktestOptions o = Futures(2, funding);
    {
        const auto r = RunBacktest(bars, Scripted({N, B, N, S}), o, kPeriods);  // in at bar 2's open
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].entry_bar, 2);
        EXPECT_DOUBLE_EQ(r->trades[0].funding, 0);
    }
    {
        const auto r = RunBacktest(bars, Scripted({B, S}), o, kPeriods);  // out at bar 2's open
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].exit_bar, 2);
        // 2x on 10,000 at 100: 200 contracts; 200 x 100 x 0.001
        EXPECT_DOUBLE_EQ(r->trades[0].funding, 20);
        EXPECT_DOUBLE_EQ(r->metrics.final_equity, 10000 - 20);
    }
}

TEST(Futures, FundingInsideABarIsSettledAtItsCloseOnThePositionThen) {
    // Settlement at 02:30, inside bar 2: a long filled at bar 2's open (02:00) holds it at 02:30;
    // one closed at that open does not.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100),
                                      Bar(2, 100, 100, 100, 110), Bar(3, 110, 110, 110, 110),
                                      Bar(4, 110, 110, 110, 110)};
    const std::vector<FundingRate> funding = {{HourOpen(2) + 30 * 60'000, 0.001, kNoMark}};
    const BacktestOptions o = Futures(2, funding);
    {
        const auto r = RunBacktest(bars, Scripted({N, B, N, S}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        // No mark: bar 2's close, 110. 200 contracts x 110 x 0.001
        EXPECT_DOUBLE_EQ(r->trades[0].funding, 22);
    }
    {
        const auto r = RunBacktest(bars, Scripted({B, S}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_DOUBLE_EQ(r->trades[0].funding, 0);
    }
}

TEST(Futures, AShortReceivesPositiveFundingAndTheIntervalIsWhateverTheHistorySays) {
    // Every 8 hours, then every 4: a short through all of it takes each settlement, at the times
    // the history gives.
    std::vector<Candle> bars;
    for (int64_t i = 0; i <= 26; ++i) bars.push_back(Bar(i, 100, 100, 100, 100));
    const std::vector<FundingRate> funding = {
        {HourOpen(0), 0.001, 100},    // before the fill: not the short's
        {HourOpen(8), 0.001, 100},    // +20 (200 contracts at 2x)
        {HourOpen(16), 0.001, 100},   // +20
        {HourOpen(20), -0.002, 100},  // 4h from here: pays 40
        {HourOpen(24), 0.0005, 100},  // +10
    };
    BacktestOptions o = Futures(2, funding);
    o.allow_short = true;
    std::vector<Signal> signals(26, N);
    signals[0] = S;
    const auto r = RunBacktest(bars, Scripted(signals), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_TRUE(r->trades[0].open);
    EXPECT_DOUBLE_EQ(r->trades[0].funding, -20 - 20 + 40 - 10);
    EXPECT_DOUBLE_EQ(r->metrics.total_funding, -10);
    EXPECT_DOUBLE_EQ(r->equity[19], 10040);
    EXPECT_DOUBLE_EQ(r->equity[20], 10000);
    EXPECT_DOUBLE_EQ(r->metrics.final_equity, 10010);
}

//! Two 30-minute bars inside each hourly bar of `hours`, the second hour's replaced by `inside`.
std::vector<Candle> HalfHours(const std::vector<Candle>& hours, size_t hour, const std::vector<Candle>& inside) {
    std::vector<Candle> out;
    for (size_t h = 0; h < hours.size(); ++h) {
        if (h == hour) {
            out.insert(out.end(), inside.begin(), inside.end());
            continue;
        }
        const Candle& c = hours[h];
        out.push_back({c.open_time_ms, c.open, c.open, c.open, c.open, 1});
        out.push_back({c.open_time_ms + 30 * 60'000, c.open, c.high, c.low, c.close, 1});
    }
    return out;
}

TEST(Futures, ATwentyTimesShortIsLiquidatedInsideTheBarWhenTheRiseComesFirst) {
    // Half the equity at 20x: margin 5,000, notional 100,000, 1,000 contracts short at 100. Tier 2:
    // liquidation at (100,000 + 5,000 + 50) / (1,000 x 1.005) = 104.527...; target 3 % = 97.
    const double liquidation = 105050.0 / 1005.0;
    const std::vector<Candle> hours = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 101, 99, 100), Bar(2, 100, 106, 96, 98),
                                       Bar(3, 98, 98, 98, 98)};
    BacktestOptions o = Futures(20, {});
    o.allow_short = true;
    o.sizing.value = 0.5;
    o.take_profit_pct = 0.03;
    const Interval hour = *Interval::Parse("1h");
    const Interval half = *Interval::Parse("30m");
    const int64_t h2 = HourOpen(2);
    {
        // On the hour's own prices both are inside: the adverse one is taken first.
        const auto r = RunBacktest(hours, Scripted({S}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kLiquidation);
    }
    {
        // The rise comes first: liquidated in the first half hour, the whole margin lost.
        const std::vector<Candle> fine =
            HalfHours(hours, 2, {{h2, 100, 106, 100, 105, 1}, {h2 + 1'800'000, 105, 105, 96, 98, 1}});
        const IntrabarPath path(fine, hour, half);
        o.intrabar = &path;
        const auto r = RunBacktest(hours, Scripted({S}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        const Trade& t = r->trades[0];
        EXPECT_EQ(t.exit_reason, ExitReason::kLiquidation);
        EXPECT_EQ(t.exit_bar, 2);
        EXPECT_NEAR(t.exit_price, liquidation, 1e-9);
        EXPECT_NEAR(t.liquidation_price, liquidation, 1e-9);
        EXPECT_DOUBLE_EQ(t.pnl, -5000);
        EXPECT_DOUBLE_EQ(t.return_fraction, -1);
        EXPECT_DOUBLE_EQ(r->metrics.final_equity, 5000);
    }
    {
        // The fall comes first: the target at 97 is reached before the rise.
        const std::vector<Candle> fine =
            HalfHours(hours, 2, {{h2, 100, 100, 96, 97, 1}, {h2 + 1'800'000, 97, 106, 97, 98, 1}});
        const IntrabarPath path(fine, hour, half);
        o.intrabar = &path;
        const auto r = RunBacktest(hours, Scripted({S}), o, kPeriods);
        ASSERT_EQ(r->trades.size(), 1u);
        EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kTakeProfit);
        EXPECT_DOUBLE_EQ(r->trades[0].exit_price, 97);
        EXPECT_DOUBLE_EQ(r->metrics.final_equity, 13000);
    }
}

TEST(Futures, AStopTighterThanTheLiquidationPriceIsReachedFirst) {
    // 10x long of the whole equity at 100: 1,000 contracts, margin 10,000, liquidation at
    // (100,000 - 10,000 - 50) / 995 = 90.40...; a 5 % stop (95) is tighter and fills first.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 85, 86), Bar(2, 86, 86, 86, 86)};
    BacktestOptions o = Futures(10, {});
    o.stop_loss_pct = 0.05;
    const auto stopped = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(stopped->trades.size(), 1u);
    EXPECT_EQ(stopped->trades[0].exit_reason, ExitReason::kStopLoss);
    EXPECT_DOUBLE_EQ(stopped->trades[0].exit_price, 95);
    EXPECT_DOUBLE_EQ(stopped->metrics.final_equity, 5000);
    // Without the stop the same bar liquidates: the margin, the whole equity here, is gone and
    // nothing more is traded.
    o.stop_loss_pct.reset();
    const auto liquidated = RunBacktest(bars, Scripted({B, B}), o, kPeriods);  // the second never fills
    ASSERT_EQ(liquidated->trades.size(), 1u);
    EXPECT_EQ(liquidated->trades[0].exit_reason, ExitReason::kLiquidation);
    EXPECT_NEAR(liquidated->trades[0].exit_price, 89950.0 / 995.0, 1e-9);
    EXPECT_DOUBLE_EQ(liquidated->metrics.final_equity, 0);
}

TEST(Futures, ABarOpeningBeyondTheLiquidationPriceLiquidatesAtIt) {
    // The gap passes both the stop and the liquidation price: liquidation, the margin lost, not
    // a stop filled at the open below it.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 99, 99), Bar(2, 80, 81, 79, 80)};
    BacktestOptions o = Futures(10, {});
    o.sizing.value = 0.5;  // margin 5,000, 500 contracts, notional 50,000: tier 1 (0.4 %, 0)
    o.stop_loss_pct = 0.05;
    const auto r = RunBacktest(bars, Scripted({B}), o, kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kLiquidation);
    EXPECT_NEAR(r->trades[0].exit_price, 45000.0 / 498.0, 1e-9);
    EXPECT_DOUBLE_EQ(r->metrics.final_equity, 5000);
}

TEST(Futures, FundingPaidMovesTheLiquidationPrice) {
    // 1,000 contracts at 10x, margin 10,000: a 1 % funding at 100 takes 1,000 of it, so the
    // liquidation price rises from 90.40 to (100,000 - 9,000 - 50) / 995 = 91.41.
    const std::vector<Candle> bars = {Bar(0, 100, 100, 100, 100), Bar(1, 100, 100, 100, 100), Bar(2, 100, 100, 91, 95),
                                      Bar(3, 95, 95, 95, 95)};
    const auto r = RunBacktest(bars, Scripted({B}), Futures(10, {{HourOpen(2), 0.01, 100}}), kPeriods);
    ASSERT_EQ(r->trades.size(), 1u);
    EXPECT_EQ(r->trades[0].exit_reason, ExitReason::kLiquidation);
    EXPECT_NEAR(r->trades[0].exit_price, 90950.0 / 995.0, 1e-9);
    EXPECT_DOUBLE_EQ(r->trades[0].funding, 1000);
    EXPECT_DOUBLE_EQ(r->trades[0].pnl, -10000);
}

TEST(Futures, LeverageOneWithoutFundingEqualsSpotToTheBit) {
    const std::vector<Candle> bars = testing::LoadSampleBars("BTCUSDT-1h", *Interval::Parse("1h"));
    ASSERT_GT(bars.size(), 17000u);
    std::vector<FundingRate> zero;
    for (const Candle& c : bars) {
        if (c.open_time_ms % (8 * kMillisPerHour) == 0) zero.push_back({c.open_time_ms, 0.0, c.open});
    }
    const StrategyRegistry& registry = StrategyRegistry::BuiltIn();
    const auto params = registry.Resolve("sma_cross", {{"fast", 10}, {"slow", 30}});
    ASSERT_TRUE(params.has_value());
    const auto strategy = registry.Create("sma_cross", *params);
    for (const bool shorts : {false, true}) {
        BacktestOptions spot;
        spot.timeframe = Interval::Parse("1h");
        spot.allow_short = shorts;
        spot.stop_loss_pct = 0.05;
        BacktestOptions futures = spot;
        futures.futures = FuturesTerms{.leverage = 1,
                                       .tiers = BinanceMaintenanceTiers("BTCUSDT"),
                                       .maintenance_rate = std::nullopt,
                                       .funding = zero};
        const auto a = RunBacktest(bars, *strategy, spot, kPeriods);
        const auto b = RunBacktest(bars, *strategy, futures, kPeriods);
        ASSERT_TRUE(a && b);
        ASSERT_GT(a->trades.size(), 100u);
        ASSERT_EQ(a->trades.size(), b->trades.size());
        for (size_t i = 0; i < a->trades.size(); ++i) {
            EXPECT_EQ(a->trades[i].exit_reason, b->trades[i].exit_reason) << i;
            EXPECT_EQ(a->trades[i].quantity, b->trades[i].quantity) << i;
            EXPECT_EQ(a->trades[i].pnl, b->trades[i].pnl) << i;
            EXPECT_EQ(a->trades[i].return_fraction, b->trades[i].return_fraction) << i;
        }
        EXPECT_EQ(a->equity, b->equity);
        EXPECT_EQ(a->metrics.sharpe, b->metrics.sharpe);
        EXPECT_EQ(a->metrics.final_equity, b->metrics.final_equity);
        EXPECT_EQ(b->metrics.total_funding, 0);
    }
}

TEST(Futures, BinanceTiersKeepTheMaintenanceMarginContinuousAtEveryCap) {
    // The published amounts follow from the rates: at each cap both tiers ask the same margin.
    for (const char* symbol : {"BTCUSDT", "ETHUSDT"}) {
        const auto tiers = BinanceMaintenanceTiers(symbol);
        ASSERT_GE(tiers.size(), 8u) << symbol;
        EXPECT_EQ(tiers[0].amount, 0);
        for (size_t i = 1; i < tiers.size(); ++i) {
            const double cap = tiers[i - 1].notional_cap;
            EXPECT_NEAR(cap * tiers[i - 1].rate - tiers[i - 1].amount, cap * tiers[i].rate - tiers[i].amount, 1e-6)
                << symbol << " tier " << i + 1;
            EXPECT_LT(tiers[i].max_leverage, tiers[i - 1].max_leverage);
        }
    }
    EXPECT_TRUE(BinanceMaintenanceTiers("SOLUSDT").empty());
}

TEST(Futures, TheLiquidationPriceIsWhereTheMarginMeetsTheMaintenanceMargin) {
    const MaintenanceTier tier{.notional_cap = 250'000, .max_leverage = 100, .rate = 0.005, .amount = 50};
    for (const Side side : {Side::kLong, Side::kShort}) {
        const double quantity = 2.5;
        const double entry = 40'000;
        const double margin = quantity * entry / 20;
        const auto price = LiquidationPrice(side, quantity, entry, margin, tier);
        ASSERT_TRUE(price.has_value());
        const double direction = side == Side::kLong ? 1 : -1;
        const double balance = margin + direction * quantity * (*price - entry);
        EXPECT_NEAR(balance, quantity * *price * tier.rate - tier.amount, 1e-6);
    }
    // A long on leverage 1 cannot be liquidated at any positive price.
    EXPECT_FALSE(LiquidationPrice(Side::kLong, 1, 100, 100, tier).has_value());
}

}  // namespace
}  // namespace spark
