#!/usr/bin/env bash
# The fault suite under load: RUNS (default 3) whole runs of tests/faults in a row while a busy
# loop started here keeps one core at 100 %. The loop is stopped by its pid on any exit.
# Exits 0 only if every run passed; the last lines say how each run went.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}

busy() { while :; do :; done; }
busy &
loop=$!
trap 'kill "$loop" 2>/dev/null' EXIT

results=()
failed=0
for n in $(seq 1 "$runs"); do
  start=$(date +%s)
  if uv run pytest -q -p no:cacheprovider tests/faults; then result=passed; else result=FAILED; failed=1; fi
  results+=("run $n of $runs, one core kept busy: $result in $(( $(date +%s) - start )) s")
  printf '==> %s\n' "${results[-1]}"
done
printf '==> %s\n' "${results[@]}"
exit "$failed"
