#!/usr/bin/env bash
# The rollout plan's evidence for one route, in one command: the route's payload run cold (a range
# the cache has not loaded, so its bars come through the configured upstream) and then warm (the
# same request again, from the cache), with both answers' timing and bar source, the cold/warm
# ratio, /metrics and /version snapshots and the two jobs' audit lines, written to
# <out>/<route>/<UTC timestamp>/.
#
#   scripts/evidence.sh --url http://127.0.0.1:4001 [--route run|optimize|walkforward|portfolio]
#                       [--start YYYY-MM-DD] [--symbol BTCUSDT] [--token TOKEN] [--out evidence]
#                       [--notes TEXT]
#
# The first range tried starts at --start; when the cache already holds it (the answer's bar
# source is `cache`), the range moves back by its own length, up to 12 times. Exit 0 with the
# folder's path on stdout; 1 when a request fails or no uncached range is found; 2 on bad usage.
set -euo pipefail

usage() { sed -n '7,9p' "$0" | sed 's/^# *//' >&2; exit 2; }

url=""
route="run"
start="$(date -u -d '-60 days' +%Y-%m-%d)"
symbol="BTCUSDT"
token="${SPARK_API_TOKEN:-}"
out="evidence"
notes=""
while [ $# -gt 0 ]; do
    case "$1" in
        --url) url="${2:?}"; shift 2 ;;
        --route) route="${2:?}"; shift 2 ;;
        --start) start="${2:?}"; shift 2 ;;
        --symbol) symbol="${2:?}"; shift 2 ;;
        --token) token="${2:?}"; shift 2 ;;
        --out) out="${2:?}"; shift 2 ;;
        --notes) notes="${2:?}"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "evidence: unknown option $1" >&2; usage ;;
    esac
done
[ -n "$url" ] || { echo "evidence: --url is required" >&2; usage; }
case "$route" in run|optimize|walkforward|portfolio) ;; *) echo "evidence: --route must be run, optimize, walkforward or portfolio" >&2; exit 2 ;; esac
date -u -d "$start" +%F >/dev/null 2>&1 || { echo "evidence: --start must be a date (YYYY-MM-DD)" >&2; exit 2; }
command -v curl >/dev/null && command -v python3 >/dev/null || { echo "evidence: needs curl and python3" >&2; exit 1; }

# A portfolio's second asset: ETHUSDT, or BTCUSDT when --symbol is ETHUSDT.
other=ETHUSDT
[ "$symbol" = "ETHUSDT" ] && other=BTCUSDT

# The plan's payload for each route over [first, last] (inclusive days); its length in days.
days=7
[ "$route" = "walkforward" ] && days=120
payload() {  # first last
    case "$route" in
        run) printf '{"symbol":"%s","timeframe":"1h","start":"%s","end":"%s","useCache":true}' "$symbol" "$1" "$2" ;;
        optimize) printf '{"symbol":"%s","timeframe":"1h","start":"%s","end":"%s","strategy":"sma_cross","grid":{"fast":[5,10,20],"slow":[30,50,100]}}' "$symbol" "$1" "$2" ;;
        walkforward) printf '{"symbol":"%s","timeframe":"1h","start":"%s","end":"%s","strategy":"sma_cross","grid":{"fast":[5,10],"slow":[30,50]},"windows":{"inSample":"30d","outOfSample":"15d"}}' "$symbol" "$1" "$2" ;;
        portfolio) printf '{"timeframe":"1h","start":"%s","end":"%s","assets":[{"symbol":"%s","weight":0.5},{"symbol":"%s","weight":0.5}]}' "$1" "$2" "$symbol" "$other" ;;
    esac
}

# curl with the token, when there is one, read from its standard input: on the command line it
# would show in `ps` to every user of the host.
api() {
    if [ -n "$token" ]; then
        local escaped=${token//\\/\\\\}
        escaped=${escaped//\"/\\\"}
        printf 'header = "Authorization: Bearer %s"\n' "$escaped" | curl -K - "$@"
    else
        curl "$@"
    fi
}
folder="$out/$route/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$folder"

# POSTs the payload; writes <name>.json (the answer) and <name>.meta (status, wall seconds, run id).
post() {  # name body
    local headers="$folder/$1.headers"
    api -sS -o "$folder/$1.json" -D "$headers" -w '%{http_code} %{time_total}\n' \
        -H 'Content-Type: application/json' -X POST "$url/backtest/$route" -d "$2" >"$folder/$1.meta" ||
        { echo "evidence: no answer from $url" >&2; exit 1; }
    tr -d '\r' <"$headers" | sed -n 's/^[Xx]-[Rr]un-[Ii]d: //p' >>"$folder/$1.meta"
    rm -f "$headers"
}

# The bar source of an answer: portfolio answers have one per asset ("mixed" if they differ).
source_of() {
    python3 - "$1" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))
if "assets" in a:
    s = {x["bars"]["source"] for x in a["assets"]}
    print(s.pop() if len(s) == 1 else "mixed")
else:
    print(a.get("bars", {}).get("source", "none"))
PY
}

first="$start"
cold_found=""
for _ in $(seq 1 12); do
    last=$(date -u -d "$first + $((days - 1)) days" +%F)
    body=$(payload "$first" "$last")
    post cold "$body"
    status=$(head -1 "$folder/cold.meta" | cut -d' ' -f1)
    if [ "$status" != "200" ]; then
        echo "evidence: the cold request answered $status: $(head -c 400 "$folder/cold.json")" >&2
        exit 1
    fi
    if grep -q '"mode":"deterministic"' "$folder/cold.json"; then
        echo "evidence: $route is answered by its deterministic stand-in (not in REAL_ROUTES): nothing to measure" >&2
        exit 1
    fi
    if [ "$(source_of "$folder/cold.json")" != "cache" ]; then cold_found=yes; break; fi
    first=$(date -u -d "$first - $days days" +%F)
done
[ -n "$cold_found" ] || { echo "evidence: every range tried is already cached; pass --start of a range the cache lacks" >&2; exit 1; }
post warm "$body"
[ "$(head -1 "$folder/warm.meta" | cut -d' ' -f1)" = "200" ] || { echo "evidence: the warm request failed" >&2; exit 1; }

for snapshot in "metrics metrics.txt" "version version.json" "audit/recent?limit=1000 runs.json"; do
    read -r path file <<<"$snapshot"
    api -sSf "$url/$path" >"$folder/$file" || { echo "evidence: GET /$path failed" >&2; exit 1; }
done
printf '%s\n' "$body" >"$folder/payload.json"

python3 - "$folder" "$route" "$url" "$notes" <<'PY'
import json, sys
folder, route, url, notes = sys.argv[1:5]

def side(name):
    meta = open(f"{folder}/{name}.meta").read().split("\n")
    status, seconds = meta[0].split()
    run_id = meta[1].strip() if len(meta) > 1 else ""
    answer = json.load(open(f"{folder}/{name}.json"))
    timing = answer.get("timing", {})
    if "assets" in answer:
        sources = sorted({a["bars"]["source"] for a in answer["assets"]})
        source = sources[0] if len(sources) == 1 else "mixed"
        upstream = sum(a["bars"].get("upstreamRequests", 0) for a in answer["assets"])
    else:
        source = answer["bars"]["source"]
        upstream = answer["bars"].get("upstreamRequests", 0)
    return {"status": int(status), "wallMs": round(float(seconds) * 1000, 3), "runId": run_id,
            "barSource": source, "upstreamRequests": upstream, "timing": timing}

cold, warm = side("cold"), side("warm")
runs = json.load(open(f"{folder}/runs.json")).get("runs", [])
ids = {cold["runId"], warm["runId"]}
with open(f"{folder}/audit.jsonl", "w") as out:
    for line in reversed(runs):  # oldest first, as in the file
        if line.get("runId") in ids:
            out.write(json.dumps(line) + "\n")
summary = {
    "route": route, "url": url,
    "payload": json.load(open(f"{folder}/payload.json")),
    "cold": cold, "warm": warm,
    "coldWarmRatio": round(cold["wallMs"] / warm["wallMs"], 2) if warm["wallMs"] > 0 else None,
    "auditLines": len(ids & {r.get("runId") for r in runs}),
    "notes": notes,
}
json.dump(summary, open(f"{folder}/summary.json", "w"), indent=2)
with open(f"{folder}/notes.md", "w") as md:
    md.write(f"# Evidence: {route}\n\n")
    md.write(f"- service: {url}\n- cold: {cold['wallMs']} ms, bars from {cold['barSource']} "
             f"({cold['upstreamRequests']} upstream requests), runId {cold['runId']}\n")
    md.write(f"- warm: {warm['wallMs']} ms, bars from {warm['barSource']}, runId {warm['runId']}\n")
    md.write(f"- cold/warm: {summary['coldWarmRatio']}x\n- audit lines found: {summary['auditLines']} of 2\n")
    if notes:
        md.write(f"\n{notes}\n")
PY
rm -f "$folder/runs.json"
echo "$folder"
