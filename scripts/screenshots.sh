#!/usr/bin/env bash
# Regenerate the README's screenshots in docs/screenshots/ (phone chat 360x740, desktop chat
# 1280x800, the private help prompt in view; the moderator's console and the counsellor console
# on a desktop and at 360 px, the counsellor's queue and a session panel with an emergency share
# on a desktop and at 360 px, the person's request and share at 360 px) with the real server and
# the system Chromium.
# Usage: ./scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv && .venv/bin/python -m pip install -q -e '.[test]'
fi
CI=true ILTAPIIRI_SCREENSHOTS=docs/screenshots \
  .venv/bin/python -m pytest -q tests/web_client/test_screenshots.py \
  tests/web_client/test_counsellor_console.py \
  tests/web_client/test_staff_console_screenshots.py \
  tests/web_client/test_counsellor_screenshots.py
ls -l docs/screenshots/*.png
