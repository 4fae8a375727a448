#!/usr/bin/env bash
# Builds the web app (web/, Vite + TypeScript) into web/dist from its lockfile: `npm ci` then
# `npm run build`. Skipped when web/dist is newer than every source file, so `make build` stays
# quick when nothing in web/ changed. Nothing is downloaded at run time: the executor serves
# web/dist (SPARK_WEB_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web="$root/web"
[ -f "$web/package.json" ] || exit 0
stamp="$web/dist/index.html"
if [ -f "$stamp" ] && [ -d "$web/node_modules" ] &&
    [ -z "$(find "$web" -path "$web/node_modules" -prune -o -path "$web/dist" -prune -o -type f -newer "$stamp" -print -quit)" ]; then
    exit 0
fi
echo "web: npm ci && npm run build"
(cd "$web" && env -u NODE_OPTIONS npm ci --no-audit --no-fund --loglevel=error && env -u NODE_OPTIONS npm run build --silent)
