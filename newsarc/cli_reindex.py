"""newsarc reindex: filled in below."""

from __future__ import annotations
