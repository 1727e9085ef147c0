#!/usr/bin/env bash
# Load benchmark: starts the service in dev mode on loopback and drives each
# case with wrk for a fixed time, then prints req/s, p50, p99 and the ratios.
# Figures, not assertions. Usage: bash .ci/bench.sh   (DURATION=10s CONNS=32)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
DURATION="${DURATION:-10s}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk from Debian" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

work="$(mktemp -d)"
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; rm -rf "$work"' EXIT
go build -o "$work/api" ./cmd/api

API=http://127.0.0.1:3010
ADMIN=http://127.0.0.1:9090
TENANT=http://127.0.0.1:3011

start() { # start [ENV=VALUE...]: the service in dev mode, JSON logs to a file
  env "$@" LOG_FORMAT=json "$work/api" -dev >"$work/api.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    curl -fs "$ADMIN/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: the service did not become ready" >&2; cat "$work/api.log" >&2; exit 1
}

token() { # token CLIENT SECRET
  curl -fs -X POST "$TENANT/oauth/token" -d grant_type=client_credentials -d "client_id=$1" \
    -d "client_secret=$2" -d audience=https://messages-api.dev | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# run NAME PATH [TOKEN]: one wrk run; records "NAME rps p50 p99 non2xx"
run() {
  local args=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
  wrk "${args[@]}" "$API$2" >"$work/$1.txt"
  local rps p50 p99 bad
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$1.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$1.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$1.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$work/$1.txt"); bad=${bad:-0}
  echo "$1 $rps $p50 $p99 $bad" >>"$work/results"
}

start
READER=$(token dev-reader dev-reader-secret)
curl -fs -H "Authorization: Bearer $READER" "$API/api/private-scoped" >/dev/null
BAD="${READER%????????}AAAAAAAA"

run public /api/public
run private-reused /api/private "$READER"
run private-scoped /api/private-scoped "$READER"
run bad-signature /api/private "$BAD"
stop

# A new token per request: the verified-token cache is turned off, so every
# request pays pre-parse checks, key lookup, RSA and claims (a cache miss).
start AUTH0_TOKEN_CACHE_SIZE=-1
READER=$(token dev-reader dev-reader-secret)
run private-cold /api/private "$READER"
stop

echo
echo "Load benchmark: wrk -t$THREADS -c$CONNS -d$DURATION on loopback, service and wrk on the same machine"
echo "($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3))"
echo
awk '
function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
{ name[NR]=$1; rps[$1]=$2; p50[$1]=ms($3); p99[$1]=ms($4); bad[$1]=$5 }
END {
  printf "| case | req/s | p50 ms | p99 ms | non-2xx |\n|---|---:|---:|---:|---:|\n"
  for (i=1; i<=NR; i++) { n=name[i]; printf "| %s | %.0f | %.3f | %.3f | %s |\n", n, rps[n], p50[n], p99[n], bad[n] }
  printf "\nprivate-reused / public req/s: %.2f   (p99 ratio %.2f)\n", rps["private-reused"]/rps["public"], p99["private-reused"]/p99["public"]
  printf "private-scoped / public req/s: %.2f\n", rps["private-scoped"]/rps["public"]
  printf "private-cold   / public req/s: %.2f\n", rps["private-cold"]/rps["public"]
  printf "bad-signature  / public req/s: %.2f\n", rps["bad-signature"]/rps["public"]
}' "$work/results"
