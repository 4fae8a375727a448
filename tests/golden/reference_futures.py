#!/usr/bin/env python3
"""Independent reference for USD-M perpetual futures (standard library only).

Implements docs/futures.md (leverage, isolated margin, BTCUSDT maintenance tiers, Binance's
liquidation price, funding settlements from Binance's /fapi/v1/fundingRate history) on top of
design/SEMANTICS.md, docs/strategies.md and the conventions of tests/golden/README.md, for
fill "next_open", fraction sizing (positionSize), allowShort, stopLossPct / takeProfitPct and
slippage. Written from the documentation alone, without the C++ sources. Plain code over
speed: the simulation walks bar by bar, sums are math.fsum.

Usage:
  reference_futures.py --data-dir tests/data/futures --out-dir tests/golden/futures   # all cases
  reference_futures.py --data-dir tests/data/futures --start 2024-01-05 --end 2024-02-25 \
      --params '{"fast":5,"slow":20}' --leverage 10 --allow-short [--no-funding] ...  # one run
"""
import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_backtest import load_bars, metrics  # noqa: E402  (shared conventions)
from reference_strategies import (BEARISH, BULLISH, DAY_MS, DEFAULT_PARAMS,  # noqa: E402
                                  date_ms, order_for, strategy_signals, write_json)

# docs/futures.md, "Maintenance margin": BTCUSDT (notional cap, max leverage, rate, amount).
BTCUSDT_TIERS = [
    (50_000.0, 125, 0.004, 0.0),
    (250_000.0, 100, 0.005, 50.0),
    (1_000_000.0, 50, 0.01, 1_300.0),
    (10_000_000.0, 20, 0.025, 16_300.0),
    (20_000_000.0, 10, 0.05, 266_300.0),
    (50_000_000.0, 5, 0.10, 1_266_300.0),
    (100_000_000.0, 4, 0.125, 2_516_300.0),
    (200_000_000.0, 3, 0.15, 5_016_300.0),
    (300_000_000.0, 2, 0.25, 25_016_300.0),
    (500_000_000.0, 1, 0.50, 100_016_300.0),
]
TIERS = {"BTCUSDT": BTCUSDT_TIERS}

SETTLEMENT_SLACK_MS = 1000   # a settlement less than a second after a bar's open is at that open


def check_tiers(tiers):
    """Each amount is the previous amount + previous cap x the rise in rate (continuity)."""
    for (cap0, _, r0, a0), (_, _, r1, a1) in zip(tiers, tiers[1:]):
        assert abs(a1 - (a0 + cap0 * (r1 - r0))) < 1e-6, (cap0, a1)


def tier_for(tiers, notional):
    """The first tier whose cap is >= the notional ("up to"); beyond the last cap, the last."""
    for tier in tiers:
        if notional <= tier[0]:
            return tier
    return tiers[-1]


def liquidation_price(side, qty, entry, margin, rate, amount):
    """Binance's isolated formula (docs/futures.md, "Liquidation"); None for a long whose
    formula gives no positive price (it cannot be liquidated)."""
    if side > 0:
        lp = (qty * entry - margin - amount) / (qty * (1 - rate))
        return lp if lp > 0 else None
    return (qty * entry + margin + amount) / (qty * (1 + rate))


def load_funding(path, symbol):
    """Rows of a /fapi/v1/fundingRate answer: [(fundingTime ms, rate, mark price or None)]."""
    with open(path) as fh:
        rows = json.load(fh)
    out = []
    for row in rows:
        if row.get("symbol", symbol) != symbol:
            continue
        mark = row.get("markPrice", "")
        out.append((int(row["fundingTime"]), float(row["fundingRate"]),
                    float(mark) if mark not in ("", None) else None))
    out.sort()
    return out


def place_settlements(bars, funding, bar_ms):
    """Which bar each settlement belongs to: at_open[t] (time in [open_t, open_t + 1 s)) or
    inside[t] (later inside bar t, settled at its close). Settlements outside every bar present
    (before the first, after the last, or in a missing bar) are not settled."""
    at_open = [[] for _ in bars]
    inside = [[] for _ in bars]
    j = 0
    for t, bar in enumerate(bars):
        start = bar["time"]
        while j < len(funding) and funding[j][0] < start:
            j += 1
        while j < len(funding) and funding[j][0] < start + bar_ms:
            (at_open if funding[j][0] < start + SETTLEMENT_SLACK_MS else inside)[t].append(
                funding[j])
            j += 1
    return at_open, inside


class Diag:
    """How far each golden stands from a tie that another implementation could decide the
    other way (relative distances), and counts of what the run exercised."""

    def __init__(self):
        self.closest = {}
        self.settlements = 0
        self.settlements_at_exit_open = 0     # paid by a position closed at that very open
        self.settlements_at_entry_open = 0    # not paid by a position opened at that open
        self.mark_from_close = 0
        self.liquidations = []
        self.stop_tighter_than_lp_hits = 0    # bars reaching the LP whose tighter stop filled
        self.exit_open_beyond_lp = []         # a signal exit at an open beyond the LP

    def see(self, name, a, b):
        d = abs(a - b) / max(abs(a), abs(b))
        if name not in self.closest or d < self.closest[name][0]:
            self.closest[name] = (d, a, b)


class FuturesEngine:
    """One isolated position at a time. side: +1 long, -1 short, 0 flat.

    Book keeping (docs/futures.md, "Leverage and margin"): an entry moves the notional through
    cash as spot does (a long's cash goes negative: the borrowed notional), so equity = cash +
    side x qty x close = wallet balance + unrealised pnl. The isolated margin is tracked beside:
    margin at entry = notional / leverage, moved by funding."""

    def __init__(self, bars, symbol, leverage, fee_bps, slip_bps, initial_cash, size, sl, tp,
                 mmr, diag):
        self.bars = bars
        self.L = float(leverage)
        self.f, self.s = fee_bps / 1e4, slip_bps / 1e4
        self.size, self.sl, self.tp = size, sl, tp
        if mmr is not None:
            self.tiers = [(math.inf, 125, mmr, 0.0)]
        else:
            self.tiers = TIERS[symbol]
        if self.L < 1 or self.L > 125 or self.L > self.tiers[0][1]:
            raise ValueError("leverage outside 1..first tier's maximum")
        self.diag = diag
        self.cash, self.qty, self.side = float(initial_cash), 0.0, 0
        self.entry = None
        self.trades = []
        self.fees = []          # every fee charged
        self.funding = []       # every settlement amount (paid > 0, received < 0)
        self.ruined = False

    # --- margin and liquidation
    def margin_now(self):
        e = self.entry
        return e["margin"] - math.fsum(e["funding"])

    def lp(self):
        e = self.entry
        return liquidation_price(self.side, e["qty"], e["price"], self.margin_now(),
                                 e["rate"], e["amount"])

    # --- funding
    def settle(self, rate, mark):
        """Long pays qty x mark x rate, short receives it (negative rate: the other way)."""
        amount = self.side * self.qty * mark * rate
        self.cash -= amount
        self.entry["funding"].append(amount)
        self.funding.append(amount)
        self.diag.settlements += 1

    # --- fills
    def open(self, side, market, t):
        assert self.side == 0
        if self.ruined or self.cash <= 0:
            return                       # nothing left to commit: no further entry
        p = market * (1 + self.s) if side > 0 else market * (1 - self.s)
        committed = self.size * self.cash          # flat: equity = cash
        notional = committed * self.L / (1 + self.L * self.f)
        margin = notional / self.L
        qty = notional / p
        fee = notional * self.f
        _, _, rate, amount = tier_for(self.tiers, notional)   # chosen once, by entry notional
        if side > 0:
            self.cash -= notional + fee
        else:
            self.cash += notional - fee
        self.fees.append(fee)
        self.qty, self.side = qty, side
        stop = target = None
        if self.sl is not None:
            stop = p * (1 - self.sl) if side > 0 else p * (1 + self.sl)
        if self.tp is not None:
            target = p * (1 + self.tp) if side > 0 else p * (1 - self.tp)
        self.entry = {"time": self.bars[t]["time"], "bar": t, "price": p, "qty": qty,
                      "notional": notional, "margin": margin, "fee": fee, "rate": rate,
                      "amount": amount, "funding": [], "stop": stop, "target": target,
                      "cash_before": self.cash + (fee + notional if side > 0 else fee - notional)}

    def close(self, market, t, reason):
        e, side = self.entry, self.side
        p = market * (1 - self.s) if side > 0 else market * (1 + self.s)
        paid = math.fsum(e["funding"])
        lp = self.lp()                       # at exit: with the margin after every settlement
        if side > 0:
            proceeds = self.qty * p
            fee = proceeds * self.f
            self.cash += proceeds - fee
            pnl = (proceeds - fee) - (e["notional"] + e["fee"]) - paid
        else:
            cost = self.qty * p
            fee = cost * self.f
            self.cash -= cost + fee
            pnl = (e["notional"] - e["fee"]) - (cost + fee) - paid
        self.fees.append(fee)
        self.trades.append(self.record(t, p, e["fee"] + fee, pnl, lp, False, reason))
        self.qty, self.side, self.entry = 0.0, 0, None

    def liquidate(self, lp, t):
        """The whole isolated margin is lost: no exit fee; pnl -(margin at entry + entry fee)."""
        e, side = self.entry, self.side
        # the notional borrowed (long) or received (short) is settled and the margin now is gone
        if side > 0:
            self.cash += e["notional"] - self.margin_now()
        else:
            self.cash -= e["notional"] + self.margin_now()
        pnl = -(e["margin"] + e["fee"])
        assert abs(self.cash - (e["cash_before"] + pnl)) <= 1e-9 * e["cash_before"]
        if self.size == 1.0:
            # the position had committed the whole equity: nothing is left, no further entry
            self.cash = 0.0
            self.ruined = True
        self.trades.append(self.record(t, lp, e["fee"], pnl, lp, False, "liquidation"))
        self.diag.liquidations.append(t)
        self.qty, self.side, self.entry = 0.0, 0, None

    def record(self, t, exit_price, fees, pnl, lp, is_open, reason):
        e = self.entry
        return {"side": "long" if self.side > 0 else "short",
                "entryTime": e["time"], "entryBar": e["bar"], "entryPrice": e["price"],
                "exitTime": self.bars[t]["time"], "exitBar": t, "exitPrice": exit_price,
                "quantity": e["qty"], "fees": fees, "funding": math.fsum(e["funding"]),
                "pnl": pnl, "return": pnl / (e["margin"] + e["fee"]),
                "liquidationPrice": lp, "open": is_open, "exitReason": reason}

    def equity(self, t):
        return self.cash + self.side * self.qty * self.bars[t]["close"]

    def mark_open_position_at_end(self):
        if self.side == 0:
            return
        t = len(self.bars) - 1
        e, c = self.entry, self.bars[t]["close"]
        paid = math.fsum(e["funding"])
        if self.side > 0:
            pnl = e["qty"] * c - (e["notional"] + e["fee"]) - paid
        else:
            pnl = (e["notional"] - e["fee"]) - e["qty"] * c - paid
        self.trades.append(self.record(t, c, e["fee"], pnl, self.lp(), True, "end"))


def check_exits(eng, bar, t, entered_at_this_open):
    """Liquidation, stop and target of the position held during bar t (docs/futures.md,
    "Liquidation", merged with docs/strategies.md's order):
      1. an open at or beyond the LP liquidates, whatever the stop;
      2. an open at or beyond the stop exits there, else one at or beyond the target
         (1 and 2 not on the next_open entry bar, whose open is the entry);
      3. the adverse extreme reaching the LP liquidates unless a stop tighter than the LP
         (between the entry and the LP) is in force: then prices reach the stop first;
      4. the adverse extreme reaching the stop exits at the stop; else the target."""
    if eng.side == 0:
        return
    e, side, d = eng.entry, eng.side, eng.diag
    op, h, lo = bar["open"], bar["high"], bar["low"]
    lp = eng.lp()
    stop, target = e["stop"], e["target"]
    beyond = (lambda x, level: x <= level) if side > 0 else (lambda x, level: x >= level)
    adverse = lo if side > 0 else h
    tighter = stop is not None and lp is not None and (stop > lp if side > 0 else stop < lp)
    if lp is not None:
        d.see("lp_vs_adverse_extreme", adverse, lp)
        d.see("lp_vs_open", op, lp)
        if stop is not None:
            d.see("lp_vs_stop", stop, lp)
    if stop is not None:
        d.see("stop_vs_adverse_extreme", adverse, stop)
    if not entered_at_this_open:
        if lp is not None and beyond(op, lp):
            eng.liquidate(lp, t)
            return
        if stop is not None and beyond(op, stop):
            eng.close(op, t, "stop_loss")
            return
        if target is not None and (op >= target if side > 0 else op <= target):
            eng.close(op, t, "take_profit")
            return
    if lp is not None and beyond(adverse, lp):
        if not tighter:
            eng.liquidate(lp, t)
            return
        d.stop_tighter_than_lp_hits += 1
    if stop is not None and beyond(adverse, stop):
        eng.close(stop, t, "stop_loss")
        return
    if target is not None and (h >= target if side > 0 else lo <= target):
        eng.close(target, t, "take_profit")


def simulate(bars, sig, at_open, inside, symbol, leverage, fee_bps, slip_bps, initial_cash,
             size, allow_short, sl, tp, mmr, diag):
    eng = FuturesEngine(bars, symbol, leverage, fee_bps, slip_bps, initial_cash, size, sl, tp,
                        mmr, diag)
    n = len(bars)
    equity, held = [], []
    pending = None
    for t in range(n):
        bar = bars[t]
        # 1) settlements at this open, before anything trades at it, by the position held
        #    through the previous close; mark: the row's, else the previous bar's close
        for _, rate, mark in at_open[t]:
            if eng.side != 0:
                if mark is None:
                    mark = bars[t - 1]["close"]
                    diag.mark_from_close += 1
                if pending is not None and pending[0]:
                    diag.settlements_at_exit_open += 1
                eng.settle(rate, mark)
            elif pending is not None and pending[1]:
                diag.settlements_at_entry_open += 1
        # 2) the order decided at the close of t-1 fills at this open
        if pending is not None:
            close_first, new_side = pending
            if close_first:
                lp = eng.lp()
                if lp is not None and (bar["open"] <= lp if eng.side > 0 else bar["open"] >= lp):
                    diag.exit_open_beyond_lp.append(t)   # ambiguous order; never in the goldens
                eng.close(bar["open"], t, "signal")
            if new_side:
                eng.open(new_side, bar["open"], t)
            pending = None
        # 3) liquidation, stop and target of the position held during this bar
        entered_at_this_open = eng.side != 0 and eng.entry["bar"] == t
        check_exits(eng, bar, t, entered_at_this_open)
        # 4) settlements inside the bar: at its close, on the position held then, at the row's
        #    mark price, else the bar's own close (none with 1h bars in the goldens)
        for _, rate, mark in inside[t]:
            if eng.side != 0:
                if mark is None:
                    mark = bar["close"]
                    diag.mark_from_close += 1
                eng.settle(rate, mark)
        # 5) the decision at the close of t; a signal on the last bar fills nowhere
        order = order_for(sig[t], eng.side, allow_short)
        if order is not None and t < n - 1:
            pending = order
        eq = eng.equity(t)
        if eng.side != 0 and eq <= 0:
            raise AssertionError("equity gone before the liquidation price at bar %d" % t)
        equity.append(eq)
        held.append(eng.side != 0)
    eng.mark_open_position_at_end()
    return eng.trades, equity, held, math.fsum(eng.fees), math.fsum(eng.funding)


def run(data_dir, request, initial_cash=10000.0, ppy=8760.0):
    """Runs one /backtest/run body (exchange binance-futures, fill next_open)."""
    assert request.get("exchange") == "binance-futures"
    assert request.get("fill", "next_open") == "next_open"
    symbol = request["symbol"]
    timeframe = request.get("timeframe", "1h")
    assert timeframe == "1h"
    bar_ms = 3_600_000
    start_ms = date_ms(request["start"])
    end_ms = date_ms(request["end"]) + DAY_MS           # a date-only end covers its whole day
    csv_path = os.path.join(data_dir, "%s-%s.csv" % (symbol, timeframe))
    bars = load_bars(csv_path, start_ms, end_ms)
    if not bars:
        raise SystemExit("no bars in range")
    strat = request["strategy"]
    params = dict(DEFAULT_PARAMS[strat["name"]])
    params.update(strat.get("params", {}))
    sig, sig_margins = strategy_signals(strat["name"], params, bars)
    funding_on = request.get("funding", True)
    funding_file = os.path.join(data_dir, "%s-fundingRate.json" % symbol)
    funding = load_funding(funding_file, symbol) if funding_on else []
    at_open, inside = place_settlements(bars, funding, bar_ms)
    diag = Diag()
    fee_bps = request.get("feeBps", 5)      # Binance USD-M's VIP 0 taker fee by default
    slip_bps = request.get("slippageBps", 0)
    size = request.get("positionSize", 1.0)
    leverage = request.get("leverage", 1)
    trades, equity, held, fees, total_funding = simulate(
        bars, sig, at_open, inside, symbol, leverage, fee_bps, slip_bps, initial_cash, size,
        request.get("allowShort", False), request.get("stopLossPct"),
        request.get("takeProfitPct"), request.get("maintenanceMarginRate"), diag)
    met = metrics(bars, equity, held, trades, fees, initial_cash, ppy)
    met["totalFunding"] = total_funding
    n = len(bars)
    curve = [[bars[t]["time"], equity[t]] for t in range(n) if t % 24 == 0 or t == n - 1]
    out_params = {"csv": os.path.basename(csv_path), "exchange": "binance-futures",
                  "symbol": symbol, "timeframe": timeframe,
                  "start": request["start"], "end": request["end"],
                  "startMs": start_ms, "endMs": end_ms, "strategy": strat["name"],
                  "strategyParams": params, "feeBps": float(fee_bps),
                  "slippageBps": float(slip_bps), "initialCash": initial_cash,
                  "positionSize": float(size), "periodsPerYear": ppy, "fill": "next_open",
                  "allowShort": request.get("allowShort", False),
                  "stopLossPct": request.get("stopLossPct"),
                  "takeProfitPct": request.get("takeProfitPct"),
                  "leverage": leverage,
                  "maintenanceMarginRate": request.get("maintenanceMarginRate"),
                  "funding": funding_on,
                  "fundingFile": os.path.basename(funding_file) if funding_on else None}
    out = {"params": out_params, "bars": n, "firstOpenTime": bars[0]["time"],
           "lastOpenTime": bars[-1]["time"], "trades": trades, "metrics": met,
           "equity": curve}
    return out, {"signals": sig_margins, "run": diag}


def request_for(start, end, params, leverage, fee=5, size=1.0, allow_short=False, sl=None,
                tp=None, funding=True, slip=0):
    req = {"exchange": "binance-futures", "symbol": "BTCUSDT", "timeframe": "1h",
           "start": start, "end": end,
           "strategy": {"name": "sma_cross", "params": dict(params)},
           "feeBps": fee, "slippageBps": slip, "positionSize": size, "fill": "next_open",
           "allowShort": allow_short, "leverage": leverage, "funding": funding}
    if sl is not None:
        req["stopLossPct"] = sl
    if tp is not None:
        req["takeProfitPct"] = tp
    return req


def golden_cases():
    rng = lambda params, lev, **kw: request_for("2024-01-05", "2024-02-25", params, lev, **kw)
    return [
        ("btcusdt_1h_sma_5_20_long_lev3.json", rng({"fast": 5, "slow": 20}, 3)),
        ("btcusdt_1h_sma_5_20_short_lev10.json",
         rng({"fast": 5, "slow": 20}, 10, allow_short=True)),
        ("btcusdt_1h_sma_8_30_short_lev50_size03.json",
         rng({"fast": 8, "slow": 30}, 50, allow_short=True, size=0.3)),
        ("btcusdt_1h_sma_5_20_short_lev20_sl1_fee0.json",
         rng({"fast": 5, "slow": 20}, 20, allow_short=True, sl=0.01, fee=0)),
    ]


def summary(name, out, diag):
    reasons, sides = {}, {}
    for tr in out["trades"]:
        reasons[tr["exitReason"]] = reasons.get(tr["exitReason"], 0) + 1
        sides[tr["side"]] = sides.get(tr["side"], 0) + 1
    d = diag["run"]
    closest = {k: "%.3g" % v[0] for k, v in sorted(diag["signals"].items())}
    closest.update({k: "%.3g" % v[0] for k, v in sorted(d.closest.items())})
    m = out["metrics"]
    return ("%s: bars %d, trades %d (closed %d) %s by side %s; liquidations at bars %s; "
            "settlements %d (paid at an exit's own open %d, skipped at an entry's open %d, "
            "mark from a close %d); bars reaching the LP with a tighter stop %d; signal exits "
            "at an open beyond the LP %s; totalFunding %.6f, totalReturn %.6f; closest %s"
            % (name, out["bars"], len(out["trades"]), m["numTrades"], reasons, sides,
               d.liquidations, d.settlements, d.settlements_at_exit_open,
               d.settlements_at_entry_open, d.mark_from_close, d.stop_tighter_than_lp_hits,
               d.exit_open_beyond_lp, m["totalFunding"], m["totalReturn"], closest))


def self_test():
    """The two worked examples of docs/futures.md, recomputed."""
    H = 3_600_000
    mk = lambda rows: [{"time": i * H, "open": o, "high": h, "low": lo, "close": c}
                       for i, (o, h, lo, c) in enumerate(rows)]
    # a 10x long that pays three fundings, no fees
    bars = mk([(100, 100, 100, 100), (100, 101, 99, 100), (101, 102, 100, 102),
               (102, 103, 101, 103), (103, 104, 102, 104), (105, 105, 105, 105)])
    sig = [BULLISH, 0, 0, 0, BEARISH, 0]
    funding = [(2 * H, 0.0001, 101.0), (3 * H + 1, 0.0002, None), (4 * H, -0.0001, 103.0)]
    at_open, inside = place_settlements(bars, funding, H)
    diag = Diag()
    trades, equity, held, fees, total = simulate(bars, sig, at_open, inside, "BTCUSDT", 10, 0,
                                                 0, 10000.0, 1.0, False, None, None, None, diag)
    (tr,) = trades
    close = lambda a, b: abs(a - b) <= 1e-9 * max(1.0, abs(b))
    assert tr["quantity"] == 1000 and tr["exitReason"] == "signal", tr
    assert close(equity[2], 11989.9), equity
    assert close(tr["funding"], 20.2) and close(total, 20.2), tr
    assert close(tr["pnl"], 4979.8) and close(tr["return"], 0.49798), tr
    assert close(equity[-1], 14979.8), equity
    assert close(tr["liquidationPrice"], (100000 - 9979.8 - 50) / 995), tr
    assert diag.mark_from_close == 1
    # the entry's liquidation price: (100,000 - 10,000 - 50) / (1,000 x 0.995) = 90.402...
    assert close(liquidation_price(1, 1000.0, 100.0, 10000.0, 0.005, 50.0), 89950 / 995)
    # a 20x short liquidated inside the hour (positionSize 0.5, target 3 %), no fees
    bars = mk([(100, 100, 100, 100), (100, 106, 96, 98), (98, 98, 98, 98)])
    at_open, inside = place_settlements(bars, [], H)
    trades, equity, held, fees, total = simulate(bars, [BEARISH, 0, 0], at_open, inside,
                                                 "BTCUSDT", 20, 0, 0, 10000.0, 0.5, True, None,
                                                 0.03, None, Diag())
    (tr,) = trades
    assert tr["exitReason"] == "liquidation" and close(tr["exitPrice"], 105050 / 1005), tr
    assert close(tr["pnl"], -5000) and tr["return"] == -1.0 and close(equity[-1], 5000), tr
    assert tr["liquidationPrice"] == tr["exitPrice"] and tr["fees"] == 0, tr
    print("self test: both worked examples of docs/futures.md reproduced", file=sys.stderr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", required=True,
                    help="folder with BTCUSDT-1h.csv and BTCUSDT-fundingRate.json")
    ap.add_argument("--out-dir", help="write every golden case and cases.json here")
    ap.add_argument("--start", default="2024-01-05")
    ap.add_argument("--end", default="2024-02-25", help="YYYY-MM-DD, the whole day included")
    ap.add_argument("--params", default='{"fast":5,"slow":20}', help="sma_cross params (JSON)")
    ap.add_argument("--leverage", type=float, default=1)
    ap.add_argument("--fee-bps", type=float, default=5.0)
    ap.add_argument("--slippage-bps", type=float, default=0.0)
    ap.add_argument("--position-size", type=float, default=1.0)
    ap.add_argument("--allow-short", action="store_true")
    ap.add_argument("--stop-loss-pct", type=float)
    ap.add_argument("--take-profit-pct", type=float)
    ap.add_argument("--no-funding", action="store_true")
    a = ap.parse_args(argv)
    check_tiers(BTCUSDT_TIERS)
    self_test()
    if a.out_dir:
        os.makedirs(a.out_dir, exist_ok=True)
        listing = []
        for fname, req in golden_cases():
            out, diag = run(a.data_dir, req)
            write_json(os.path.join(a.out_dir, fname), out)
            listing.append({"file": fname, "request": req})
            print(summary(fname, out, diag), file=sys.stderr)
        write_json(os.path.join(a.out_dir, "cases.json"), listing)
        return
    lev = int(a.leverage) if a.leverage == int(a.leverage) else a.leverage
    req = request_for(a.start, a.end, json.loads(a.params), lev, a.fee_bps, a.position_size,
                      a.allow_short, a.stop_loss_pct, a.take_profit_pct, not a.no_funding,
                      a.slippage_bps)
    out, diag = run(a.data_dir, req)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")
    print(summary("run", out, diag), file=sys.stderr)


if __name__ == "__main__":
    main()
