#!/usr/bin/env bash
# `bash scripts/under-load.sh <command…>`: runs the command with the machine kept busy, as a laptop running a
# browser and an editor or a shared CI runner is: LOAD_LOOPS busy loops (three per core unless set) for as
# long as it runs, each killed by its own pid when it ends, however it ends.
set -euo pipefail
loops=${LOAD_LOOPS:-$((3 * $(nproc)))}
pids=()
stop() {
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
for _ in $(seq "$loops"); do
  (while :; do :; done) &
  pids+=($!)
done
echo "== Under load: $loops busy loops on $(nproc) cores"
status=0
"$@" || status=$?
echo "== Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
