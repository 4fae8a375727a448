#!/usr/bin/env python3
"""Independent reference for POST /backtest/optimize (standard library only).

Implements docs/optimize.md: grid enumeration, constraint skipping, minTrades, ranking with
tie-breaking by enumeration order, and the Probabilistic / Deflated Sharpe Ratio of the best
result. Each combination is one backtest exactly as tests/golden/reference_strategies.py computes
it (same bars, signals, simulation and metrics); this file only adds the grid search on top.
Written without looking at the C++ sources.

Usage (from the repository root):
  reference_optimize.py --csv ../shared/data/binance/spot/BTCUSDT-1h.csv \
      --out-dir tests/golden/optimize             # the golden cases + psr_dsr_example.json
  reference_optimize.py --csv FILE --request '{"symbol": ..., "grid": ...}'   # one to stdout
"""
import argparse
import json
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))          # tests/golden
from reference_backtest import load_bars, metrics  # noqa: E402
from reference_strategies import (DAY_MS, date_ms, simulate,  # noqa: E402
                                  strategy_signals)

NORMAL = statistics.NormalDist()                    # Φ = NORMAL.cdf, Φ⁻¹ = NORMAL.inv_cdf
EULER_GAMMA = 0.5772156649015329                    # Euler–Mascheroni, nearest double
PERIODS_PER_YEAR = 8760.0                           # 1h bars
INITIAL_CASH = 10000.0
MAX_COMBINATIONS = 500                              # OPTIMIZER_MAX_COMBINATIONS default
OBJECTIVES = ("sharpe", "totalReturn", "cagr", "calmar", "sortino", "profitFactor")

# Strategy schemas in the order of docs/strategies.md: (name, type, default, min, max), and the
# constraint. Parameter order here is the "schema order" used for enumeration.
SCHEMAS = {
    "sma_cross": ([("fast", "integer", 10, 1, 10000), ("slow", "integer", 30, 2, 10000)],
                  ("fast", "slow")),
    "ema_cross": ([("fast", "integer", 12, 1, 10000), ("slow", "integer", 26, 2, 10000)],
                  ("fast", "slow")),
    "macd_cross": ([("fast", "integer", 12, 1, 10000), ("slow", "integer", 26, 2, 10000),
                    ("signal", "integer", 9, 1, 10000)], ("fast", "slow")),
    "rsi_reversion": ([("period", "integer", 14, 2, 1000), ("lower", "number", 30, 0, 100),
                       ("upper", "number", 70, 0, 100)], ("lower", "upper")),
    "bollinger_reversion": ([("period", "integer", 20, 2, 1000), ("k", "number", 2, 0.1, 10)],
                            None),
    "donchian_breakout": ([("entry", "integer", 20, 1, 1000), ("exit", "integer", 10, 1, 1000)],
                          None),
    "buy_and_hold": ([], None),
}


class InvalidRequest(Exception):
    pass


# ----------------------------------------------------------------------------- grid

def range_values(spec, field):
    """{"from", "to", "step"}: from + k·step for k = 0, 1, ... while the value does not pass `to`
    by more than 1e-9 of a step. Each value is computed as from + k·step (never accumulated)."""
    lo, hi, step = spec["from"], spec["to"], spec["step"]
    if not step > 0:
        raise InvalidRequest("%s.step must be > 0" % field)
    if hi < lo:
        raise InvalidRequest("%s.to must be >= from" % field)
    count = math.floor((hi - lo) / step + 1e-9) + 1
    return [lo + k * step for k in range(count)]


def check_value(v, ptype, lo, hi, field):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InvalidRequest("%s: not a number" % field)
    if ptype == "integer" and v != math.floor(v):
        raise InvalidRequest("%s: not an integer" % field)
    if not lo <= v <= hi:
        raise InvalidRequest("%s: out of [%s, %s]" % (field, lo, hi))
    return int(v) if ptype == "integer" else v


def enumerate_grid(name, fixed, grid):
    """Returns (combinations, skipped): the valid combinations in enumeration order (full
    parameter dicts in schema order) and the number that broke the constraint."""
    schema, constraint = SCHEMAS[name]
    names = [p[0] for p in schema]
    for k in list(grid) + list(fixed):
        if k not in names:
            raise InvalidRequest("unknown parameter %s" % k)
    for k in grid:
        if k in fixed:
            raise InvalidRequest("grid.%s is also in strategy.params" % k)
    axes = []                                       # schema order, first varying slowest
    for pname, ptype, default, lo, hi in schema:
        if pname in grid:
            spec = grid[pname]
            vals = range_values(spec, "grid." + pname) if isinstance(spec, dict) else list(spec)
            if not vals:
                raise InvalidRequest("grid.%s is empty" % pname)
            axes.append([check_value(v, ptype, lo, hi, "grid." + pname) for v in vals])
        elif pname in fixed:
            axes.append([check_value(fixed[pname], ptype, lo, hi, "strategy.params." + pname)])
        else:
            axes.append([default])
    combos, skipped = [], 0

    def walk(i, cur):
        nonlocal skipped
        if i == len(axes):
            p = dict(zip(names, cur))
            if constraint is not None and not p[constraint[0]] < p[constraint[1]]:
                skipped += 1
            else:
                combos.append(p)
            return
        for v in axes[i]:
            walk(i + 1, cur + [v])

    walk(0, [])
    return combos, skipped


# ----------------------------------------------------------------------------- statistics

def fmean(xs):
    return math.fsum(xs) / len(xs)


def sample_variance(xs):
    m = fmean(xs)
    return math.fsum((x - m) ** 2 for x in xs) / (len(xs) - 1)


def sharpe_per_bar(r):
    """mean / stdev (ddof 1); None with fewer than 2 returns or a zero deviation."""
    if len(r) < 2:
        return None
    sd = math.sqrt(sample_variance(r))
    return fmean(r) / sd if sd != 0 else None


def moments(r):
    """(skewness m3/m2^1.5, kurtosis m4/m2^2), population central moments; None if m2 == 0."""
    m = fmean(r)
    n = len(r)
    m2 = math.fsum((x - m) ** 2 for x in r) / n
    m3 = math.fsum((x - m) ** 3 for x in r) / n
    m4 = math.fsum((x - m) ** 4 for x in r) / n
    if m2 == 0:
        return None, None
    return m3 / m2 ** 1.5, m4 / (m2 * m2)


def psr(sr, sr_star, n, skew, kurt):
    """PSR(SR*) = Φ((SR − SR*)·√(n−1) / √(1 − γ3·SR + (γ4 − 1)/4·SR²)); n = number of returns."""
    if sr is None or sr_star is None or skew is None or kurt is None:
        return None
    term = 1 - skew * sr + (kurt - 1) / 4 * sr * sr
    if not term > 0:
        return None
    return NORMAL.cdf((sr - sr_star) * math.sqrt(n - 1) / math.sqrt(term))


def expected_max_sharpe(trial_sharpes):
    """(SR₀, V): SR₀ = √V·((1−γ)·Φ⁻¹(1−1/N) + γ·Φ⁻¹(1−1/(N·e))); SR₀ = 0 when N = 1."""
    n = len(trial_sharpes)
    if n == 1:
        return 0.0, None
    if any(s is None for s in trial_sharpes):
        return None, None
    v = sample_variance(trial_sharpes)
    sr0 = math.sqrt(v) * ((1 - EULER_GAMMA) * NORMAL.inv_cdf(1 - 1 / n)
                          + EULER_GAMMA * NORMAL.inv_cdf(1 - 1 / (n * math.e)))
    return sr0, v


def overfitting(best_returns, trial_sharpes):
    """Each reported value is null only where it is itself undefined: SR with fewer than 2
    returns or a zero deviation, the moments with a zero deviation, PSR / DSR also with fewer
    than 3 returns or a non-positive term under the root."""
    n = len(best_returns)
    sr = sharpe_per_bar(best_returns)
    skew, kurt = moments(best_returns) if n >= 1 else (None, None)
    sr0, v = expected_max_sharpe(trial_sharpes)
    p, d = (psr(sr, 0.0, n, skew, kurt), psr(sr, sr0, n, skew, kurt)) if n >= 3 else (None, None)
    return {"psr": p, "dsr": d,
            "trials": len(trial_sharpes), "sharpePerBar": sr, "expectedMaxSharpePerBar": sr0,
            "sharpeVariance": v, "skewness": skew, "kurtosis": kurt, "returns": n}


# ----------------------------------------------------------------------------- optimize

def backtest(bars, name, params, req):
    """One /backtest/run, as reference_strategies.run computes it, keeping the full equity."""
    sig, margins = strategy_signals(name, params, bars)
    cash = req.get("initialCash", INITIAL_CASH)
    trades, equity, held, fees, _ = simulate(
        bars, sig, req.get("feeBps", 10), req.get("slippageBps", 0), cash,
        req.get("positionSize", 1.0), req.get("fill", "next_open"), req.get("allowShort", False),
        req.get("stopLossPct"), req.get("takeProfitPct"))
    met = metrics(bars, equity, held, trades, fees, cash, PERIODS_PER_YEAR)
    returns = [equity[t] / equity[t - 1] - 1 for t in range(1, len(equity))]
    return met, trades, returns, margins


def optimize(csv_path, req, log=None):
    strat = req["strategy"]
    name, fixed = (strat, {}) if isinstance(strat, str) else (strat["name"],
                                                              strat.get("params", {}))
    objective = req.get("objective", "sharpe")
    if objective not in OBJECTIVES:
        raise InvalidRequest("objective")
    min_trades = req.get("minTrades", 1)
    combos, skipped = enumerate_grid(name, fixed, req["grid"])
    if len(combos) > MAX_COMBINATIONS:
        raise InvalidRequest("TOO_MANY_COMBINATIONS count=%d cap=%d"
                             % (len(combos), MAX_COMBINATIONS))
    start_ms = date_ms(req["start"])
    end_ms = date_ms(req["end"]) + DAY_MS           # a date-only end covers its whole day
    bars = load_bars(csv_path, start_ms, end_ms)
    results = []
    for i, params in enumerate(combos):
        met, trades, returns, margins = backtest(bars, name, params, req)
        results.append({"index": i, "params": params, "metrics": met, "trades": trades,
                        "returns": returns, "margins": margins})
        if log:
            print("  %s %s=%r trades=%d" % (params, objective, met[objective],
                                            met["numTrades"]), file=log)
    ranked = [r for r in results if r["metrics"]["numTrades"] >= min_trades]
    # highest first; a null objective (profitFactor without a losing trade) above every number;
    # Python's sort is stable, so ties keep the enumeration order
    ranked.sort(key=lambda r: (0, 0.0) if r["metrics"][objective] is None
                else (1, -r["metrics"][objective]))
    trial_sharpes = [sharpe_per_bar(r["returns"]) for r in results]
    out = {"request": req, "bars": len(bars), "evaluated": len(results), "skipped": skipped,
           "belowMinTrades": len(results) - len(ranked),
           "ranking": [{"rank": k + 1, "params": r["params"],
                        "objective": r["metrics"][objective], "metrics": r["metrics"]}
                       for k, r in enumerate(ranked)]}
    if ranked:
        b = ranked[0]
        out["best"] = {"params": b["params"], "metrics": b["metrics"], "trades": b["trades"]}
        out["overfitting"] = overfitting(b["returns"], trial_sharpes)
    else:
        out["best"] = None
        out["overfitting"] = None
    diag = {"trialSharpesPerBar": trial_sharpes,
            "closestObjectiveGap": closest_gap([r["metrics"][objective] for r in ranked]),
            "closestSignalTie": min((v[0] for r in results for v in r["margins"].values()),
                                    default=None)}
    return out, diag


def closest_gap(values):
    """Smallest relative gap between neighbours in the ranking (how safe the order is)."""
    nums = [v for v in values if v is not None]
    gaps = [abs(a - b) / max(abs(a), abs(b)) for a, b in zip(nums, nums[1:]) if a != 0 or b != 0]
    return min(gaps) if gaps else None


# ----------------------------------------------------------------------------- cases

def golden_cases():
    return [
        ("sma_2024.json", {
            "symbol": "BTCUSDT", "timeframe": "1h", "start": "2024-01-01", "end": "2024-12-31",
            "strategy": "sma_cross",
            "grid": {"fast": {"from": 5, "to": 30, "step": 5}, "slow": [20, 50, 100]},
            "objective": "sharpe", "topN": 5, "minTrades": 1, "feeBps": 10}),
        ("rsi_2024_return.json", {
            "symbol": "BTCUSDT", "timeframe": "1h", "start": "2024-01-01", "end": "2024-12-31",
            "strategy": {"name": "rsi_reversion", "params": {"period": 14}},
            "grid": {"lower": [20, 25, 30], "upper": {"from": 65, "to": 80, "step": 5}},
            "objective": "totalReturn", "topN": 3, "minTrades": 3, "allowShort": True}),
        ("ema_2023_calmar.json", {
            "symbol": "BTCUSDT", "timeframe": "1h", "start": "2023-01-01", "end": "2023-12-31",
            "strategy": "ema_cross",
            "grid": {"fast": [5, 8, 12], "slow": {"from": 20, "to": 40, "step": 10}},
            "objective": "calmar", "fill": "close", "slippageBps": 2}),
    ]


EXAMPLE_RETURNS = [0.05, -0.01, -0.01, 0.02, 0.02, 0.0, 0.0, 0.03, -0.01, 0.01]
EXAMPLE_TRIALS = [0.5, 0.2, -0.1]


def psr_dsr_example():
    r = EXAMPLE_RETURNS
    sr = sharpe_per_bar(r)
    skew, kurt = moments(r)
    sr0, v = expected_max_sharpe(EXAMPLE_TRIALS)
    return {"returns": r, "trialSharpes": EXAMPLE_TRIALS, "sr": sr, "skewness": skew,
            "kurtosis": kurt, "psr": psr(sr, 0.0, len(r), skew, kurt), "sr0": sr0,
            "sharpeVariance": v, "dsr": psr(sr, sr0, len(r), skew, kurt)}


def write_json(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, allow_nan=False)   # floats via repr(): shortest round trip
        fh.write("\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", required=True, help="BTCUSDT-1h.csv (.csv or .csv.gz)")
    ap.add_argument("--out-dir", help="write the golden cases and psr_dsr_example.json here")
    ap.add_argument("--request", help="one optimize request body (JSON) to run, to stdout")
    a = ap.parse_args(argv)
    if a.request:
        out, diag = optimize(a.csv, json.loads(a.request))
        json.dump(out, sys.stdout, indent=1, allow_nan=False)
        sys.stdout.write("\n")
        return
    if not a.out_dir:
        ap.error("give --out-dir or --request")
    os.makedirs(a.out_dir, exist_ok=True)
    for fname, req in golden_cases():
        print(fname, file=sys.stderr)
        out, diag = optimize(a.csv, req, log=sys.stderr)
        out.pop("bars")
        write_json(os.path.join(a.out_dir, fname), out)
        o, b = out["overfitting"], out["best"]
        print("%s: evaluated %d skipped %d belowMinTrades %d ranked %d; best %s objective %r; "
              "psr %r dsr %r; closest objective gap %.3g; closest signal tie %.3g"
              % (fname, out["evaluated"], out["skipped"], out["belowMinTrades"],
                 len(out["ranking"]), b["params"], out["ranking"][0]["objective"], o["psr"],
                 o["dsr"], diag["closestObjectiveGap"], diag["closestSignalTie"]),
              file=sys.stderr)
    ex = psr_dsr_example()
    write_json(os.path.join(a.out_dir, "psr_dsr_example.json"), ex)
    print("psr_dsr_example: %s" % json.dumps(ex), file=sys.stderr)


if __name__ == "__main__":
    main()
