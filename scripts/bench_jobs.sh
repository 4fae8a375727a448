#!/usr/bin/env bash
# Sweep throughput (docs/scaling.md "Measured"): a sweep of 100,200 runs (33,400 sma_cross
# combinations x BTCUSDT, ETHUSDT, SOLUSDT 1h 2023-2024) on the local pool, then through a real
# redis-server with 1 and 2 worker processes on this machine; then the per-shard overhead, from
# the same small sweep cut into 1-combination shards and into large ones.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
exe="$build/bin/spark-executor"

workdir=$(mktemp -d)
pids=()
redis_port=""
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "$redis_port" ] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME ARGS... -> sets $port
start_server() {
    local name=$1
    shift
    "$exe" serve --port 0 --db "$workdir/$name.duckdb" --audit-log "$workdir/$name.jsonl" --seed-dir data/sample \
        --binance-base-url= --binance-futures-base-url= --runs-keep 0 "$@" >"$workdir/$name.out" 2>"$workdir/$name.err" &
    pids+=($!)
    for _ in $(seq 1 600); do grep -q 'listening on' "$workdir/$name.out" 2>/dev/null && break; sleep 0.1; done
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$workdir/$name.out" | head -1)
    [ -n "$port" ] || { echo "server $name did not start"; cat "$workdir/$name.err"; exit 1; }
}

# run_job PORT BODY LABEL: submits, waits for done, prints runs, shards, job time and runs/s.
run_job() {
    local port=$1 body=$2 label=$3
    local id
    id=$(curl -s -X POST "localhost:$port/jobs" -d "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["jobId"])')
    while :; do
        status=$(curl -s "localhost:$port/jobs/$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
        case $status in done | failed | cancelled) break ;; esac
        sleep 0.2
    done
    [ "$status" = done ] || { echo "$label: job $status"; curl -s "localhost:$port/jobs/$id"; exit 1; }
    curl -s "localhost:$port/jobs/$id/result" >"$workdir/$label.json"
    curl -s "localhost:$port/jobs/$id" | python3 -c '
import json, sys
view = json.load(sys.stdin)
answer = json.load(open(sys.argv[1]))
runs = view["progress"]["total"]
seconds = view["progress"]["elapsedMs"] / 1000
shards = view["progress"].get("shards", 0)
print(f"{sys.argv[2]}: {runs} runs in {shards} shards, {seconds:.2f} s, {runs / seconds:,.0f} runs/s")
open(sys.argv[1][:-5] + ".seconds", "w").write(f"{seconds} {shards}")
' "$workdir/$label.json" "$label"
}

start_redis() {
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --dir "$workdir" --logfile "$workdir/redis.log"
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
}

start_worker() {
    "$exe" worker --redis "redis://127.0.0.1:$redis_port" --name "$1" >"$workdir/$1.out" 2>"$workdir/$1.err" &
    pids+=($!)
}

sweep='{"type":"sweep","request":{"symbols":["BTCUSDT","ETHUSDT","SOLUSDT"],"timeframe":"1h","start":"2023-01-01","end":"2024-12-31","strategy":"sma_cross","grid":{"fast":{"from":2,"to":201,"step":1},"slow":{"from":210,"to":1206,"step":6}},"topN":10}}'

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== sweep of 100,200 runs (33,400 combinations x 3 symbols, 1h 2023-2024)"
start_server local --workers "$(nproc)"
local_port=$port
run_job "$local_port" "$sweep" "local pool, $(nproc) compute workers"

start_redis
start_server coordinator --workers "$(nproc)" --redis "redis://127.0.0.1:$redis_port"
coordinator_port=$port
start_worker w1
run_job "$coordinator_port" "$sweep" "redis, 1 worker"
start_worker w2
run_job "$coordinator_port" "$sweep" "redis, 2 workers"
python3 - "$workdir" <<'PY'
import json, sys, glob
answers = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/*.json")) if "sweep" not in f]
strip = lambda a: {k: v for k, v in a.items() if k not in ("jobId", "rows")}
for a in answers:
    for s in a["perSeries"]:
        s["bars"].pop("source", None)
same = all(strip(a) == strip(answers[0]) for a in answers)
print(f"== the {len(answers)} answers are {'identical' if same else 'DIFFERENT'}")
PY

# Per-shard overhead: 1,000 combinations of one symbol, as 1,000 one-combination shards and as 1.
small='{"type":"sweep","request":{"symbols":["BTCUSDT"],"timeframe":"1h","start":"2023-01-01","end":"2024-12-31","strategy":"sma_cross","grid":{"fast":{"from":2,"to":41,"step":1},"slow":{"from":210,"to":450,"step":10}}}}'
kill "${pids[@]:1}" 2>/dev/null || true
wait "${pids[@]:1}" 2>/dev/null || true
pids=("${pids[0]}")
redis-cli -p "$redis_port" flushall >/dev/null
for shard_bars in 17543 100000000; do
    start_server "tiny$shard_bars" --workers 1 --redis "redis://127.0.0.1:$redis_port" --jobs-shard-bars "$shard_bars"
    start_worker "o$shard_bars"
    run_job "$port" "$small" "sweep_overhead_${shard_bars}"
    kill "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true
    wait "${pids[-1]}" "${pids[-2]}" 2>/dev/null || true
done
python3 - "$workdir" <<'PY'
import sys
(t1, n1), (t2, n2) = (map(float, open(f"{sys.argv[1]}/sweep_overhead_{b}.seconds").read().split()) for b in ("17543", "100000000"))
print(f"== per-shard overhead through Redis: ({t1:.3f} s - {t2:.3f} s) / ({n1:.0f} - {n2:.0f} shards) = {(t1 - t2) / (n1 - n2) * 1000:.2f} ms")
PY

