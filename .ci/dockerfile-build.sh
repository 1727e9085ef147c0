#!/usr/bin/env bash
# Runs the Dockerfile's build command outside Docker, so CI proves that the
# exact command the image is built with compiles the service.
#
# It takes the one line "RUN CGO_ENABLED=0 go build ..." from the
# Dockerfile, points its -o at a temporary directory, runs it from the repo
# root, then checks the binary: executable, built with CGO_ENABLED=0 and
# -trimpath, with the VERSION build argument in it. It fails when the line
# is missing, repeated or continued.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dockerfile="$root/Dockerfile"
[[ -f "$dockerfile" ]] || { echo "dockerfile-build: $dockerfile not found" >&2; exit 1; }

mapfile -t lines < <(grep -E '^[[:space:]]*RUN[[:space:]]+CGO_ENABLED=0[[:space:]]+go[[:space:]]+build([[:space:]]|$)' "$dockerfile" || true)
case ${#lines[@]} in
  1) ;;
  0) echo "dockerfile-build: no 'RUN CGO_ENABLED=0 go build ...' line in $dockerfile" >&2; exit 1 ;;
  *) echo "dockerfile-build: ${#lines[@]} 'RUN CGO_ENABLED=0 go build' lines in $dockerfile, want exactly one" >&2; exit 1 ;;
esac
line="${lines[0]}"
if [[ "$line" =~ \\[[:space:]]*$ ]]; then
  echo "dockerfile-build: the build line continues on the next line; keep the whole command on one line" >&2
  exit 1
fi

# Drop "RUN", then redirect the output: exactly one "-o PATH" (or -o=PATH).
cmd="$(sed -E 's/^[[:space:]]*RUN[[:space:]]+//' <<<"$line")"
n_out="$(grep -oE '(^|[[:space:]])-o([[:space:]]+|=)[^[:space:]]+' <<<"$cmd" | wc -l)"
if [[ "$n_out" -ne 1 ]]; then
  echo "dockerfile-build: want exactly one '-o PATH' in: $cmd" >&2
  exit 1
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cmd="$(sed -E "s#(^|[[:space:]])-o([[:space:]]+|=)[^[:space:]]+#\\1-o $out/api#" <<<"$cmd")"

echo "dockerfile-build: $cmd"
cd "$root"
# The Dockerfile's ARG VERSION, as `docker build --build-arg` would set it.
version="dockerfile-build-check-$$"
VERSION="$version" bash -c "$cmd"

bin="$out/api"
[[ -x "$bin" ]] || { echo "dockerfile-build: the command made no executable $bin" >&2; exit 1; }
info="$(go version -m "$bin")"
for want in 'CGO_ENABLED=0' '-trimpath=true'; do
  if ! grep -qF -- "$want" <<<"$info"; then
    echo "dockerfile-build: the binary was not built with $want:" >&2
    echo "$info" >&2
    exit 1
  fi
done
# The linker ignores an -X that names no variable; the value is in the
# binary only if it landed in one.
if ! grep -qaF -- "$version" "$bin"; then
  echo "dockerfile-build: VERSION did not reach the binary: check the build line's -X symbol" >&2
  exit 1
fi
echo "dockerfile-build: ok ($(du -h "$bin" | cut -f1) static binary)"
