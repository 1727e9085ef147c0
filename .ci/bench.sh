#!/usr/bin/env bash
# Load benchmark: starts the service in dev mode on loopback (JSON access
# logs at info, metrics on, no CORS origins: as production runs by default)
# and a bare net/http server serving the same public JSON (.ci/floor.go: the
# floor; floor-limits is the same server with the service's timeouts and
# header cap; public-quiet is the service at LOG_LEVEL=warn, so with no
# access lines, to show what they cost), drives each case with wrk, then
# prints req/s, p50, p99, the server's CPU time per request, each case's
# ratio to the floor, the ratios the service is held to and the steps from
# the floor to public. Cases run in rounds, the order reversing every other
# round, and the cases of a held ratio run next to each other (or one run
# apart); a figure is the median of its rounds and a ratio the median of
# its per-round ratios, so drift on a shared machine cancels out of it; a
# held ratio also shows its lowest and highest round, how much one round
# can be trusted. Figures, not assertions.
# Usage: bash .ci/bench.sh
#   DURATION=2s ROUNDS=9 CONNS=32 THREADS=1   wrk settings per run
#   BENCH_PORT=23010                          first of the 11 consecutive loopback ports used (below
#                                             Linux's ephemeral range, where outgoing connections take theirs)
#   DURATION=1s ROUNDS=1                      a smoke run: checks the script, figures meaningless
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
DURATION="${DURATION:-2s}"
ROUNDS="${ROUNDS:-9}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"
BENCH_PORT="${BENCH_PORT:-23010}"

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk from Debian" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

# Ports: the service and its admin and dev-tenant listeners, its cache-off
# and quiet twins, and the two floors, all from BENCH_PORT up.
MAIN_API=$BENCH_PORT MAIN_ADMIN=$((BENCH_PORT + 1)) MAIN_TENANT=$((BENCH_PORT + 2))
COLD_API=$((BENCH_PORT + 3)) COLD_ADMIN=$((BENCH_PORT + 4)) COLD_TENANT=$((BENCH_PORT + 5))
FLOOR=$((BENCH_PORT + 6)) LIMITS=$((BENCH_PORT + 7))
QUIET_API=$((BENCH_PORT + 8)) QUIET_ADMIN=$((BENCH_PORT + 9)) QUIET_TENANT=$((BENCH_PORT + 10))

work="$(mktemp -d)"
pids=()
declare -A server # NAME -> pid of the process serving it, whose CPU time a run reads
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

# start NAME API_PORT ADMIN_PORT TENANT_PORT [ENV=VALUE...]: one service in dev mode, JSON logs at info
# (unless ENV says otherwise) to a file
start() {
  local name=$1 api=$2 admin=$3 tenant=$4; shift 4
  # spa_addr empty: no example SPA, whose fixed port two instances would
  # share; no CORS origins, as production runs by default (dev mode allows
  # the example SPA's)
  printf 'http:\n  port: %s\n  handler:\n    cors:\n      allowed_origins: []\nadmin:\n  addr: 127.0.0.1:%s\ndev_tenant:\n  addr: 127.0.0.1:%s\n  spa_addr: ""\n' "$api" "$admin" "$tenant" >"$work/$name.yaml"
  # A clean environment: the shell's PORT, ADMIN_ADDR, GOGC or OTEL_* would
  # override the file or change what is measured. HOME finds the dev key.
  env -i PATH="$PATH" HOME="$HOME" ${XDG_CACHE_HOME:+XDG_CACHE_HOME="$XDG_CACHE_HOME"} \
    LOG_FORMAT=json LOG_LEVEL=info "$@" "$work/api" -dev -config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pids+=($!)
  server[$name]=$!
  wait_for "$name" "http://127.0.0.1:$admin/readyz"
}

token() { # token TENANT_PORT
  curl -fs -X POST "http://127.0.0.1:$1/oauth/token" -d grant_type=client_credentials -d client_id=dev-reader \
    -d client_secret=dev-reader-secret -d audience=https://messages-api.dev | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# The service as it runs; a twin with the verified-token cache off, where
# every request pays the whole verification, as a new token would; and a
# twin at LOG_LEVEL=warn, which writes no access lines (metrics stay on).
start main "$MAIN_API" "$MAIN_ADMIN" "$MAIN_TENANT"
start nocache "$COLD_API" "$COLD_ADMIN" "$COLD_TENANT" AUTH0_TOKEN_CACHE_SIZE=-1
start quiet "$QUIET_API" "$QUIET_ADMIN" "$QUIET_TENANT" LOG_LEVEL=warn
env -i PATH="$PATH" "$work/floor" -addr "127.0.0.1:$FLOOR" >"$work/floor.log" 2>&1 &
pids+=($!)
server[floor]=$!
wait_for floor "http://127.0.0.1:$FLOOR/api/public"
env -i PATH="$PATH" "$work/floor" -limits -addr "127.0.0.1:$LIMITS" >"$work/floor-limits.log" 2>&1 &
pids+=($!)
server[floor-limits]=$!
wait_for floor-limits "http://127.0.0.1:$LIMITS/api/public"
TOKEN=$(token "$MAIN_TENANT")
COLD=$(token "$COLD_TENANT")
BAD="${TOKEN%????????}AAAAAAAA"
API="http://127.0.0.1:$MAIN_API"

# cpu PID: the process's user and system CPU time so far, in clock ticks
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# run ROUND NAME URL SERVER [TOKEN]: one wrk run, appended as "ROUND NAME rps
# p50 p99 non2xx cpu", cpu being SERVER's CPU time per request in µs (the
# server's own cost, without wrk's, which shares the cores)
run() {
  local args=(-t"$THREADS" -c"$CONNS" -d"$DURATION" --latency) pid=${server[$4]} before after
  [ -n "${5:-}" ] && args+=(-H "Authorization: Bearer $5")
  before=$(cpu "$pid")
  wrk "${args[@]}" "$3" >"$work/out.txt"
  after=$(cpu "$pid")
  awk -v r="$1" -v n="$2" -v ticks=$((after - before)) -v tick="$TICK_US" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^Requests\/sec/ { rps=$2 } $1=="50%" { p50=ms($2) } $1=="99%" { p99=ms($2) } /Non-2xx/ { bad=$NF }
    / requests in / { reqs=$1 }
    END { printf "%d %s %s %s %s %d %.2f\n", r, n, rps, p50, p99, bad, (reqs > 0 ? ticks * tick / reqs : 0) }' "$work/out.txt" >>"$work/results"
}

# Each case as "NAME URL SERVER TOKEN" (TOKEN "-" for none). public-with-header is
# the public call carrying the same Authorization header as private-reused:
# both parse the same bytes, so their ratio is the cost of authentication.
# The cases of each held ratio run next to each other (public's p99 and
# private-reused's one run apart), and the steps from the floor to public
# run in a row: floor-limits, public-quiet, floor, public.
cases=(
  "floor-limits http://127.0.0.1:$LIMITS/api/public floor-limits -"
  "public-quiet http://127.0.0.1:$QUIET_API/api/public quiet -"
  "floor http://127.0.0.1:$FLOOR/api/public floor -"
  "public $API/api/public main -"
  "public-with-header $API/api/public main $TOKEN"
  "private-reused $API/api/private main $TOKEN"
  "private-scoped $API/api/private-scoped main $TOKEN"
  "bad-signature $API/api/private main $BAD"
  "private-cold http://127.0.0.1:$COLD_API/api/private nocache $COLD"
)
for round in $(seq "$ROUNDS"); do
  echo "bench: round $round of $ROUNDS" >&2
  order=("${cases[@]}")
  if [ $((round % 2)) = 0 ]; then # reversed: no case always runs first or last
    order=(); for ((i = ${#cases[@]} - 1; i >= 0; i--)); do order+=("${cases[i]}"); done
  fi
  for c in "${order[@]}"; do
    read -r name url srv tok <<<"$c"
    [ "$tok" = - ] && tok=""
    run "$round" "$name" "$url" "$srv" "$tok"
  done
done

echo
echo "Load benchmark: wrk -t$THREADS -c$CONNS -d$DURATION per run, $ROUNDS alternating rounds, on loopback;"
echo "service and wrk share the machine ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3))."
echo "floor is a bare net/http server with the same public body (.ci/floor.go), floor-limits the same server"
echo "with the service's timeouts and header cap. The service runs in dev mode, with no CORS origins as in"
echo "production, JSON access logs at info and metrics on. public-quiet is the service at LOG_LEVEL=warn"
echo "(no access lines); private-cold the service with AUTH0_TOKEN_CACHE_SIZE=-1: every request verifies"
echo "in full. Figures are medians over the rounds; a ratio is the median of its per-round ratios, each"
echo "taken between runs seconds apart, so drift on a shared machine cancels out of it. A held ratio's"
echo "rounds column is its lowest and highest round. Server CPU µs/req is the serving process's user and"
echo "system time (/proc/PID/stat) over the run divided by the requests wrk counted: what a request costs"
echo "the server alone, without wrk's share of the cores."
echo
awk '
NF != 7 || $3 <= 0 { print "bench: no figures from wrk in round " $1 " for " $2 ": " $0 > "/dev/stderr"; failed=1; exit 1 }
{ r=$1; k=$2; rps[k,r]=$3; p50[k,r]=$4; p99[k,r]=$5; bad[k]+=$6; cpu[k,r]=$7; if (r > rounds) rounds=r }
function median(v, n,   i, j, t) {
  for (i=1; i<=n; i++) for (j=i+1; j<=n; j++) if (v[j] < v[i]) { t=v[i]; v[i]=v[j]; v[j]=t }
  return (n % 2) ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
}
function col(arr, k,   i, v) { for (i=1; i<=rounds; i++) v[i]=arr[k,i]; return median(v, rounds) }
# ratio(A, B, ARR): the median over rounds of ARR[A]/ARR[B]
function ratio(a, b, arr,   i, v) { for (i=1; i<=rounds; i++) v[i]=arr[a,i]/arr[b,i]; return median(v, rounds) }
# diff(A, B, ARR): the median over rounds of ARR[A]-ARR[B]
function diff(a, b, arr,   i, v) { for (i=1; i<=rounds; i++) v[i]=arr[a,i]-arr[b,i]; return median(v, rounds) }
# spread(A, B, ARR): the lowest and highest per-round ARR[A]/ARR[B], how far one round can stray
function spread(a, b, arr,   i, lo, hi, r) {
  for (i=1; i<=rounds; i++) { r=arr[a,i]/arr[b,i]; if (i == 1 || r < lo) lo=r; if (i == 1 || r > hi) hi=r }
  return sprintf("%.3f to %.3f", lo, hi)
}
# check(LABEL, A, B, ARR, OP, WANT): a held ratio, the spread of its rounds and whether the median meets WANT
function check(label, a, b, arr, op, want,   got) {
  got=ratio(a, b, arr)
  printf "| %s | %.3f | %s | %s %.2f | %s |\n", label, got, spread(a, b, arr), op, want, ((op == ">=" && got >= want) || (op == "<=" && got <= want)) ? "met" : "missed"
}
END {
  if (failed) exit 1
  n=split("floor floor-limits public-quiet public public-with-header private-reused private-scoped bad-signature private-cold", order, " ")
  printf "| case | req/s | p50 ms | p99 ms | non-2xx | server CPU µs/req | req/s vs floor |\n|---|---:|---:|---:|---:|---:|---:|\n"
  for (o=1; o<=n; o++) { k=order[o]
    printf "| %s | %.0f | %.3f | %.3f | %d | %.1f | %.2fx |\n", k, col(rps,k), col(p50,k), col(p99,k), bad[k], col(cpu,k), ratio(k,"floor",rps) }
  printf "\n| ratio | median | rounds | target | |\n|---|---:|---:|---:|---|\n"
  check("public / floor, req/s", "public", "floor", rps, ">=", 0.90)
  check("private-reused / public-with-header, req/s", "private-reused", "public-with-header", rps, ">=", 0.92)
  check("private-reused / public, p99", "private-reused", "public", p99, "<=", 1.5)
  printf "\nFrom the floor to public, req/s: floor-limits / floor %.2f (timeouts and header cap alone);\n", ratio("floor-limits","floor",rps)
  printf "public-quiet / floor-limits %.2f (the handler chain without the access line); public / public-quiet %.2f (the access line)\n", ratio("public-quiet","floor-limits",rps), ratio("public","public-quiet",rps)
  printf "The same steps in server CPU per request (median of per-round differences): timeouts %+.1f µs, handler chain %+.1f µs, access line %+.1f µs; public %+.1f µs over the floor\n", diff("floor-limits","floor",cpu), diff("public-quiet","floor-limits",cpu), diff("public","public-quiet",cpu), diff("public","floor",cpu)
  printf "private-reused / public: req/s %.2f, p99 %.2fx\n", ratio("private-reused","public",rps), ratio("private-reused","public",p99)
  printf "private-reused / public-with-header: p99 %.2fx\n", ratio("private-reused","public-with-header",p99)
  printf "private-scoped / public: req/s %.2f, p99 %.2fx\n", ratio("private-scoped","public",rps), ratio("private-scoped","public",p99)
  printf "private-cold   / public: req/s %.2f, p99 %.2fx\n", ratio("private-cold","public",rps), ratio("private-cold","public",p99)
  printf "bad-signature  / public: req/s %.2f, p99 %.2fx\n", ratio("bad-signature","public",rps), ratio("bad-signature","public",p99)
}' "$work/results"
