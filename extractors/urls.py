"""URL helpers shared by the extractors and the archive."""

from __future__ import annotations

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_of(url: str) -> str:
    """The site key of a URL: lower-case host, with the port unless it is the default one."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{parts.port}"
    return host


def site_key(url: str) -> str:
    """Host as crawl limits compare it: `www.` does not make another site."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host
