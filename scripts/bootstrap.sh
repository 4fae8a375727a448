#!/usr/bin/env bash
# Installs what the build needs and fetches the pinned DuckDB release from the npm registry.
# Idempotent: when everything is present it only checks (a few seconds) and changes nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
duckdb_dir="$root/third_party/duckdb"

# Debian packages: compiler and build tools, header-only Boost (Beast/Asio), JSON, metrics,
# zlib (gzip import), test and benchmark frameworks, promtool, wrk (load driver), npm (DuckDB fetch,
# the web app's build), Chromium (the web app's browser tests drive it through playwright-core),
# Redis, hiredis and libcrypto (distributed jobs: workers over Redis Streams, series named by SHA-256).
packages=(g++ cmake ninja-build ccache make libboost-dev nlohmann-json3-dev prometheus-cpp-dev
          zlib1g-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libbenchmark-dev prometheus wrk python3 ca-certificates
          chromium redis-server libhiredis-dev libssl-dev pkg-config)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# `bootstrap.sh fuzz`: clang 16 with its libFuzzer and sanitizer runtimes (make fuzz).
[ "${1:-}" = "fuzz" ] && packages+=(clang-16 libclang-rt-16-dev)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# DuckDB 1.4.4: the shared library from the Node bindings package, the header from the duckdb package.
readonly lib_pkg="@duckdb/node-bindings-linux-x64@1.4.4-r.4"
readonly lib_sha256="1ef33048e12235115ac0d277a0aaccbb560e33248144f488b5ac005cd9ba81b5"
readonly hdr_pkg="duckdb@1.4.4"
readonly hdr_path="package/src/duckdb/src/include/duckdb.h"
readonly hdr_sha256="cbe6a827284375c5a646b8f27dbd3a00808ce8738b5bbb49c190cb1e08540281"

verified() {  # file sha256
    [ -f "$1" ] && echo "$2  $1" | sha256sum --check --status
}

fetch() {  # npm-spec member destination sha256
    local tmp
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' RETURN
    (cd "$tmp" && npm pack --silent "$1" >/dev/null 2>&1)
    tar -xzf "$tmp"/*.tgz -C "$tmp" "$2"
    if ! echo "$4  $tmp/$2" | sha256sum --check --status; then
        echo "bootstrap: sha256 mismatch for $2 from $1" >&2
        return 1
    fi
    mkdir -p "$(dirname "$3")"
    mv "$tmp/$2" "$3"
}

verified "$duckdb_dir/lib/libduckdb.so" "$lib_sha256" ||
    { echo "bootstrap: fetching $lib_pkg"; fetch "$lib_pkg" package/libduckdb.so "$duckdb_dir/lib/libduckdb.so" "$lib_sha256"; }
verified "$duckdb_dir/include/duckdb.h" "$hdr_sha256" ||
    { echo "bootstrap: fetching $hdr_pkg"; fetch "$hdr_pkg" "$hdr_path" "$duckdb_dir/include/duckdb.h" "$hdr_sha256"; }
echo "bootstrap: ok"
