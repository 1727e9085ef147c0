#!/usr/bin/env bash
# Short fuzz runs for CI. Usage: bash .ci/fuzz.sh [COUNT]
#
# Each target runs a fixed number of inputs (-fuzztime=Nx) rather than a
# wall-clock time, so a busy machine fuzzes less quickly but never less.
# A failure that wrote a new input under testdata/fuzz is a real crasher:
# it fails at once and the input is printed (commit it as a regression
# seed). A failure that wrote nothing is the fuzz coordinator losing a race
# with its own shutdown (go.dev/issue/75804); only that kind is retried,
# at most twice.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT="${1:-${FUZZ_COUNT:-100000}}"

# list_inputs DIR: the corpus files under DIR, sorted; none when DIR does
# not exist yet (a target seeded by f.Add alone), which is not a failure.
list_inputs() {
  if [ -d "$1" ]; then find "$1" -type f | sort; fi
}

# fuzz NAME PACKAGE_DIR
fuzz() {
  local name=$1 dir=$2 corpus="$2/testdata/fuzz/$1" attempt out before after
  for attempt in 1 2 3; do
    before="$(list_inputs "$corpus")"
    out="$(mktemp)"
    if go test -run='^$' -fuzz="^${name}\$" -fuzztime="${COUNT}x" "./$dir/" 2>&1 | tee "$out"; then
      rm -f "$out"
      return 0
    fi
    after="$(list_inputs "$corpus")"
    if [ "$before" != "$after" ]; then
      echo "fuzz: $name found a failing input:"
      comm -13 <(echo "$before") <(echo "$after") | while read -r f; do echo "== $f"; cat "$f"; done
      rm -f "$out"
      return 1
    fi
    if ! grep -q 'context deadline exceeded' "$out"; then
      echo "fuzz: $name failed without writing an input and not at shutdown; not retried"
      rm -f "$out"
      return 1
    fi
    rm -f "$out"
    echo "fuzz: $name lost the coordinator's shutdown race (no input written); attempt $attempt of 3"
  done
  return 1
}

fuzz FuzzPrecheck internal/adapters/auth0
fuzz FuzzBearerToken internal/adapters/httpapi
fuzz FuzzParseJWKS internal/adapters/auth0
fuzz FuzzClaimsDifferential internal/adapters/auth0
fuzz FuzzScrubExportError internal/adapters/tracing
