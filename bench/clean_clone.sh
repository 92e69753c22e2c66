#!/usr/bin/env bash
# Wall time of README command 1 on a clean clone: install, train, load the school,
# start the bot (against the local emulator), until it polls for updates.
#   bash bench/clean_clone.sh [--tests]   (--tests also times command 2 there)
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$(mktemp -d /tmp/schoolbrug-clone-XXXX)"
git clone -q "$SRC" "$DIR/repo"
cd "$DIR/repo"
LOG="$DIR/start.log"
start=$(date +%s)
./start.sh --no-chat >"$LOG" 2>&1 &
pid=$!
until grep -q "Schoolbrug is running" "$LOG" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "start.sh stopped early:"; tail -20 "$LOG"; exit 1; fi
  sleep 2
done
ready=$(date +%s)
echo "command 1 (./start.sh) ready after $((ready - start)) s on a clean clone ($DIR/repo)"
kill "$pid"; wait "$pid" 2>/dev/null || true
if [ "${1:-}" = "--tests" ]; then
  t0=$(date +%s)
  ./test.sh -p no:cacheprovider | tail -3
  echo "command 2 (./test.sh) took $(( $(date +%s) - t0 )) s"
fi
