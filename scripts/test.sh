#!/usr/bin/env bash
# Install newsarc with its test extra and run the whole test suite (offline: every server the
# tests use runs on 127.0.0.1). This is the README's test command, and what CI runs.
# The browser test drives Debian's Chromium (Playwright's own browser downloads are not used).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian packages the tests drive: chromium (browser test), wget (a foreign WARC to reindex),
# redis-server (shared crawls: the tests start their own on a free port of 127.0.0.1).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v wget >/dev/null || missing+=(wget)
command -v redis-server >/dev/null || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]} for the tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
python3 -m pytest -q "$@"
