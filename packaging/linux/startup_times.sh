#!/usr/bin/env bash
# Start-up time of the bundled commands next to the same commands run from source.
#
#   packaging/linux/startup_times.sh [RUNS]      (default 5 runs each; prints medians in seconds)
#
# Needs the bundle from packaging/linux/build.sh (build/pyinstaller-dist/genpro-desktop). Every
# run uses a fresh GENPRO_DATA_DIR and offscreen Qt. Measured: `genpro --version` (interpreter and
# package import) and `genpro-desktop --demo --smoke` (Qt, window, simulator, engine list, exit).
# The from-source rows are `uv run ...` (what the README's quick start does) and the virtualenv's
# own scripts (.venv/bin/..., without uv's environment check). Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-5}"
bundle="build/pyinstaller-dist/genpro-desktop"
[[ -x "$bundle/genpro-desktop" ]] || { echo "startup_times.sh: build the bundle first" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export QT_QPA_PLATFORM=offscreen

median_seconds() {  # median wall time of "$@" over $runs runs (output discarded)
  local times=() start end i
  for ((i = 0; i < runs; i++)); do
    rm -rf "$tmp/data"
    start=$(date +%s.%N)
    if ! GENPRO_DATA_DIR="$tmp/data" "$@" >"$tmp/run.log" 2>&1; then
      echo "startup_times.sh: failed: $*" >&2
      tail -n 5 "$tmp/run.log" >&2
      return 1
    fi
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

printf '%-44s %s\n' "command (median of $runs runs)" "seconds"
for label_cmd in \
  "bundle: genpro --version|$bundle/genpro --version" \
  "uv run genpro --version|uv run --no-sync genpro --version" \
  ".venv/bin/genpro --version|.venv/bin/genpro --version" \
  "bundle: genpro-desktop --demo --smoke|$bundle/genpro-desktop --demo --smoke" \
  "uv run genpro-desktop --demo --smoke|uv run --no-sync genpro-desktop --demo --smoke" \
  ".venv/bin/genpro-desktop --demo --smoke|.venv/bin/genpro-desktop --demo --smoke"; do
  label="${label_cmd%%|*}"
  read -r -a cmd <<<"${label_cmd#*|}"
  printf '%-44s %s\n' "$label" "$(median_seconds "${cmd[@]}")"
done
