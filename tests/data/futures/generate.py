#!/usr/bin/env python3
"""Writes the SYNTHETIC USD-M futures test data of this directory (see README.md).

Deterministic (fixed seed, standard library only): running it again rewrites the same bytes.

    python3 tests/data/futures/generate.py
"""
import json
import math
import os
import random

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SYMBOL = "BTCUSDT"
HERE = os.path.dirname(os.path.abspath(__file__))

KLINES_START = 1704067200000  # 2024-01-01T00:00Z
KLINES_END = 1709251200000  # 2024-03-01T00:00Z
FUNDING_START = 1672531200000  # 2023-01-01T00:00Z
FUNDING_END = KLINES_END
MARK_PRICE_FROM = 1685577600000  # 2023-06-01T00:00Z: earlier rows have markPrice "", as Binance's old rows do
FOUR_HOUR_FROM = 1705276800000  # 2024-01-15T00:00Z: funding every 4h until ...
FOUR_HOUR_UNTIL = 1705881600000  # 2024-01-22T00:00Z
GAP_FROM = 1707523200000  # 2024-02-10T00:00Z: no settlement at all until ...
GAP_UNTIL = 1707609600000  # 2024-02-11T00:00Z
DUMP_MONTH = (1704067200000, 1706745600000)  # January 2024

KLINE_HEADER = (
    "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
    "taker_buy_quote_volume,ignore"
)
FUNDING_HEADER = "calc_time,funding_interval_hours,last_funding_rate"


def price_text(tenths):
    """BTCUSDT perpetual prices move in 0.10 steps; the dumps print two decimals."""
    return f"{tenths // 10}.{tenths % 10}0"


def klines(rng):
    """Hourly bars: a mean-reverting random walk around 42000 with consistent OHLC."""
    rows = []
    opens = {}
    price = 420_000  # tenths of USDT
    anchor = math.log(420_000)
    for open_time in range(KLINES_START, KLINES_END, HOUR_MS):
        o = price
        drift = 0.02 * (anchor - math.log(o))
        c = max(10, round(o * math.exp(rng.gauss(drift * 0.1, 0.0045))))
        h = max(o, c) + round(abs(rng.gauss(0, 0.0018)) * o)
        lo = max(1, min(o, c) - round(abs(rng.gauss(0, 0.0018)) * o))
        volume = round(rng.lognormvariate(math.log(9000), 0.4), 3)
        typical = (o + h + lo + c) / 40.0
        taker = round(volume * rng.uniform(0.4, 0.6), 3)
        rows.append(
            ",".join(
                [
                    str(open_time),
                    price_text(o),
                    price_text(h),
                    price_text(lo),
                    price_text(c),
                    f"{volume:.3f}",
                    str(open_time + HOUR_MS - 1),
                    f"{volume * typical:.5f}",
                    str(int(volume * rng.uniform(8, 14))),
                    f"{taker:.3f}",
                    f"{taker * typical:.5f}",
                    "0",
                ]
            )
        )
        opens[open_time] = o / 10.0
        price = c
    return rows, opens


def funding_times():
    """Settlement times: 00/08/16 UTC, every 4h in the 4-hour week, none in the gap."""
    t = FUNDING_START
    while t < FUNDING_END:
        four_hourly = FOUR_HOUR_FROM <= t < FOUR_HOUR_UNTIL
        if not GAP_FROM <= t < GAP_UNTIL:
            yield t, 4 if four_hourly else 8
        t += (4 if four_hourly else 8) * HOUR_MS


def funding(rng, opens):
    """Rows as the API answers them, plus each row's interval in hours (for the dump)."""
    rows = []
    sign = 1
    mark = 27_000.0  # a walk for 2023, drifting to where the 2024 klines start
    previous = FUNDING_START
    for t, hours in funding_times():
        if rng.random() < 0.04:
            sign = -sign  # stretches of positive and negative funding, days long
        if sign > 0 and rng.random() < 0.5:
            rate = 0.0001  # Binance's default rate, the most common value
        else:
            rate = abs(rng.gauss(0.0001 if sign > 0 else 0.00008, 0.00005))
        if rng.random() < 0.01:
            rate *= 4  # the occasional spike
        rate = sign * max(rate, 0.000001)
        mark_text = ""
        if t >= MARK_PRICE_FROM:
            if t in opens:
                mark = opens[t] * (1 + rng.gauss(0, 0.0003))
            else:
                steps = (t - previous) / (8 * HOUR_MS)
                target = 42_000.0
                mark += (target - mark) * 0.01 * steps + rng.gauss(0, 120) * math.sqrt(steps)
            mark_text = f"{mark:.8f}"
        elif t in opens:
            mark = opens[t]
        # Real settlement times sometimes carry a few ms (…000003): some 08:00 rows do here.
        if t % DAY_MS == 8 * HOUR_MS and rng.random() < 0.05:
            t += rng.randint(1, 9)
        rows.append(({"symbol": SYMBOL, "fundingRate": f"{rate:.8f}", "fundingTime": t, "markPrice": mark_text}, hours))
        previous = t
    return rows


def main():
    rng = random.Random(20240301)
    kline_rows, opens = klines(rng)
    with open(os.path.join(HERE, f"{SYMBOL}-1h.csv"), "w", newline="\n") as out:
        out.write(KLINE_HEADER + "\n")
        out.write("\n".join(kline_rows) + "\n")
    rows = funding(rng, opens)
    with open(os.path.join(HERE, f"{SYMBOL}-fundingRate.json"), "w", newline="\n") as out:
        out.write("[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r, _ in rows) + "\n]\n")
    with open(os.path.join(HERE, f"{SYMBOL}-fundingRate-2024-01.csv"), "w", newline="\n") as out:
        out.write(FUNDING_HEADER + "\n")
        for r, hours in rows:
            if DUMP_MONTH[0] <= r["fundingTime"] < DUMP_MONTH[1]:
                out.write(f"{r['fundingTime']},{hours},{r['fundingRate']}\n")


if __name__ == "__main__":
    main()
