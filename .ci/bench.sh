#!/usr/bin/env bash
# Load benchmark: starts the service in dev mode on loopback and drives each
# case with wrk, then prints req/s, p50, p99 and the ratios. Cases run in
# interleaved rounds and each figure is the median of its rounds, so drift
# on a shared machine hits every case alike. Figures, not assertions.
# Usage: bash .ci/bench.sh   (DURATION=5s ROUNDS=3 CONNS=32 THREADS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-1}"

if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk from Debian" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/api" ./cmd/api

# start NAME API_PORT ADMIN_PORT TENANT_PORT [ENV=VALUE...]: one service in dev mode, JSON logs to a file
start() {
  local name=$1 api=$2 admin=$3 tenant=$4; shift 4
  printf 'http:\n  port: %s\nadmin:\n  addr: 127.0.0.1:%s\ndev_tenant:\n  addr: 127.0.0.1:%s\n' "$api" "$admin" "$tenant" >"$work/$name.yaml"
  env "$@" LOG_FORMAT=json "$work/api" -dev -config "$work/$name.yaml" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -fs "http://127.0.0.1:$admin/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "bench: $name did not become ready" >&2; cat "$work/$name.log" >&2; exit 1
}

token() { # token TENANT_PORT
  curl -fs -X POST "http://127.0.0.1:$1/oauth/token" -d grant_type=client_credentials -d client_id=dev-reader \
    -d client_secret=dev-reader-secret -d audience=https://messages-api.dev | sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# The service as it runs, and a twin with the verified-token cache off:
# there every request pays the whole verification, as a new token would.
start main 3010 9090 3011
start nocache 3020 9091 3021 AUTH0_TOKEN_CACHE_SIZE=-1
TOKEN=$(token 3011)
COLD=$(token 3021)
BAD="${TOKEN%????????}AAAAAAAA"

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

for round in $(seq "$ROUNDS"); do
  echo "bench: round $round of $ROUNDS" >&2
  run public http://127.0.0.1:3010/api/public
  # The same public call carrying the token it ignores: what the bigger
  # request alone costs (wrk shares the cores), before any verification.
  run public-with-header http://127.0.0.1:3010/api/public "$TOKEN"
  run private-reused http://127.0.0.1:3010/api/private "$TOKEN"
  run private-scoped http://127.0.0.1:3010/api/private-scoped "$TOKEN"
  run bad-signature http://127.0.0.1:3010/api/private "$BAD"
  run private-cold http://127.0.0.1:3020/api/private "$COLD"
done

echo
echo "Load benchmark: wrk -t$THREADS -c$CONNS -d$DURATION per run, median of $ROUNDS interleaved rounds, on loopback;"
echo "service and wrk share the machine ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3))."
echo "private-cold is the service with AUTH0_TOKEN_CACHE_SIZE=-1: every request verifies in full."
echo
sort -k1,1 -k2,2n "$work/results" | awk -v rounds="$ROUNDS" '
{ k=$1; i=++cnt[k]; rps[k,i]=$2; p50[k,i]=$3; p99[k,i]=$4; bad[k]+=$5 }
function median(arr, k, n,   i, j, t, v) {
  for (i=1; i<=n; i++) v[i]=arr[k,i]
  for (i=1; i<=n; i++) for (j=i+1; j<=n; j++) if (v[j] < v[i]) { t=v[i]; v[i]=v[j]; v[j]=t }
  return (n % 2) ? v[(n+1)/2] : (v[n/2]+v[n/2+1])/2
}
END {
  split("public public-with-header private-reused private-scoped bad-signature private-cold", order, " ")
  printf "| case | req/s | p50 ms | p99 ms | non-2xx |\n|---|---:|---:|---:|---:|\n"
  for (o=1; o<=6; o++) { k=order[o]; n=cnt[k]
    R[k]=median(rps,k,n); P50[k]=median(p50,k,n); P99[k]=median(p99,k,n)
    printf "| %s | %.0f | %.3f | %.3f | %d |\n", k, R[k], P50[k], P99[k], bad[k] }
  printf "\nprivate-reused / public: req/s %.2f, p99 %.2fx\n", R["private-reused"]/R["public"], P99["private-reused"]/P99["public"]
  printf "private-reused / public-with-header: req/s %.2f, p99 %.2fx\n", R["private-reused"]/R["public-with-header"], P99["private-reused"]/P99["public-with-header"]
  printf "private-scoped / public: req/s %.2f, p99 %.2fx\n", R["private-scoped"]/R["public"], P99["private-scoped"]/P99["public"]
  printf "private-cold   / public: req/s %.2f, p99 %.2fx\n", R["private-cold"]/R["public"], P99["private-cold"]/P99["public"]
  printf "bad-signature  / public: req/s %.2f, p99 %.2fx\n", R["bad-signature"]/R["public"], P99["bad-signature"]/P99["public"]
}'
