"""Bundled demo websites (two news sites and two content farms of one operator).

``build_sites`` generates them; ``running_sites`` (in :mod:`newsarc.demo.server`) serves them
on free local ports for the duration of a ``with`` block.
"""

from __future__ import annotations

from typing import Any

from newsarc.demo.sites import build_sites

__all__ = ["build_sites", "running_sites"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that ``python -m newsarc.demo.server`` does not import itself twice.
    if name == "running_sites":
        from newsarc.demo.server import running_sites

        return running_sites
    raise AttributeError(name)
