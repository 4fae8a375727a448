#!/usr/bin/env python3
"""Independent reference backtest (standard library only).

Implements design/SEMANTICS.md v1 (long-only, fill "next_open") plus the conventions
listed in tests/golden/README.md. Written for clarity, not speed: every SMA value is a
fresh mean of its window and the simulation walks bar by bar.
"""
import argparse
import csv
import gzip
import json
import math
import os
import sys


def load_bars(path, start_ms, end_ms):
    """Rows with start_ms <= open_time < end_ms, in file order (asserted sorted)."""
    opener = gzip.open if path.endswith(".gz") else open
    bars = []
    with opener(path, "rt", newline="") as fh:
        for row in csv.reader(fh):
            if not row or not row[0].strip().isdigit():
                continue  # tolerate a header line or blank lines
            t = int(row[0])
            if start_ms <= t < end_ms:
                bars.append({"time": t, "open": float(row[1]), "high": float(row[2]),
                             "low": float(row[3]), "close": float(row[4])})
    for a, b in zip(bars, bars[1:]):
        if not a["time"] < b["time"]:
            sys.exit("input bars are not strictly increasing in open time")
    return bars


def sma(values, w):
    """sma[t] = mean(values[t-w+1..t]) for t >= w-1, else None."""
    out = [None] * len(values)
    for t in range(w - 1, len(values)):
        window = values[t - w + 1:t + 1]
        out[t] = math.fsum(window) / w
    return out


def signals_sma_cross(closes, fast_w, slow_w):
    fast, slow = sma(closes, fast_w), sma(closes, slow_w)
    sig = [0] * len(closes)
    for t in range(1, len(closes)):
        if None in (fast[t - 1], slow[t - 1], fast[t], slow[t]):
            continue
        if fast[t] > slow[t] and fast[t - 1] <= slow[t - 1]:
            sig[t] = 1
        elif fast[t] < slow[t] and fast[t - 1] >= slow[t - 1]:
            sig[t] = -1
    return sig


def signals_buy_and_hold(closes):
    sig = [0] * len(closes)
    if sig:
        sig[0] = 1
    return sig


def simulate(bars, sig, fee_bps, slip_bps, initial_cash, position_size):
    f, s = fee_bps / 1e4, slip_bps / 1e4
    n = len(bars)
    cash, qty = initial_cash, 0.0
    pending = 0          # signal decided at the previous close, to fill at this open
    entry = None         # dict describing the open position
    trades, equity, held = [], [], []
    total_fees = 0.0
    for t in range(n):
        bar = bars[t]
        # 1) fill at the open of bar t what was decided at the close of bar t-1
        if pending == 1 and qty == 0.0:
            p = bar["open"] * (1 + s)
            qty = position_size * cash / (p * (1 + f))
            cost = qty * p
            fee = cost * f
            cash -= cost + fee
            total_fees += fee
            entry = {"time": bar["time"], "bar": t, "price": p, "qty": qty,
                     "cost": cost, "fee": fee}
        elif pending == -1 and qty > 0.0:
            p = bar["open"] * (1 - s)
            proceeds = qty * p
            fee = proceeds * f
            cash += proceeds - fee
            total_fees += fee
            outlay = entry["cost"] + entry["fee"]
            pnl = (proceeds - fee) - outlay
            trades.append({"side": "long", "entryTime": entry["time"], "entryBar": entry["bar"],
                           "entryPrice": entry["price"], "exitTime": bar["time"], "exitBar": t,
                           "exitPrice": p, "quantity": entry["qty"],
                           "fees": entry["fee"] + fee, "pnl": pnl, "return": pnl / outlay,
                           "open": False})
            qty, entry = 0.0, None
        pending = 0
        # 2) mark to market at the close of bar t
        equity.append(cash + qty * bar["close"])
        held.append(qty > 0.0)
        # 3) decide at the close of bar t, using the position state after this bar's fill;
        #    a signal on the last bar fills nowhere
        if t < n - 1:
            if sig[t] == 1 and qty == 0.0:
                pending = 1
            elif sig[t] == -1 and qty > 0.0:
                pending = -1
    if entry is not None:
        last = bars[-1]
        outlay = entry["cost"] + entry["fee"]
        pnl = entry["qty"] * last["close"] - outlay
        trades.append({"side": "long", "entryTime": entry["time"], "entryBar": entry["bar"],
                       "entryPrice": entry["price"], "exitTime": last["time"], "exitBar": n - 1,
                       "exitPrice": last["close"], "quantity": entry["qty"],
                       "fees": entry["fee"], "pnl": pnl, "return": pnl / outlay, "open": True})
    return trades, equity, held, total_fees


def mean(xs):
    return math.fsum(xs) / len(xs)


def stdev(xs):
    """Sample standard deviation (ddof = 1) by the two-pass formula."""
    m = mean(xs)
    return math.sqrt(math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def metrics(bars, equity, held, trades, total_fees, initial_cash, ppy):
    n = len(equity)
    m = {}
    final = equity[-1] if n else initial_cash
    m["totalReturn"] = final / initial_cash - 1
    m["finalEquity"] = final
    r = [equity[t] / equity[t - 1] - 1 for t in range(1, n)]
    sd = stdev(r) if len(r) >= 2 else 0.0
    m["sharpe"] = mean(r) / sd * math.sqrt(ppy) if sd != 0 else 0.0
    down = math.sqrt(mean([min(x, 0.0) ** 2 for x in r])) if r else 0.0
    m["sortino"] = mean(r) / down * math.sqrt(ppy) if down != 0 else 0.0
    m["volatility"] = sd * math.sqrt(ppy)
    peak, mdd, run, longest = -math.inf, 0.0, 0, 0
    for e in equity:
        peak = max(peak, e)
        mdd = max(mdd, 1 - e / peak)
        run = run + 1 if e < peak else 0
        longest = max(longest, run)
    m["maxDrawdown"] = mdd
    m["maxDrawdownDurationBars"] = longest
    years = n / ppy
    if n == 0:
        cagr = 0.0
    elif final <= 0:
        cagr = -1.0
    else:
        cagr = (final / initial_cash) ** (1 / years) - 1
    m["years"] = years
    m["cagr"] = cagr
    m["calmar"] = cagr / mdd if mdd != 0 else 0.0
    closed = [tr for tr in trades if not tr["open"]]
    rets = [tr["return"] for tr in closed]
    wins = [tr["pnl"] for tr in closed if tr["pnl"] > 0]
    losses = [tr["pnl"] for tr in closed if tr["pnl"] < 0]
    m["numTrades"] = len(closed)
    m["winRate"] = len(wins) / len(closed) if closed else 0.0
    m["profitFactor"] = math.fsum(wins) / abs(math.fsum(losses)) if losses else None
    m["avgTradeReturn"] = mean(rets) if rets else 0.0
    m["bestTrade"] = max(rets) if rets else 0.0
    m["worstTrade"] = min(rets) if rets else 0.0
    m["exposure"] = sum(held) / n if n else 0.0
    m["totalFees"] = total_fees
    m["buyAndHoldReturn"] = bars[-1]["close"] / bars[0]["open"] - 1 if n else 0.0
    return m


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, help="Binance kline CSV (.csv or .csv.gz)")
    ap.add_argument("--start-ms", type=int, required=True)
    ap.add_argument("--end-ms", type=int, required=True, help="exclusive")
    ap.add_argument("--strategy", choices=["sma_cross", "buy_and_hold"], default="sma_cross")
    ap.add_argument("--fast", type=int, default=10)
    ap.add_argument("--slow", type=int, default=30)
    ap.add_argument("--fee-bps", type=float, default=10.0)
    ap.add_argument("--slippage-bps", type=float, default=0.0)
    ap.add_argument("--initial-cash", type=float, default=10000.0)
    ap.add_argument("--position-size", type=float, default=1.0)
    ap.add_argument("--periods-per-year", type=float, default=8760.0)
    a = ap.parse_args(argv)

    bars = load_bars(a.csv, a.start_ms, a.end_ms)
    if not bars:
        sys.exit("no bars in range")
    closes = [b["close"] for b in bars]
    if a.strategy == "sma_cross":
        sig = signals_sma_cross(closes, a.fast, a.slow)
    else:
        sig = signals_buy_and_hold(closes)
    trades, equity, held, fees = simulate(bars, sig, a.fee_bps, a.slippage_bps,
                                          a.initial_cash, a.position_size)
    met = metrics(bars, equity, held, trades, fees, a.initial_cash, a.periods_per_year)
    n = len(bars)
    curve = [[bars[t]["time"], equity[t]] for t in range(n) if t % 24 == 0 or t == n - 1]
    params = {"csv": os.path.basename(a.csv), "startMs": a.start_ms, "endMs": a.end_ms, "strategy": a.strategy,
              "fast": a.fast, "slow": a.slow, "feeBps": a.fee_bps,
              "slippageBps": a.slippage_bps, "initialCash": a.initial_cash,
              "positionSize": a.position_size, "periodsPerYear": a.periods_per_year,
              "fill": "next_open"}
    out = {"params": params, "bars": n, "firstOpenTime": bars[0]["time"],
           "lastOpenTime": bars[-1]["time"], "trades": trades, "metrics": met,
           "equity": curve}
    # json.dumps writes floats with repr(), i.e. shortest round-trip representation
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
