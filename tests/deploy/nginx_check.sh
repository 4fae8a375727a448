#!/usr/bin/env bash
# Checks deploy/nginx/spark-executor.conf for real: a copy of it (loopback addresses, high ports,
# a throw-away self-signed certificate, every path under a temporary directory) runs in front of
# a real executor, and curl checks TLS, the token, the body limit, the redirect, the Origin
# check through the proxy, the rate limit and nginx's JSON error answers.
#
#   tests/deploy/nginx_check.sh build/bin/spark-executor
#
# Needs nginx, openssl and curl (apt-get install -y nginx openssl curl; stop the nginx service
# the package may start, or pick other ports). Uses only 127.0.0.1, ports $NGINX_CHECK_HTTPS_PORT
# (18443) and $NGINX_CHECK_HTTP_PORT (18080) and an ephemeral one for the executor; removes
# everything it started and wrote on exit. Exit status: 0 all checks passed, 1 a check failed,
# 2 usage or start-up failure, 77 a tool is missing (CTest's SKIP_RETURN_CODE).
set -u -o pipefail

BIN=${1:-}
if [[ -z "$BIN" || ! -x "$BIN" ]]; then
    echo "usage: $0 PATH/TO/spark-executor" >&2
    exit 2
fi
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=${NGINX_CHECK_CONF:-"$ROOT/deploy/nginx/spark-executor.conf"}  # another copy may be checked
for tool in nginx openssl curl; do
    if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x "/usr/sbin/$tool" ]]; then
        echo "SKIP: $tool is not installed" >&2
        exit 77
    fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

HTTPS_PORT=${NGINX_CHECK_HTTPS_PORT:-18443}
HTTP_PORT=${NGINX_CHECK_HTTP_PORT:-18080}
NAME=spark.example.com  # the config's placeholder name; curl --resolve maps it to 127.0.0.1
TOKEN="check-token-$RANDOM$RANDOM"
BODY='{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-01-07"}'

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nginx_check.XXXXXX")
# nginx's workers may run as another user (nobody) when started as root: let them reach the
# temporary paths inside.
chmod 755 "$TMP"
EXEC_PID=""
NGINX_PID=""

cleanup() {
    if [[ -n "$NGINX_PID" ]] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -TERM "$NGINX_PID" 2>/dev/null
        wait "$NGINX_PID" 2>/dev/null
    fi
    if [[ -n "$EXEC_PID" ]] && kill -0 "$EXEC_PID" 2>/dev/null; then
        kill -TERM "$EXEC_PID" 2>/dev/null
        wait "$EXEC_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

die() {
    echo "nginx_check: $*" >&2
    for f in "$TMP"/executor.err "$TMP"/error.log "$TMP"/nginx.stderr; do
        [[ -s "$f" ]] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
    done
    exit 2
}

FAILED=0
pass() { echo "PASS: $1"; }
fail() {
    echo "FAIL: $1" >&2
    FAILED=1
}
# expect NAME WANTED GOT
expect() {
    if [[ "$2" == "$3" ]]; then
        pass "$1"
    elif [[ "$3" == 000 ]]; then
        fail "$1 (expected '$2', got no HTTP answer: $(head -c 300 "$TMP/curl.err"))"
    else
        fail "$1 (expected '$2', got '$3')"
    fi
}
# expect_match NAME REGEX TEXT
expect_match() {
    if [[ "$3" =~ $2 ]]; then pass "$1"; else fail "$1 (expected /$2/ in '${3:0:300}')"; fi
}

# --- The executor, on an ephemeral loopback port, with the token --------------------------------
SPARK_API_TOKEN="$TOKEN" "$BIN" serve --host 127.0.0.1 --port 0 --workers 2 \
    --db "$TMP/cache.duckdb" --audit-log "$TMP/audit.jsonl" --seed-dir "$ROOT/data/sample" \
    --binance-base-url= --binance-futures-base-url= \
    --auth-exempt healthz,readyz,metrics --allowed-origins "https://$NAME:$HTTPS_PORT" \
    >"$TMP/executor.out" 2>"$TMP/executor.err" &
EXEC_PID=$!
EXEC_PORT=""
for _ in $(seq 1 600); do
    EXEC_PORT=$(sed -n 's#.*listening on http://127\.0\.0\.1:\([0-9]*\).*#\1#p' "$TMP/executor.out" 2>/dev/null)
    [[ -n "$EXEC_PORT" ]] && break
    kill -0 "$EXEC_PID" 2>/dev/null || die "the executor exited at start"
    sleep 0.1
done
[[ -n "$EXEC_PORT" ]] || die "the executor did not start listening within 60 s"

# --- Certificate and the nginx configuration copy -------------------------------------------------
mkdir -p "$TMP/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" \
    -keyout "$TMP/tls/key.pem" -out "$TMP/tls/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"

# Only addresses, ports and certificate paths change; every other line is the shipped file's.
sed -E \
    -e '/listen \[::\]/d' \
    -e "s/listen 80( |;)/listen 127.0.0.1:${HTTP_PORT}\1/" \
    -e "s/listen 443( |;)/listen 127.0.0.1:${HTTPS_PORT}\1/" \
    -e "s#server 127\.0\.0\.1:4001;#server 127.0.0.1:${EXEC_PORT};#" \
    -e "s#ssl_certificate( +)/[^;]*;#ssl_certificate\1$TMP/tls/cert.pem;#" \
    -e "s#ssl_certificate_key( +)/[^;]*;#ssl_certificate_key\1$TMP/tls/key.pem;#" \
    -e "s#https://\\\$host\\\$request_uri#https://\$host:${HTTPS_PORT}\$request_uri#" \
    "$CONF" >"$TMP/spark-executor.conf"
# A changed shipped file must not silently escape the substitutions above.
# shellcheck disable=SC2016 # the $ signs are nginx's, matched literally
if grep -nE '^[^#]*(listen (80|443)[ ;]|/etc/ssl|127\.0\.0\.1:4001|https://\$host\$request_uri)' "$TMP/spark-executor.conf" >&2; then
    die "the lines above were not rewritten; update the sed expressions in $0"
fi

cat >"$TMP/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/error.log notice;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    access_log $TMP/access.log;
    client_body_temp_path $TMP/body;
    proxy_temp_path $TMP/proxy;
    fastcgi_temp_path $TMP/fastcgi;
    uwsgi_temp_path $TMP/uwsgi;
    scgi_temp_path $TMP/scgi;
    include $TMP/spark-executor.conf;
}
EOF

if "$NGINX" -t -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" >"$TMP/nginx-t.out" 2>&1; then
    pass "nginx -t accepts the configuration"
else
    cat "$TMP/nginx-t.out" >&2
    die "nginx -t rejected the configuration"
fi
"$NGINX" -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" 2>"$TMP/nginx.stderr" &
NGINX_PID=$!

CURL=(curl -sS --max-time 30 --cacert "$TMP/tls/cert.pem"
    --resolve "$NAME:$HTTPS_PORT:127.0.0.1" --resolve "$NAME:$HTTP_PORT:127.0.0.1")
BASE="https://$NAME:$HTTPS_PORT"
# request ARGS...: sets STATUS (000: no HTTP answer, curl's error in $TMP/curl.err), HEADERS
# (lower-cased) and RESPONSE (the body).
request() {
    : >"$TMP/h" && : >"$TMP/b"
    STATUS=$("${CURL[@]}" -D "$TMP/h" -o "$TMP/b" -w '%{http_code}' "$@" 2>"$TMP/curl.err")
    HEADERS=$(tr '[:upper:]' '[:lower:]' <"$TMP/h" | tr -d '\r')
    RESPONSE=$(cat "$TMP/b")
}

for _ in $(seq 1 100); do
    request "$BASE/healthz"
    [[ "$STATUS" == 200 ]] && break
    kill -0 "$NGINX_PID" 2>/dev/null || die "nginx exited at start"
    sleep 0.1
done

# --- TLS ------------------------------------------------------------------------------------------
request "$BASE/healthz"
expect "GET /healthz over HTTPS, no token (exempt)" 200 "$STATUS"
expect_match "/healthz body" '"status":"ok"' "$RESPONSE"
expect_match "HSTS header" 'strict-transport-security: max-age=63072000' "$HEADERS"
request --tlsv1.2 --tls-max 1.2 "$BASE/healthz"
expect "TLS 1.2 accepted" 200 "$STATUS"
request --tlsv1.3 "$BASE/healthz"
expect "TLS 1.3 accepted" 200 "$STATUS"
# The client's own security level would refuse TLS 1.1 by itself: lower it, so that what is
# tested is the server's refusal.
request --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0' "$BASE/healthz"
expect "TLS 1.1 refused" 000 "$STATUS"
expect_match "TLS 1.1 refused for its version" 'protocol version|unsupported protocol' "$(cat "$TMP/curl.err")"
request --tls-max 1.2 --ciphers 'AES128-SHA:AES256-GCM-SHA384' "$BASE/healthz"
expect "TLS 1.2 without forward secrecy refused" 000 "$STATUS"
request -k "https://127.0.0.1:$HTTPS_PORT/healthz"
expect "no SNI / unknown name: handshake refused" 000 "$STATUS"

# --- The token, passed through unchanged ----------------------------------------------------------
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" -d "$BODY" "$BASE/backtest/run"
expect "POST /backtest/run with the token" 200 "$STATUS"
expect_match "run answer has a runId" '"runId":"run_' "$RESPONSE"
request -X POST -H 'content-type: application/json' -d "$BODY" "$BASE/backtest/run"
expect "POST /backtest/run without the token" 401 "$STATUS"
expect_match "401 is the executor's UNAUTHORIZED" '"code":"UNAUTHORIZED".*"reason":"TOKEN_REQUIRED"' "$RESPONSE"
expect_match "401 carries WWW-Authenticate" 'www-authenticate: bearer realm="spark-executor"' "$HEADERS"
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer wrong-$TOKEN" -d "$BODY" "$BASE/backtest/run"
expect "POST /backtest/run with a wrong token" 401 "$STATUS"
request -H "Authorization: Bearer $TOKEN" "$BASE/backtest/runs?limit=1"
expect "GET /backtest/runs with the token" 200 "$STATUS"
request "$BASE/backtest/runs?limit=1"
expect "GET /backtest/runs without the token" 401 "$STATUS"

# --- Asynchronous jobs: submitted, then followed as server-sent events through the proxy ----------
JOB='{"type":"optimize","request":{"symbol":"BTCUSDT","timeframe":"1h","start":"2024-01-01","end":"2024-02-01","strategy":"sma_cross","grid":{"fast":[5,10],"slow":[20,40]}}}'
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" -d "$JOB" "$BASE/jobs"
expect "POST /jobs with the token" 202 "$STATUS"
JOB_ID=$(printf '%s' "$RESPONSE" | sed -n 's/.*"jobId":"\([^"]*\)".*/\1/p')
request -H "Authorization: Bearer $TOKEN" "$BASE/jobs/$JOB_ID/events"
expect "GET /jobs/{id}/events" 200 "$STATUS"
expect_match "the event stream ends with the job done" 'event: done' "$RESPONSE"
expect_match "events are not buffered into another type" 'content-type: text/event-stream' "$HEADERS"

# --- Host and Origin: the executor's same-origin rule still holds behind the proxy ---------------
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \
    -H "Origin: https://$NAME:$HTTPS_PORT" -d "$BODY" "$BASE/backtest/run"
expect "same-origin browser request (Host passed with its port)" 200 "$STATUS"
request --http2 -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \
    -H "Origin: https://$NAME:$HTTPS_PORT" -d "$BODY" "$BASE/backtest/run"
expect "same-origin request over HTTP/2" 200 "$STATUS"
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \
    -H "Origin: https://evil.example" -d "$BODY" "$BASE/backtest/run"
expect "foreign Origin refused by the executor" 403 "$STATUS"
expect_match "403 is ORIGIN_NOT_ALLOWED" '"code":"ORIGIN_NOT_ALLOWED"' "$RESPONSE"

# --- Body limit: refused by nginx before the executor --------------------------------------------
head -c 1100000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" \
    --data-binary "@$TMP/big.json" "$BASE/backtest/run"
expect "1.1 MB body" 413 "$STATUS"
expect_match "413 comes from nginx, in the JSON envelope" '"code":"PAYLOAD_TOO_LARGE".*proxy limit' "$RESPONSE"

# --- Plain HTTP redirects -------------------------------------------------------------------------
request "http://$NAME:$HTTP_PORT/healthz?x=1"
expect "HTTP redirects" 301 "$STATUS"
expect_match "redirect target" "location: https://$NAME:$HTTPS_PORT/healthz\\?x=1" "$HEADERS"
request "http://127.0.0.1:$HTTP_PORT/healthz"
expect "HTTP with an unknown Host: closed without an answer" 000 "$STATUS"

# --- /metrics is not published; the executor still answers it on loopback ------------------------
request "$BASE/metrics"
expect "GET /metrics through nginx" 403 "$STATUS"
expect_match "403 in the JSON envelope" '"code":"FORBIDDEN"' "$RESPONSE"
METRICS=$(curl -sS --max-time 10 "http://127.0.0.1:$EXEC_PORT/metrics")
OPEN=$(sed -n 's/^spark_http_open_connections \([0-9.e+]*\)$/\1/p' <<<"$METRICS")
# This scrape is one connection; any more are nginx's kept-alive upstream connections.
if [[ -n "$OPEN" ]] && awk -v n="$OPEN" 'BEGIN { exit !(n >= 2) }'; then
    pass "nginx keeps upstream connections alive (open connections: $OPEN)"
else
    fail "nginx keeps upstream connections alive (spark_http_open_connections: '${OPEN}')"
fi

# --- Rate limit on jobs: 5 r/s, burst 10 ----------------------------------------------------------
LIMITED=""
for _ in $(seq 1 40); do
    request -X POST -H 'content-type: application/json' -H "Authorization: Bearer $TOKEN" -d "$BODY" "$BASE/backtest/run"
    if [[ "$STATUS" == 429 ]]; then
        LIMITED=$RESPONSE
        break
    fi
done
expect_match "job flood gets 429 RATE_LIMITED" '"code":"RATE_LIMITED"' "$LIMITED"
expect_match "429 carries Retry-After" 'retry-after: 1' "$HEADERS"
request "$BASE/strategies" -H "Authorization: Bearer $TOKEN"
expect "reads are limited separately" 200 "$STATUS"

# --- Executor gone: nginx answers 503 in the envelope --------------------------------------------
kill -TERM "$EXEC_PID" 2>/dev/null
wait "$EXEC_PID" 2>/dev/null
EXEC_PID=""
request "$BASE/healthz"
expect "executor stopped: 503" 503 "$STATUS"
expect_match "503 is SERVICE_UNAVAILABLE UPSTREAM_UNREACHABLE" '"reason":"UPSTREAM_UNREACHABLE"' "$RESPONSE"

if [[ "$FAILED" != 0 ]]; then
    echo "nginx_check: FAILED" >&2
    exit 1
fi
echo "nginx_check: all checks passed"
