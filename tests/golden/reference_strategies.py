#!/usr/bin/env python3
"""Independent reference for the strategy library (standard library only).

Implements docs/strategies.md on top of design/SEMANTICS.md v1 and the conventions of
reference_backtest.py / tests/golden/README.md: every strategy, long-only and allowShort,
fill "next_open" and "close", stopLossPct / takeProfitPct, stopLossAtr / takeProfitAtr,
trailingStopPct / trailingStopAtr, maxBarsInTrade, sizing (fraction / notional / risk),
exitReason. Written for clarity, not speed: each SMA / Bollinger value is a fresh math.fsum of
its window, each EMA / RSI / MACD / ATR value comes from its explicit recursion, each Donchian
channel from a fresh max / min, and the simulation walks bar by bar.

Usage:
  reference_strategies.py --data-dir DIR --out-dir DIR     # all golden cases + cases.json
  reference_strategies.py --csv FILE --start 2024-01-01 --end 2024-12-31 \
      --strategy rsi_reversion --params '{"period":14}' [--allow-short] \
      [--trailing-stop-atr 14,3] [--max-bars-in-trade 24] [--sizing risk,0.01] ...  # one run
"""
import argparse
import datetime
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_backtest import load_bars, metrics, sma  # noqa: E402  (shared conventions)

NONE, BULLISH, BEARISH, EXIT_LONG, EXIT_SHORT, EXIT = 0, 1, 2, 3, 4, 5

DEFAULT_PARAMS = {
    "sma_cross": {"fast": 10, "slow": 30},
    "ema_cross": {"fast": 12, "slow": 26},
    "macd_cross": {"fast": 12, "slow": 26, "signal": 9},
    "rsi_reversion": {"period": 14, "lower": 30, "upper": 70},
    "bollinger_reversion": {"period": 20, "k": 2},
    "donchian_breakout": {"entry": 20, "exit": 10},
    "buy_and_hold": {},
}


# ----------------------------------------------------------------------------- indicators
# Each returns a list aligned with its input, None during warm-up.

def ema(values, n):
    """alpha = 2/(n+1); seeded with the SMA of the first n values at index n-1, then
    alpha*x + (1-alpha)*prev. `values` may start with None (e.g. the MACD line): the EMA then
    starts at the first defined value."""
    out = [None] * len(values)
    first = next((i for i, v in enumerate(values) if v is not None), len(values))
    seed_at = first + n - 1
    if seed_at >= len(values):
        return out
    alpha = 2.0 / (n + 1)
    out[seed_at] = math.fsum(values[first:seed_at + 1]) / n
    for t in range(seed_at + 1, len(values)):
        out[t] = alpha * values[t] + (1 - alpha) * out[t - 1]
    return out


def rsi(values, n):
    """Wilder RSI: first averages = plain means of gains / losses of d_1..d_n at index n,
    then avg = (prev*(n-1) + current)/n. 100 when avg loss is 0, 50 when both are 0."""
    out = [None] * len(values)
    if len(values) <= n:
        return out
    gains = [None] + [max(values[t] - values[t - 1], 0.0) for t in range(1, len(values))]
    losses = [None] + [max(values[t - 1] - values[t], 0.0) for t in range(1, len(values))]
    avg_gain = math.fsum(gains[1:n + 1]) / n
    avg_loss = math.fsum(losses[1:n + 1]) / n
    for t in range(n, len(values)):
        if t > n:
            avg_gain = (avg_gain * (n - 1) + gains[t]) / n
            avg_loss = (avg_loss * (n - 1) + losses[t]) / n
        if avg_loss == 0.0:
            out[t] = 50.0 if avg_gain == 0.0 else 100.0
        else:
            out[t] = 100.0 - 100.0 / (1.0 + avg_gain / avg_loss)
    return out


def macd(values, fast, slow, signal):
    """line = EMA(fast) - EMA(slow) from index slow-1; signal = EMA(signal) of the line."""
    ef, es = ema(values, fast), ema(values, slow)
    line = [None if es[t] is None else ef[t] - es[t] for t in range(len(values))]
    return line, ema(line, signal)


def bollinger(values, n, k):
    """middle = SMA(n); sigma = population standard deviation of the same window (two-pass)."""
    mid, up, low = [None] * len(values), [None] * len(values), [None] * len(values)
    for t in range(n - 1, len(values)):
        window = values[t - n + 1:t + 1]
        m = math.fsum(window) / n
        sd = math.sqrt(math.fsum((x - m) ** 2 for x in window) / n)
        mid[t], up[t], low[t] = m, m + k * sd, m - k * sd
    return mid, up, low


def atr(highs, lows, closes, n):
    """Wilder ATR(n): TR_t = max(h - l, |h - c_{t-1}|, |l - c_{t-1}|) from index 1 (the previous
    bar present); the first ATR, at index n, is the math.fsum mean of TR_1..TR_n; then
    ATR[t] = (ATR[t-1]*(n-1) + TR[t]) / n. None before index n."""
    out = [None] * len(closes)
    if len(closes) <= n:
        return out
    tr = [None] + [max(highs[t] - lows[t], abs(highs[t] - closes[t - 1]),
                       abs(lows[t] - closes[t - 1])) for t in range(1, len(closes))]
    out[n] = math.fsum(tr[1:n + 1]) / n
    for t in range(n + 1, len(closes)):
        out[t] = (out[t - 1] * (n - 1) + tr[t]) / n
    return out


def previous_high_low(highs, lows, n):
    """Highest high and lowest low of the previous n bars t-n..t-1 (defined from index n)."""
    hh, ll = [None] * len(highs), [None] * len(lows)
    for t in range(n, len(highs)):
        hh[t] = max(highs[t - n:t])
        ll[t] = min(lows[t - n:t])
    return hh, ll


# ----------------------------------------------------------------------------- strategies
# Each returns (signals, margins): one signal per bar, decided from bars 0..t, and the smallest
# relative distance seen in each float comparison that decides a signal (to show how far the
# goldens are from a tie that a different summation order could flip).

class Margin:
    def __init__(self):
        self.values = {}

    def see(self, name, a, b, scale=None):
        d = abs(a - b) / (scale if scale is not None else max(abs(a), abs(b)))
        if name not in self.values or d < self.values[name][0]:
            self.values[name] = (d, a, b)


def crosses(a, b, margin, name):
    sig = [NONE] * len(a)
    for t in range(1, len(a)):
        if a[t] is None or b[t] is None or a[t - 1] is None or b[t - 1] is None:
            continue
        margin.see(name, a[t], b[t])
        if a[t] > b[t] and a[t - 1] <= b[t - 1]:
            sig[t] = BULLISH
        elif a[t] < b[t] and a[t - 1] >= b[t - 1]:
            sig[t] = BEARISH
    return sig


def strategy_signals(name, params, bars):
    closes = [b["close"] for b in bars]
    n = len(bars)
    m = Margin()
    p = dict(DEFAULT_PARAMS[name])
    p.update(params)
    if name == "sma_cross":
        sig = crosses(sma(closes, p["fast"]), sma(closes, p["slow"]), m, "fast_vs_slow")
    elif name == "ema_cross":
        sig = crosses(ema(closes, p["fast"]), ema(closes, p["slow"]), m, "fast_vs_slow")
    elif name == "macd_cross":
        line, signal = macd(closes, p["fast"], p["slow"], p["signal"])
        # the line can be near 0, so scale its distance to the signal line by the price
        sig = [NONE] * n
        for t in range(1, n):
            if signal[t - 1] is None:
                continue
            m.see("line_vs_signal_over_close", line[t], signal[t], closes[t])
            if line[t] > signal[t] and line[t - 1] <= signal[t - 1]:
                sig[t] = BULLISH
            elif line[t] < signal[t] and line[t - 1] >= signal[t - 1]:
                sig[t] = BEARISH
    elif name == "rsi_reversion":
        r = rsi(closes, p["period"])
        sig = [NONE] * n
        for t in range(n):
            if r[t] is None:
                continue
            m.see("rsi_vs_lower_over_100", r[t], p["lower"], 100.0)
            m.see("rsi_vs_upper_over_100", r[t], p["upper"], 100.0)
            if r[t] < p["lower"]:
                sig[t] = BULLISH
            elif r[t] > p["upper"]:
                sig[t] = BEARISH
    elif name == "bollinger_reversion":
        mid, up, low = bollinger(closes, p["period"], p["k"])
        sig = [NONE] * n
        for t in range(n):
            if mid[t] is None:
                continue
            c = closes[t]
            m.see("close_vs_lower", c, low[t])
            m.see("close_vs_upper", c, up[t])
            m.see("close_vs_middle", c, mid[t])
            if c < low[t]:
                sig[t] = BULLISH
            elif c > up[t]:
                sig[t] = BEARISH
            elif c > mid[t]:
                sig[t] = EXIT_LONG
            elif c < mid[t]:
                sig[t] = EXIT_SHORT
            else:
                sig[t] = EXIT        # exactly at the middle: both sides have reverted
    elif name == "donchian_breakout":
        highs, lows = [b["high"] for b in bars], [b["low"] for b in bars]
        ehh, ell = previous_high_low(highs, lows, p["entry"])
        xhh, xll = previous_high_low(highs, lows, p["exit"])
        sig = [NONE] * n
        for t in range(n):
            c = closes[t]
            # comparisons of raw prices are exact; count ties (strict > / < gives no signal)
            if ehh[t] is not None:
                m.see("close_vs_entry_channel", c, ehh[t])
                m.see("close_vs_entry_channel", c, ell[t])
                if c > ehh[t]:
                    sig[t] = BULLISH
                    continue
                if c < ell[t]:
                    sig[t] = BEARISH
                    continue
            if xhh[t] is not None:
                if c < xll[t]:
                    sig[t] = EXIT_LONG
                elif c > xhh[t]:
                    sig[t] = EXIT_SHORT
    elif name == "buy_and_hold":
        sig = [NONE] * n
        if n:
            sig[0] = BULLISH
    else:
        raise ValueError("unknown strategy " + name)
    return sig, m.values


# ----------------------------------------------------------------------------- engine options

SIZING_MODES = ("fraction", "notional", "risk")


def _atr_option(value, name):
    """{"period": int 1-1000, "multiple": (0, 100]} -> (period, multiple), or None."""
    if value is None:
        return None
    period, multiple = value["period"], value["multiple"]
    if not (isinstance(period, int) and 1 <= period <= 1000) or not 0 < multiple <= 100:
        raise ValueError("%s out of range: %r" % (name, value))
    return (period, multiple)


class Options:
    """The engine options of one /backtest/run request (docs/strategies.md, "Engine options";
    the rejections the server answers with 400 are raised here, so no golden is invalid)."""

    def __init__(self, request):
        self.sl = request.get("stopLossPct")
        self.tp = request.get("takeProfitPct")
        self.sl_atr = _atr_option(request.get("stopLossAtr"), "stopLossAtr")
        self.tp_atr = _atr_option(request.get("takeProfitAtr"), "takeProfitAtr")
        self.trail_pct = request.get("trailingStopPct")
        self.trail_atr = _atr_option(request.get("trailingStopAtr"), "trailingStopAtr")
        self.max_bars = request.get("maxBarsInTrade")
        if self.sl is not None and self.sl_atr is not None:
            raise ValueError("stopLossPct together with stopLossAtr")
        if self.tp is not None and self.tp_atr is not None:
            raise ValueError("takeProfitPct together with takeProfitAtr")
        if self.trail_pct is not None and self.trail_atr is not None:
            raise ValueError("trailingStopPct together with trailingStopAtr")
        if self.trail_pct is not None and not 0 < self.trail_pct < 1:
            raise ValueError("trailingStopPct outside (0, 1)")
        if self.max_bars is not None and not (isinstance(self.max_bars, int)
                                              and 1 <= self.max_bars <= 1000000):
            raise ValueError("maxBarsInTrade outside 1..1000000")
        sizing = request.get("sizing")
        if sizing is not None and "positionSize" in request:
            raise ValueError("positionSize together with sizing (CONFLICTING_FIELDS)")
        if sizing is None:
            self.mode, self.value = "fraction", request.get("positionSize", 1.0)
        else:
            self.mode, self.value = sizing["mode"], sizing["value"]
        if self.mode not in SIZING_MODES:
            raise ValueError("unknown sizing mode " + str(self.mode))
        upper = 1e12 if self.mode == "notional" else 1.0
        if not 0 < self.value <= upper:
            raise ValueError("sizing value out of range")
        if self.mode == "risk" and self.sl is None and self.sl_atr is None and \
                self.trail_pct is None and self.trail_atr is None:
            raise ValueError("sizing mode risk needs a stop")

    def has_exits(self):
        return any(x is not None for x in (self.sl, self.tp, self.sl_atr, self.tp_atr,
                                           self.trail_pct, self.trail_atr, self.max_bars))


# ----------------------------------------------------------------------------- simulation

class Engine:
    """Cash / position book keeping. side: +1 long, -1 short, 0 flat."""

    def __init__(self, bars, fee_bps, slip_bps, initial_cash, opts, fill, diag):
        self.bars = bars
        self.f, self.s = fee_bps / 1e4, slip_bps / 1e4
        self.opts, self.fill, self.diag = opts, fill, diag
        highs, lows = [b["high"] for b in bars], [b["low"] for b in bars]
        closes = [b["close"] for b in bars]
        # one ATR series per period in use, over every loaded bar
        self.atrs = {a[0]: atr(highs, lows, closes, a[0])
                     for a in (opts.sl_atr, opts.tp_atr, opts.trail_atr) if a is not None}
        self.cash, self.qty, self.side = initial_cash, 0.0, 0
        self.entry = None
        self.trades = []
        self.total_fees = 0.0

    def atr_level(self, base, option, i, away):
        """base + away × multiple × ATR[i] (away = ±1), or None while ATR[i] is not defined."""
        period, multiple = option
        a = self.atrs[period][i]
        if a is None:
            return None
        return base - multiple * a if away < 0 else base + multiple * a

    def trail_candidate(self, best, side, i):
        """The trail from the best price, with ATR[i] (i = the bar before the checked bar)."""
        o = self.opts
        if o.trail_pct is not None:
            return best * (1 - o.trail_pct) if side > 0 else best * (1 + o.trail_pct)
        if o.trail_atr is not None:
            return self.atr_level(best, o.trail_atr, i, -side)
        return None

    def open(self, side, market, t):
        """Enter from flat (equity = cash), sized from the cash right now."""
        assert self.side == 0
        if getattr(self, "ruined", False):
            return
        o = self.opts
        p = market * (1 + self.s) if side > 0 else market * (1 - self.s)
        d = t - 1 if self.fill == "next_open" else t      # the entry decision's bar
        # fixed stop S and target T, from the fill price p (ATR of the decision's close)
        if o.sl is not None:
            stop = p * (1 - o.sl) if side > 0 else p * (1 + o.sl)
        elif o.sl_atr is not None:
            stop = self.atr_level(p, o.sl_atr, d, -side)
        else:
            stop = None
        if o.tp is not None:
            target = p * (1 + o.tp) if side > 0 else p * (1 - o.tp)
        elif o.tp_atr is not None:
            target = self.atr_level(p, o.tp_atr, d, side)
        else:
            target = None
        # the stop in force at entry: the tighter of S and the trail's first level
        first_trail = self.trail_candidate(p, side, d)
        at_entry = tighter(stop, first_trail, side)
        if o.mode == "fraction":
            qty = o.value * self.cash / (p * (1 + self.f))
        elif o.mode == "notional":
            qty = min(o.value, self.cash / (1 + self.f)) / p
            self.diag.capped += o.value >= self.cash / (1 + self.f)
        else:   # risk
            dist = None if at_entry is None else (p - at_entry if side > 0 else at_entry - p)
            if dist is None or dist <= 0:
                self.diag.skipped_entries.append(t)     # no stop at entry: no position
                return
            risk_qty = o.value * self.cash / dist
            full_qty = self.cash / (p * (1 + self.f))
            qty = min(risk_qty, full_qty)
            self.diag.capped += risk_qty >= full_qty
        notional = qty * p
        fee = notional * self.f
        self.diag.committed.append(notional / self.cash)
        if side > 0:
            self.cash -= notional + fee
        else:
            self.cash += notional - fee
        self.total_fees += fee
        self.qty, self.side = qty, side
        self.entry = {"time": self.bars[t]["time"], "bar": t, "price": p, "qty": qty,
                      "notional": notional, "fee": fee, "stop": stop, "target": target,
                      "best": p, "trail": None, "stop_at_entry": at_entry}

    def close(self, market, t, reason):
        assert self.side != 0
        e = self.entry
        if self.side > 0:
            p = market * (1 - self.s)
            proceeds = self.qty * p
            fee = proceeds * self.f
            self.cash += proceeds - fee
            pnl = (proceeds - fee) - (e["notional"] + e["fee"])
        else:
            p = market * (1 + self.s)
            cost = self.qty * p
            fee = cost * self.f
            self.cash -= cost + fee
            pnl = (e["notional"] - e["fee"]) - (cost + fee)
        self.total_fees += fee
        self.trades.append(self.record(e, t, p, e["fee"] + fee, pnl, False, reason))
        self.qty, self.side, self.entry = 0.0, 0, None

    def record(self, e, t, exit_price, fees, pnl, is_open, reason):
        # return = pnl / capital committed = pnl / (qty * entryPrice * (1 + f))
        return {"side": "long" if self.side > 0 else "short",
                "entryTime": e["time"], "entryBar": e["bar"], "entryPrice": e["price"],
                "exitTime": self.bars[t]["time"], "exitBar": t, "exitPrice": exit_price,
                "quantity": e["qty"], "fees": fees, "pnl": pnl,
                "return": pnl / (e["notional"] + e["fee"]), "open": is_open,
                "exitReason": reason}

    def equity(self, t):
        c = self.bars[t]["close"]
        return self.cash + self.qty * c if self.side >= 0 else self.cash - self.qty * c

    def mark_open_position_at_end(self):
        if self.side == 0:
            return
        t = len(self.bars) - 1
        e, c = self.entry, self.bars[t]["close"]
        if self.side > 0:
            pnl = e["qty"] * c - (e["notional"] + e["fee"])
        else:
            pnl = (e["notional"] - e["fee"]) - e["qty"] * c
        self.trades.append(self.record(e, t, c, e["fee"], pnl, True, "end"))


def tighter(a, b, side):
    """The level closer to the price on the loss side: the higher for a long, the lower for a
    short; either may be None."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b) if side > 0 else min(a, b)


def order_for(signal, side, allow_short):
    """(close the current position?, side to open afterwards or 0) or None."""
    if signal == BULLISH:
        if side == 0:
            return (False, 1)
        if side < 0:
            return (True, 1)            # reversal: cover, then buy, in one fill
    elif signal == BEARISH:
        if side > 0:
            return (True, -1 if allow_short else 0)
        if side == 0 and allow_short:
            return (False, -1)
    elif signal == EXIT_LONG and side > 0:
        return (True, 0)
    elif signal == EXIT_SHORT and side < 0:
        return (True, 0)
    elif signal == EXIT and side != 0:
        return (True, 0)
    return None


def execute(eng, order, market, t):
    close_first, new_side = order
    if close_first:
        eng.close(market, t, "signal")
    if new_side:
        eng.open(new_side, market, t)


def check_exits(eng, bar, t, diag, entered_at_this_open=False):
    """Stops, targets and the time exit of the position held during bar t, in the order of
    docs/strategies.md ("Trailing stops, ATR levels and time exits, exactly"):
      0. the trail R is set from the best price so far (and ATR[t-1]); it never loosens;
         the stop in force is the tighter of the fixed stop S and R;
      1. an open at or beyond the stop in force exits at the open, else an open at or beyond
         the target T (not on the next_open entry bar, whose open is the entry);
      2. a range reaching the stop in force exits at it, else one reaching T exits at T;
      3. maxBarsInTrade: the Nth bar held exits at its close ("time");
      4. the best price takes in this bar's high (a short: its low)."""
    o = eng.opts
    if eng.side == 0 or not o.has_exits():
        return
    e, side = eng.entry, eng.side
    op, h, lo = bar["open"], bar["high"], bar["low"]
    # 0) the trail before this bar is checked, from the best price of the bars before it
    cand = eng.trail_candidate(e["best"], side, t - 1)
    if cand is not None:
        e["trail"] = cand if e["trail"] is None else tighter(e["trail"], cand, side)
    fixed, trail, target = e["stop"], e["trail"], e["target"]
    stop = tighter(fixed, trail, side)
    # "trailing_stop" when R is strictly tighter than S (or there is no S)
    if trail is not None and (fixed is None or (trail > fixed if side > 0 else trail < fixed)):
        stop_reason = "trailing_stop"
    else:
        stop_reason = "stop_loss"
    if side > 0:
        stop_gap = stop is not None and op <= stop and not entered_at_this_open
        target_gap = target is not None and op >= target and not entered_at_this_open
        stop_hit = stop is not None and lo <= stop
        target_hit = target is not None and h >= target
    else:
        stop_gap = stop is not None and op >= stop and not entered_at_this_open
        target_gap = target is not None and op <= target and not entered_at_this_open
        stop_hit = stop is not None and h >= stop
        target_hit = target is not None and lo <= target
    # diagnostics: how close the data comes to each level (relative), and ambiguous bars
    extreme_against = lo if side > 0 else h
    extreme_for = h if side > 0 else lo
    if stop is not None:
        diag.see("stop_vs_bar_extreme", extreme_against, stop)
        diag.see("stop_vs_open", op, stop)
    if target is not None:
        diag.see("target_vs_bar_extreme", extreme_for, target)
        diag.see("target_vs_open", op, target)
    if (stop_gap or stop_hit) and fixed is not None and trail is not None:
        diag.see("trail_vs_fixed_stop_at_exit", trail, fixed)   # decides the exitReason
    if stop_hit and target_hit:
        diag.both_in_bar += 1
        if target_gap:
            diag.target_gap_with_stop_in_bar += 1
    if stop_gap:
        eng.close(op, t, stop_reason)
        diag.gap_fills.append(t)
    elif target_gap:
        eng.close(op, t, "take_profit")
        diag.gap_fills.append(t)
    elif stop_hit:
        eng.close(stop, t, stop_reason)
    elif target_hit:
        eng.close(target, t, "take_profit")
    if eng.side == 0:
        return
    # 3) time exit at the close of the Nth bar held
    if o.max_bars is not None:
        held = t - e["bar"] + (1 if eng.fill == "next_open" else 0)
        if held == o.max_bars:
            eng.close(bar["close"], t, "time")
            return
    # 4) the best price since entry takes in this bar
    e["best"] = max(e["best"], h) if side > 0 else min(e["best"], lo)


class Diag(Margin):
    def __init__(self):
        super().__init__()
        self.both_in_bar = 0
        self.target_gap_with_stop_in_bar = 0
        self.gap_fills = []
        self.entry_bar_would_stop = []   # fill=close: entry bars that would trigger if checked
        self.skipped_entries = []        # sizing risk: entries without a stop, not opened
        self.committed = []              # notional / cash of each entry
        self.capped = 0                  # sizing notional / risk: entries capped at the cash


def simulate(bars, sig, fee_bps, slip_bps, initial_cash, opts, fill="next_open",
             allow_short=False):
    diag = Diag()
    eng = Engine(bars, fee_bps, slip_bps, initial_cash, opts, fill, diag)
    n = len(bars)
    equity, held = [], []
    pending = None
    for t in range(n):
        bar = bars[t]
        # 1) next_open: the order decided at the close of t-1 fills at this open
        if pending is not None:
            execute(eng, pending, bar["open"], t)
            pending = None
        # 2) stops, targets and the time exit of the position held during this bar; under
        #    next_open that includes a position entered at this bar's open, under close the
        #    position was necessarily entered at an earlier close
        if eng.side != 0:
            assert fill == "next_open" or eng.entry["bar"] < t
        # the entry bar's own open is the entry (only slippage apart): no gap check on it
        entered_at_this_open = fill == "next_open" and eng.side != 0 and eng.entry["bar"] == t
        check_exits(eng, bar, t, diag, entered_at_this_open)
        # 3) the decision at the close of t (position state after 1 and 2)
        order = order_for(sig[t], eng.side, allow_short)
        if order is not None:
            if fill == "close":
                execute(eng, order, bar["close"], t)
                if eng.side != 0:
                    _would_trigger_on_entry_bar(eng, bar, t, diag)
            elif t < n - 1:
                pending = order     # a signal on the last bar never fills
        # ruin: a position whose equity is gone is liquidated at the close; no more trading
        if eng.side != 0 and eng.equity(t) <= 0:
            eng.close(bar["close"], t, "liquidation")
            eng.ruined = True
            pending = None
        equity.append(eng.equity(t))
        held.append(eng.side != 0)
    eng.mark_open_position_at_end()
    return eng.trades, equity, held, eng.total_fees, diag


def _would_trigger_on_entry_bar(eng, bar, t, diag):
    """fill=close: would the entry bar's own range reach the stop in force at entry or the
    target, if it were checked (it is not)?"""
    e = eng.entry
    stop, target = e["stop_at_entry"], e["target"]
    if eng.side > 0:
        hit = (stop is not None and bar["low"] <= stop) or \
              (target is not None and bar["high"] >= target)
    else:
        hit = (stop is not None and bar["high"] >= stop) or \
              (target is not None and bar["low"] <= target)
    if hit:
        diag.entry_bar_would_stop.append(t)


# ----------------------------------------------------------------------------- running

DAY_MS = 86400000


def date_ms(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp() * 1000)


NEW_OPTIONS = ("stopLossAtr", "takeProfitAtr", "trailingStopPct", "trailingStopAtr",
               "maxBarsInTrade", "sizing")


def run(csv_path, request, initial_cash=10000.0, ppy=8760.0):
    """Runs one request (the /backtest/run body) on the bars of csv_path."""
    start_ms = date_ms(request["start"])
    end_ms = date_ms(request["end"]) + DAY_MS           # a date-only end covers its whole day
    bars = load_bars(csv_path, start_ms, end_ms)
    if not bars:
        raise SystemExit("no bars in range")
    strat = request["strategy"]
    params = dict(DEFAULT_PARAMS[strat["name"]])
    params.update(strat.get("params", {}))
    sig, sig_margins = strategy_signals(strat["name"], params, bars)
    fill = request.get("fill", "next_open")
    allow_short = request.get("allowShort", False)
    opts = Options(request)
    sl, tp = opts.sl, opts.tp
    trades, equity, held, fees, diag = simulate(
        bars, sig, request.get("feeBps", 10), request.get("slippageBps", 0), initial_cash,
        opts, fill, allow_short)
    met = metrics(bars, equity, held, trades, fees, initial_cash, ppy)
    n = len(bars)
    curve = [[bars[t]["time"], equity[t]] for t in range(n) if t % 24 == 0 or t == n - 1]
    out_params = {"csv": os.path.basename(csv_path), "symbol": request["symbol"],
                  "timeframe": request.get("timeframe", "1h"),
                  "start": request["start"], "end": request["end"],
                  "startMs": start_ms, "endMs": end_ms, "strategy": strat["name"],
                  "strategyParams": params, "feeBps": float(request.get("feeBps", 10)),
                  "slippageBps": float(request.get("slippageBps", 0)),
                  "initialCash": initial_cash,
                  "positionSize": (None if "sizing" in request
                                   else float(request.get("positionSize", 1.0))),
                  "periodsPerYear": ppy, "fill": fill, "allowShort": allow_short,
                  "stopLossPct": sl, "takeProfitPct": tp}
    if any(k in request for k in NEW_OPTIONS):
        # only cases using an option added after the first goldens record these (null when
        # unused), so the files written before them stay byte for byte the same
        for k in NEW_OPTIONS:
            out_params[k] = request.get(k)
    out = {"params": out_params, "bars": n, "firstOpenTime": bars[0]["time"],
           "lastOpenTime": bars[-1]["time"], "trades": trades, "metrics": met,
           "equity": curve}
    return out, {"signals": sig_margins, "stops": diag}


def request_for(symbol, start, end, name, params=None, fee=10, slip=0, size=1.0,
                fill="next_open", allow_short=False, sl=None, tp=None, sl_atr=None,
                tp_atr=None, trail=None, trail_atr=None, max_bars=None, sizing=None):
    """The /backtest/run body. ATR options are (period, multiple); sizing is (mode, value) and
    replaces positionSize (the two together are CONFLICTING_FIELDS)."""
    p = dict(DEFAULT_PARAMS[name])
    p.update(params or {})
    req = {"symbol": symbol, "timeframe": "1h", "start": start, "end": end,
           "strategy": {"name": name, "params": p}, "feeBps": fee, "slippageBps": slip,
           "positionSize": size, "fill": fill, "allowShort": allow_short}
    if sizing is not None:
        del req["positionSize"]
    if sl is not None:
        req["stopLossPct"] = sl
    if tp is not None:
        req["takeProfitPct"] = tp
    atr_obj = lambda a: {"period": a[0], "multiple": a[1]}
    if sl_atr is not None:
        req["stopLossAtr"] = atr_obj(sl_atr)
    if tp_atr is not None:
        req["takeProfitAtr"] = atr_obj(tp_atr)
    if trail is not None:
        req["trailingStopPct"] = trail
    if trail_atr is not None:
        req["trailingStopAtr"] = atr_obj(trail_atr)
    if max_bars is not None:
        req["maxBarsInTrade"] = max_bars
    if sizing is not None:
        req["sizing"] = {"mode": sizing[0], "value": sizing[1]}
    return req


def golden_cases():
    """(file name, request) of every golden case in tests/golden/strategies/."""
    btc = lambda name, **kw: request_for("BTCUSDT", "2024-01-01", "2024-12-31", name, **kw)
    btc23 = lambda name, **kw: request_for("BTCUSDT", "2023-01-01", "2023-12-31", name, **kw)
    eth23 = lambda name, **kw: request_for("ETHUSDT", "2023-01-01", "2023-12-31", name, **kw)
    return [
        ("btcusdt_1h_2024_sma_cross.json", btc("sma_cross")),
        ("btcusdt_1h_2024_ema_cross.json", btc("ema_cross")),
        ("btcusdt_1h_2024_macd_cross.json", btc("macd_cross")),
        ("btcusdt_1h_2024_rsi_reversion.json", btc("rsi_reversion")),
        ("btcusdt_1h_2024_bollinger_reversion.json", btc("bollinger_reversion")),
        ("btcusdt_1h_2024_donchian_breakout.json", btc("donchian_breakout")),
        ("btcusdt_1h_2024_buy_and_hold.json", btc("buy_and_hold")),
        ("btcusdt_1h_2024_ema_cross_short.json", btc("ema_cross", allow_short=True)),
        ("btcusdt_1h_2024_rsi_reversion_short.json", btc("rsi_reversion", allow_short=True)),
        ("btcusdt_1h_2024_bollinger_reversion_close_slip5.json",
         btc("bollinger_reversion", fill="close", slip=5)),
        ("btcusdt_1h_2024_donchian_breakout_short_size05.json",
         btc("donchian_breakout", allow_short=True, size=0.5)),
        ("btcusdt_1h_2024_sma_cross_sl2_tp5.json", btc("sma_cross", sl=0.02, tp=0.05)),
        ("btcusdt_1h_2024_macd_cross_short_sl3.json",
         btc("macd_cross", allow_short=True, sl=0.03)),
        ("ethusdt_1h_2023_rsi_reversion.json", eth23("rsi_reversion")),
        ("btcusdt_1h_2024_rsi_reversion_close_short_sl1_tp2.json",
         btc("rsi_reversion", fill="close", allow_short=True, sl=0.01, tp=0.02)),
        ("ethusdt_1h_2023_ema_cross_short_sl_tp_slip.json",
         eth23("ema_cross", allow_short=True, slip=2, sl=0.015, tp=0.03)),
        # Opens differ from the previous close by at most ~2.5e-4 in this data, so only levels
        # of about 1 bp lie beyond an open: these two exercise the gap-through-open fills.
        ("btcusdt_1h_2023_rsi_reversion_close_short_sl1bp_tp5bp.json",
         btc23("rsi_reversion", fill="close", allow_short=True, sl=0.0001, tp=0.0005)),
        ("btcusdt_1h_2023_bollinger_reversion_close_short_tp1bp.json",
         btc23("bollinger_reversion", fill="close", allow_short=True, tp=0.0001)),
        # Trailing stops, ATR levels, time exits and sizing (docs/strategies.md, "Trailing
        # stops, ATR levels and time exits, exactly" and "Sizing").
        ("btcusdt_1h_2024_ema_cross_trail3.json", btc("ema_cross", trail=0.03)),
        ("btcusdt_1h_2024_ema_cross_short_trailatr14x3_sl2.json",
         btc("ema_cross", allow_short=True, trail_atr=(14, 3), sl=0.02)),
        ("btcusdt_1h_2024_rsi_reversion_close_slatr14x2_tpatr14x4.json",
         btc("rsi_reversion", fill="close", sl_atr=(14, 2), tp_atr=(14, 4))),
        ("btcusdt_1h_2024_sma_cross_maxbars24.json", btc("sma_cross", max_bars=24)),
        ("btcusdt_1h_2024_donchian_breakout_short_risk1_slatr20x2.json",
         btc("donchian_breakout", allow_short=True, sizing=("risk", 0.01), sl_atr=(20, 2))),
        ("btcusdt_1h_2024_ema_cross_slip5_notional2500.json",
         btc("ema_cross", slip=5, sizing=("notional", 2500))),
        # 137 of the 290 entries (both sides) are capped at cash / (1 + f), the others are 9000
        ("btcusdt_1h_2024_ema_cross_short_notional9000.json",
         btc("ema_cross", allow_short=True, sizing=("notional", 9000))),
        ("ethusdt_1h_2023_macd_cross_close_frac05_trail5_maxbars48.json",
         eth23("macd_cross", fill="close", sizing=("fraction", 0.5), trail=0.05, max_bars=48)),
        ("btcusdt_1h_2024_sma_cross_risk2_trail4.json",
         btc("sma_cross", sizing=("risk", 0.02), trail=0.04)),
        # ATR(150) is first defined at bar 150: the trades decided before it have no target,
        # and the one open across it gets its trail mid-trade (entered at 137, trail from 151).
        ("btcusdt_1h_2024_ema_cross_short_trailatr150x2_tpatr150x4.json",
         btc("ema_cross", allow_short=True, trail_atr=(150, 2), tp_atr=(150, 4))),
        # ATR(100) is first defined at bar 100: the entry decided at bar 86 has no stop, so risk
        # sizing opens nothing for it.
        ("btcusdt_1h_2024_sma_cross_risk1_slatr100x2.json",
         btc("sma_cross", sizing=("risk", 0.01), sl_atr=(100, 2))),
        # fill close: trailing stops gapped through at the open, and time exits followed by a
        # re-entry at the same close (RSI still beyond its bound).
        ("btcusdt_1h_2024_rsi_reversion_close_short_trail1_maxbars6.json",
         btc("rsi_reversion", fill="close", allow_short=True, trail=0.01, max_bars=6)),
    ]


def summary(name, out, diag):
    reasons = {}
    for tr in out["trades"]:
        reasons[tr["exitReason"]] = reasons.get(tr["exitReason"], 0) + 1
    sides = {}
    for tr in out["trades"]:
        sides[tr["side"]] = sides.get(tr["side"], 0) + 1
    closest = {k: "%.3g" % v[0] for k, v in sorted(diag["signals"].items())}
    closest.update({k: "%.3g" % v[0] for k, v in sorted(diag["stops"].values.items())})
    d = diag["stops"]
    text = ("%s: bars %d, trades %d (closed %d) %s by side %s; gap fills at bars %s; "
            "both levels in one bar %d (open beyond target with stop inside %d); "
            "fill=close entry bars that would trigger if checked %s; closest ties %s"
            % (name, out["bars"], len(out["trades"]), out["metrics"]["numTrades"], reasons, sides,
               d.gap_fills, d.both_in_bar, d.target_gap_with_stop_in_bar,
               d.entry_bar_would_stop, closest))
    if out["params"].get("sizing") is not None:
        c = d.committed
        text += ("; sizing %s: %d distinct quantities, notional/cash at entry %.4g..%.4g, "
                 "capped at the whole cash %d, entries skipped (no stop at entry) at bars %s"
                 % (out["params"]["sizing"], len({tr["quantity"] for tr in out["trades"]}),
                    min(c) if c else 0, max(c) if c else 0, d.capped, d.skipped_entries))
    return text


def write_json(path, obj):
    with open(path, "w") as fh:
        # json.dump writes floats with repr(), the shortest round-trip form
        json.dump(obj, fh, indent=1, allow_nan=False)
        fh.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", help="folder with BTCUSDT-1h.csv, ETHUSDT-1h.csv (all cases)")
    ap.add_argument("--out-dir", help="where the case files and cases.json go (all cases)")
    ap.add_argument("--csv", help="one run: Binance kline CSV (.csv or .csv.gz)")
    ap.add_argument("--symbol", default="BTCUSDT")
    ap.add_argument("--start", help="YYYY-MM-DD")
    ap.add_argument("--end", help="YYYY-MM-DD, the whole day included")
    ap.add_argument("--strategy", choices=sorted(DEFAULT_PARAMS), default="sma_cross")
    ap.add_argument("--params", default="{}", help="strategy params as JSON")
    ap.add_argument("--fee-bps", type=float, default=10.0)
    ap.add_argument("--slippage-bps", type=float, default=0.0)
    ap.add_argument("--position-size", type=float, default=1.0)
    ap.add_argument("--fill", choices=["next_open", "close"], default="next_open")
    ap.add_argument("--allow-short", action="store_true")
    ap.add_argument("--stop-loss-pct", type=float)
    ap.add_argument("--take-profit-pct", type=float)
    atr_arg = lambda v: (int(v.split(",")[0]), float(v.split(",")[1]))
    ap.add_argument("--stop-loss-atr", type=atr_arg, metavar="PERIOD,MULTIPLE")
    ap.add_argument("--take-profit-atr", type=atr_arg, metavar="PERIOD,MULTIPLE")
    ap.add_argument("--trailing-stop-pct", type=float)
    ap.add_argument("--trailing-stop-atr", type=atr_arg, metavar="PERIOD,MULTIPLE")
    ap.add_argument("--max-bars-in-trade", type=int)
    ap.add_argument("--sizing", type=lambda v: (v.split(",")[0], float(v.split(",")[1])),
                    metavar="MODE,VALUE", help="fraction|notional|risk,VALUE (not with "
                    "--position-size)")
    a = ap.parse_args(argv)

    if a.data_dir:
        if not a.out_dir:
            ap.error("--out-dir is required with --data-dir")
        os.makedirs(a.out_dir, exist_ok=True)
        listing = []
        for fname, req in golden_cases():
            out, diag = run(os.path.join(a.data_dir, req["symbol"] + "-1h.csv"), req)
            write_json(os.path.join(a.out_dir, fname), out)
            listing.append({"file": fname, "request": req})
            print(summary(fname, out, diag), file=sys.stderr)
        write_json(os.path.join(a.out_dir, "cases.json"), listing)
        return
    if not (a.csv and a.start and a.end):
        ap.error("give --data-dir/--out-dir, or --csv, --start and --end")
    req = request_for(a.symbol, a.start, a.end, a.strategy, json.loads(a.params), a.fee_bps,
                      a.slippage_bps, a.position_size, a.fill, a.allow_short,
                      a.stop_loss_pct, a.take_profit_pct, a.stop_loss_atr, a.take_profit_atr,
                      a.trailing_stop_pct, a.trailing_stop_atr, a.max_bars_in_trade, a.sizing)
    out, diag = run(a.csv, req)
    json.dump(out, sys.stdout, indent=1, allow_nan=False)
    sys.stdout.write("\n")
    print(summary("run", out, diag), file=sys.stderr)


if __name__ == "__main__":
    main()
