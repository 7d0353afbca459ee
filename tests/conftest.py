"""Shared fixtures: WARC checks and helpers; every server runs on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

WARCIO_MAIN = "import sys; from warcio.cli import main; sys.exit(main(sys.argv[1:]))"


def warcio_check(*paths: Path) -> subprocess.CompletedProcess:
    """`warcio check -v` on the files, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-c", WARCIO_MAIN, "check", "-v", *map(str, paths)],
        capture_output=True,
        text=True,
    )
