#!/usr/bin/env bash
# Command 2: install (first time) and run the test suite.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/ensure-env.sh
exec python -m pytest -q "$@"
