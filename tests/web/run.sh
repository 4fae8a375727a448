#!/usr/bin/env bash
# Browser end-to-end test of the web app (tests/web/e2e.mjs).
#
#   tests/web/run.sh build/bin/spark-executor
#
# Installs playwright-core from tests/web/package-lock.json, builds web/dist when it is missing or
# older than web/'s sources (scripts/build_web.sh), starts the executor given as $1 on an ephemeral port over a fresh
# cache seeded from data/sample (offline: no Binance), runs the test against it, stops it, and
# exits with the test's status.
#
# Env: SPARK_ARTIFACTS (screenshots; default ${TMPDIR:-/tmp}/spark-web-artifacts), CHROMIUM
# (default /usr/bin/chromium), SPARK_WEB_DIR (serve this built app instead of building web/dist),
# SPARK_API_TOKEN (the executor inherits it and the test sends it).
set -euo pipefail
unset NODE_OPTIONS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

bin=${1:-}
if [[ -z $bin || ! -x $bin ]]; then
  echo "usage: $0 <path to the spark-executor binary>" >&2
  exit 2
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v node >/dev/null || { echo "run.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "run.sh: npm is not installed" >&2; exit 1; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[[ -x $chromium ]] || { echo "run.sh: no Chromium at $chromium (install it, or set CHROMIUM)" >&2; exit 1; }

# Runs a command silently, printing its output only when it fails.
quiet() {
  local log
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    echo "run.sh: failed: $*" >&2
    cat "$log" >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

quiet npm ci --prefix "$here" --no-audit --no-fund

web_dir=${SPARK_WEB_DIR:-$repo/web/dist}
if [[ -z ${SPARK_WEB_DIR:-} && -f $repo/scripts/build_web.sh ]]; then
  quiet bash "$repo/scripts/build_web.sh"
elif [[ -z ${SPARK_WEB_DIR:-} ]]; then
  stale=missing
  if [[ -f $web_dir/index.html ]]; then
    stale=$(find "$repo/web/src" "$repo/web/index.html" "$repo/web/package.json" "$repo/web/package-lock.json" \
      "$repo/web/vite.config.ts" "$repo/web/tsconfig.json" -newer "$web_dir/index.html" -print -quit)
  fi
  if [[ -n $stale ]]; then
    (cd "$repo/web" && quiet npm ci --no-audit --no-fund && quiet npm run build)
  fi
fi
[[ -f $web_dir/index.html ]] || { echo "run.sh: no index.html in $web_dir" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/spark-web.XXXXXX")
artifacts=${SPARK_ARTIFACTS:-${TMPDIR:-/tmp}/spark-web-artifacts}
mkdir -p "$artifacts"
pid=

stop_server() {
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [[ -n $pid ]] && wait "$pid" 2>/dev/null || true
  pid=
}
trap 'stop_server; rm -rf "$tmp"' EXIT

"$bin" serve --port 0 --workers 2 --web-dir "$web_dir" --seed-dir "$repo/data/sample" \
  --db "$tmp/web.duckdb" --audit-log "$tmp/audit.jsonl" --binance-base-url= --binance-futures-base-url= \
  >"$tmp/stdout.log" 2>"$tmp/stderr.log" &
pid=$!

# The executor prints "spark-executor listening on http://127.0.0.1:PORT (cache ..., N workers)"
# once it listens (tests/support/server_process.cc reads the same line).
url=
for _ in $(seq 600); do
  url=$(sed -n 's/.*listening on \(http:\/\/[^ ]*:[0-9][0-9]*\).*/\1/p' "$tmp/stdout.log" "$tmp/stderr.log" | head -n 1)
  [[ -n $url ]] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "run.sh: spark-executor exited before listening:" >&2
    cat "$tmp/stdout.log" "$tmp/stderr.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z $url ]]; then
  echo "run.sh: spark-executor did not say where it listens within 60 s" >&2
  tail -n 40 "$tmp/stdout.log" "$tmp/stderr.log" >&2
  exit 1
fi
echo "run.sh: spark-executor at $url, web app from $web_dir, screenshots in $artifacts"

# playwright-core needs Node.js 20 or later; Debian 12's own is 18: then Node 20 comes from the npm
# registry (the `node` package) for this test only.
node_runner=(node)
if (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  node_runner=(npm exec --yes --package=node@20 -- node)
fi

set +e
SPARK_URL=$url SPARK_ARTIFACTS=$artifacts CHROMIUM=$chromium "${node_runner[@]}" "$here/e2e.mjs"
status=$?
set -e
if [[ $status -ne 0 ]]; then
  echo "--- spark-executor stderr (last 40 lines) ---" >&2
  tail -n 40 "$tmp/stderr.log" >&2
fi
stop_server
exit $status
