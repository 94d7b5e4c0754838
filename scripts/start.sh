#!/usr/bin/env bash
# Install Iltapiiri into .venv and start it on the embedded store (no Redis, no other process).
# Usage: ./scripts/start.sh [--host H] [--port P] [--config FILE] [--data-dir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q -e .
exec .venv/bin/python -m server "$@"
