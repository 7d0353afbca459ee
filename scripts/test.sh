#!/usr/bin/env bash
# Install newsarc with its test extra and run the whole test suite (offline: every server the
# tests use runs on 127.0.0.1). This is the README's test command, and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
python3 -m pytest -q "$@"
