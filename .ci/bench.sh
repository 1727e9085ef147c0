#!/usr/bin/env bash
# Load benchmark: starts the service in dev mode on loopback (JSON access
# logs at info, metrics on, as in production) and a bare net/http server
# serving the same public JSON (.ci/floor.go: the floor), drives each case
# with wrk, then prints req/s, p50, p99, each case's ratio to the floor and
# the ratios the service is held to. Cases run in alternating rounds (the
# order reverses every other round) and each figure is the median of its
# rounds, so drift on a shared machine hits every case alike. Figures, not
# assertions.
# Usage: bash .ci/bench.sh
#   DURATION=5s ROUNDS=3 CONNS=32 THREADS=1   wrk settings per run
#   BENCH_PORT=43010                          first of the 10 consecutive loopback ports used
#   DURATION=1s ROUNDS=1                      a smoke run: checks the script, figures meaningless
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"
BENCH_PORT="${BENCH_PORT:-43010}"

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk from Debian" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

# Ports: the service and its admin and dev-tenant listeners, its cache-off
# twin, and the floor, all from BENCH_PORT up.
MAIN_API=$BENCH_PORT MAIN_ADMIN=$((BENCH_PORT + 1)) MAIN_TENANT=$((BENCH_PORT + 2))
COLD_API=$((BENCH_PORT + 3)) COLD_ADMIN=$((BENCH_PORT + 4)) COLD_TENANT=$((BENCH_PORT + 5))
FLOOR=$((BENCH_PORT + 6))

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/api" ./cmd/api
go build -o "$work/floor" .ci/floor.go

# wait_for NAME URL: poll until URL answers 200
wait_for() {
  for _ in $(seq 100); do
    curl -fs "$2" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: $1 did not become ready" >&2; cat "$work/$1.log" >&2; exit 1
}

# start NAME API_PORT ADMIN_PORT TENANT_PORT [ENV=VALUE...]: one service in dev mode, JSON logs to a file
start() {
  local name=$1 api=$2 admin=$3 tenant=$4; shift 4
  # spa_addr empty: no example SPA, whose fixed port two instances would share
  printf 'http:\n  port: %s\nadmin:\n  addr: 127.0.0.1:%s\ndev_tenant:\n  addr: 127.0.0.1:%s\n  spa_addr: ""\n' "$api" "$admin" "$tenant" >"$work/$name.yaml"
  env "$@" LOG_FORMAT=json LOG_LEVEL=info "$work/api" -dev -config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_for "$name" "http://127.0.0.1:$admin/readyz"
}

token() { # token TENANT_PORT
  curl -fs -X POST "http://127.0.0.1:$1/oauth/token" -d grant_type=client_credentials -d client_id=dev-reader \
    -d client_secret=dev-reader-secret -d audience=https://messages-api.dev | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# The service as it runs, and a twin with the verified-token cache off:
# there every request pays the whole verification, as a new token would.
start main "$MAIN_API" "$MAIN_ADMIN" "$MAIN_TENANT"
start nocache "$COLD_API" "$COLD_ADMIN" "$COLD_TENANT" AUTH0_TOKEN_CACHE_SIZE=-1
"$work/floor" -addr "127.0.0.1:$FLOOR" >"$work/floor.log" 2>&1 &
pids+=($!)
wait_for floor "http://127.0.0.1:$FLOOR/api/public"
TOKEN=$(token "$MAIN_TENANT")
COLD=$(token "$COLD_TENANT")
BAD="${TOKEN%????????}AAAAAAAA"
API="http://127.0.0.1:$MAIN_API"

# run NAME URL [TOKEN]: one wrk run, appended as "NAME rps p50 p99 non2xx"
run() {
  local args=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency)
  [ -n "${3:-}" ] && args+=(-H "Authorization: Bearer $3")
  wrk "${args[@]}" "$2" >"$work/out.txt"
  awk -v n="$1" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^Requests\/sec/ { rps=$2 } $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) } /Non-2xx/ { bad=$NF }
    END { printf "%s %s %s %s %d\n", n, rps, p50, p99, bad }' "$work/out.txt" >>"$work/results"
}

# Each case as "NAME URL TOKEN" (TOKEN "-" for none). public-with-header is
# the public call carrying the same Authorization header as private-reused:
# both parse the same bytes, so their ratio is the cost of authentication.
cases=(
  "floor http://127.0.0.1:$FLOOR/api/public -"
  "public $API/api/public -"
  "public-with-header $API/api/public $TOKEN"
  "private-reused $API/api/private $TOKEN"
  "private-scoped $API/api/private-scoped $TOKEN"
  "bad-signature $API/api/private $BAD"
  "private-cold http://127.0.0.1:$COLD_API/api/private $COLD"
)
for round in $(seq "$ROUNDS"); do
  echo "bench: round $round of $ROUNDS" >&2
  order=("${cases[@]}")
  if [ $((round % 2)) = 0 ]; then # reversed: no case always runs first or last
    order=(); for ((i = ${#cases[@]} - 1; i >= 0; i--)); do order+=("${cases[i]}"); done
  fi
  for c in "${order[@]}"; do
    read -r name url tok <<<"$c"
    [ "$tok" = - ] && tok=""
    run "$name" "$url" "$tok"
  done
done

echo
echo "Load benchmark: wrk -t$THREADS -c$CONNS -d$DURATION per run, median of $ROUNDS alternating rounds, on loopback;"
echo "service and wrk share the machine ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3))."
echo "floor is a bare net/http server with the same public body (.ci/floor.go); the service runs in dev mode"
echo "with JSON access logs at info and metrics on. private-cold is the service with AUTH0_TOKEN_CACHE_SIZE=-1:"
echo "every request verifies in full."
echo
sort -k1,1 -k2,2n "$work/results" | awk '
{ k=$1; i=++cnt[k]; rps[k,i]=$2; p50[k,i]=$3; p99[k,i]=$4; bad[k]+=$5 }
function median(arr, k, n,   i, j, t, v) {
  for (i=1; i<=n; i++) v[i]=arr[k,i]
  for (i=1; i<=n; i++) for (j=i+1; j<=n; j++) if (v[j] < v[i]) { t=v[i]; v[i]=v[j]; v[j]=t }
  return (n % 2) ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
}
function check(label, got, op, want) {
  printf "| %s | %.2f | %s %.2f | %s |\n", label, got, op, want, ((op == ">=" && got >= want) || (op == "<=" && got <= want)) ? "met" : "MISSED"
}
END {
  n=split("floor public public-with-header private-reused private-scoped bad-signature private-cold", order, " ")
  printf "| case | req/s | p50 ms | p99 ms | non-2xx | req/s vs floor |\n|---|---:|---:|---:|---:|---:|\n"
  for (o=1; o<=n; o++) { k=order[o]; c=cnt[k]
    R[k]=median(rps,k,c); P50[k]=median(p50,k,c); P99[k]=median(p99,k,c)
    printf "| %s | %.0f | %.3f | %.3f | %d | %.2fx |\n", k, R[k], P50[k], P99[k], bad[k], R[k]/R["floor"] }
  printf "\n| ratio | value | target | |\n|---|---:|---:|---|\n"
  check("public / floor, req/s", R["public"]/R["floor"], ">=", 0.90)
  check("private-reused / public-with-header, req/s", R["private-reused"]/R["public-with-header"], ">=", 0.92)
  check("private-reused / public, p99", P99["private-reused"]/P99["public"], "<=", 1.5)
  printf "\nprivate-reused / public: req/s %.2f, p99 %.2fx\n", R["private-reused"]/R["public"], P99["private-reused"]/P99["public"]
  printf "private-reused / public-with-header: p99 %.2fx\n", P99["private-reused"]/P99["public-with-header"]
  printf "private-scoped / public: req/s %.2f, p99 %.2fx\n", R["private-scoped"]/R["public"], P99["private-scoped"]/P99["public"]
  printf "private-cold   / public: req/s %.2f, p99 %.2fx\n", R["private-cold"]/R["public"], P99["private-cold"]/P99["public"]
  printf "bad-signature  / public: req/s %.2f, p99 %.2fx\n", R["bad-signature"]/R["public"], P99["bad-signature"]/P99["public"]
}'
