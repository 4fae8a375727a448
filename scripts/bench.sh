#!/usr/bin/env bash
# make bench: the engine micro-benchmarks, then warm /backtest/run load at concurrency 1 and 8
# against a real server on a temporary cache seeded with the bundled candles.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== engine (Google Benchmark, real BTCUSDT 1h, 17,543 bars)"
"$build/bin/spark_engine_bench" --benchmark_min_time=0.5

workdir=$(mktemp -d)
replay_pid=""
cold_pid=""
soak_pid=""
trap 'kill $server_pid $replay_pid $cold_pid $soak_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$workdir"' EXIT
"$build/bin/spark-executor" serve --port 0 --db "$workdir/cache.duckdb" --seed-dir data/sample \
    >"$workdir/stdout" 2>"$workdir/stderr" &
server_pid=$!
for _ in $(seq 1 300); do
    grep -q 'listening on' "$workdir/stdout" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/stdout" | head -1)
[ -n "$port" ] || { echo "server did not start"; cat "$workdir/stderr"; exit 1; }

# ~1,000 bars: 41 days of 1h; ~5,000 bars: 208 days of 1h. Equity curve included.
bars_1000='{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-02-10","includeEquity":true}'
bars_5000='{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-07-26","includeEquity":true}'
# 500 sma_cross combinations over BTCUSDT 1h 2023-2024 (17,543 bars), one client at a time.
grid_500='{"symbol":"BTCUSDT","timeframe":"1h","start":"2023-01-01","end":"2024-12-31","strategy":"sma_cross","grid":{"fast":{"from":5,"to":100,"step":5},"slow":{"from":110,"to":590,"step":20}}}'
printf '== warm /backtest/optimize, 500 sma_cross combinations x 17,543 bars: '
"$build/bin/spark_load_driver" "$port" 1 5 "$grid_500" /backtest/optimize

# Walk-forward: BTCUSDT 1h 2023-2024, 90-day in-sample / 30-day out-of-sample rolling, 100 combinations a fold.
walk_forward='{"symbol":"BTCUSDT","timeframe":"1h","start":"2023-01-01","end":"2024-12-31","strategy":"sma_cross","grid":{"fast":{"from":5,"to":50,"step":5},"slow":{"from":60,"to":240,"step":20}},"windows":{"inSample":"90d","outOfSample":"30d"}}'
printf '== warm /backtest/walkforward, 21 folds x 100 combinations: '
"$build/bin/spark_load_driver" "$port" 1 5 "$walk_forward" /backtest/walkforward

# Portfolio: BTCUSDT, ETHUSDT, SOLUSDT 1h 2024, buy-and-hold sleeves, monthly rebalancing.
portfolio='{"assets":[{"symbol":"BTCUSDT","weight":0.4},{"symbol":"ETHUSDT","weight":0.3},{"symbol":"SOLUSDT","weight":0.3}],"timeframe":"1h","start":"2024-01-01","end":"2024-12-31","rebalance":"monthly"}'
for connections in 1 8; do
    printf '== warm /backtest/portfolio, 3 assets x 8,784 bars, monthly: '
    "$build/bin/spark_load_driver" "$port" "$connections" 5 "$portfolio" /backtest/portfolio
done

for label in 1000 5000; do
    body_var="bars_$label"
    for connections in 1 8; do
        printf '== warm /backtest/run, ~%s bars, equity included: ' "$label"
        "$build/bin/spark_load_driver" "$port" "$connections" 5 "${!body_var}"
    done
done

# Flood: /backtest/optimize (100 combinations x 17,543 bars each) from 300 connections for 20 s,
# while one client sends ~1,000-bar runs; the server's memory before, at its peak, and 5 s after.
grid_flood='{"symbol":"BTCUSDT","timeframe":"1h","start":"2023-01-01","end":"2024-12-31","strategy":"sma_cross","grid":{"fast":{"from":5,"to":50,"step":5},"slow":{"from":60,"to":240,"step":20}}}'
printf '== flood, optimize x 300 connections + small runs: '
"$build/bin/spark_flood_driver" "$port" 300 20 /backtest/optimize "$grid_flood" "$bars_1000" 5

# Cold fetch through the Binance replay: an empty cache, one year of 1h bars (9 pages of 1000).
"$build/bin/binance-replay" --port 0 --data-dir data/sample >"$workdir/replay.out" 2>&1 &
replay_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$workdir/replay.out" 2>/dev/null && break; sleep 0.1; done
replay_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/replay.out" | head -1)
"$build/bin/spark-executor" serve --port 0 --db "$workdir/cold.duckdb" --audit-log "$workdir/cold.jsonl" \
    --binance-base-url "http://127.0.0.1:$replay_port" >"$workdir/cold.out" 2>"$workdir/cold.err" &
cold_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$workdir/cold.out" 2>/dev/null && break; sleep 0.1; done
cold_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/cold.out" | head -1)
year='{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-12-31","includeEquity":false}'
plan='{"symbol":"ETHUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07","useCache":true}'
for label in "cold year (9 pages)" "warm year"; do
    printf '== %s: ' "$label"
    curl -s -o "$workdir/answer.json" -w '%{time_total}s total, ' -X POST "localhost:$cold_port/backtest/run" -d "$year"
    python3 -c "import json,sys; b=json.load(open(sys.argv[1]))['bars']; print(f\"source={b['source']} requests={b['upstreamRequests']} fetched={b['fetched']}\")" "$workdir/answer.json"
done
for label in "cold plan payload" "warm plan payload"; do
    printf '== %s: ' "$label"
    curl -s -o /dev/null -w '%{time_total}s\n' -X POST "localhost:$cold_port/backtest/run" -d "$plan"
done

# Slow upstream: every Binance answer takes 1 s; 8 connections send uncached runs (useCache
# false: each one asks Binance) while one client sends the cached plan payload.
curl -s -o /dev/null -X POST "localhost:$replay_port/__faults" -d '{"delayMs":1000,"count":100000}'
uncached='{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-03-01","end":"2024-03-07","useCache":false}'
printf '== slow upstream (1 s an answer), 8 uncached connections + cached runs: '
"$build/bin/spark_flood_driver" "$cold_port" 8 20 /backtest/run "$uncached" "$plan" 2

# Soak: 64 connections for SOAK_SECONDS (default 600) on a fresh server without an upstream,
# every route plus requests that must fail (bad input, missing data). Latency and the server's
# memory in the first and the last minute; exits non-zero on any unexpected answer or on growth.
soak_seconds=${SOAK_SECONDS:-600}
"$build/bin/spark-executor" serve --port 0 --db "$workdir/soak.duckdb" --audit-log "$workdir/soak.jsonl" \
    --seed-dir data/sample --binance-base-url= --binance-futures-base-url= \
    >"$workdir/soak.out" 2>"$workdir/soak.err" &
soak_pid=$!
for _ in $(seq 1 300); do grep -q 'listening on' "$workdir/soak.out" 2>/dev/null && break; sleep 0.1; done
soak_port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/soak.out" | head -1)
printf '== soak, 64 connections, mixed routes with failures, %s s: ' "$soak_seconds"
"$build/bin/spark_soak_driver" "$soak_port" 64 "$soak_seconds"

# Asynchronous sweeps: locally, then through Redis with 1 and 2 worker processes, and the
# per-shard overhead (docs/scaling.md "Measured").
kill "$soak_pid" 2>/dev/null || true
bash "$root/scripts/bench_jobs.sh" "$build"
