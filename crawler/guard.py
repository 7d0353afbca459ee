"""The address guard: a page cannot send the crawler to loopback, private or reserved addresses.

A spam page can link (or redirect) to `http://169.254.169.254/latest/meta-data/` (a cloud's
instance secrets), `http://127.0.0.1:6379/` (a Redis with no password) or a router's admin
page on `192.168.0.1`. By default newsarc fetches only global unicast addresses:

- `AddressGuardMiddleware` (downloader middleware, before robots.txt) resolves each request's
  host through the crawler's DNS resolver (an IP literal needs none) and refuses the request
  (IgnoreRequest: not retried, not fatal) when the address is not allowed. Redirects are
  requests too, so a redirect to a private address is refused the same way.
- `GuardedResolver` (the crawler's DNS_RESOLVER) refuses to hand out such an address at all,
  so the connection itself cannot reach one even if a name's answer changed after the check
  (DNS rebinding): the answer the middleware checked is the one the connection uses (cached).

`--allow-private` (NEWSARC_ALLOW_PRIVATE; also read from the environment, for test suites and
the demo) lifts the guard; NEWSARC_ALLOWED_NETWORKS (comma-separated CIDRs, e.g.
`10.1.0.0/16,127.0.0.5/32`) lifts it for those networks only. Refusals are counted in the
crawl's stats (`newsarc/guard/refused`, and by kind of address) and logged once per host.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class GuardError(ValueError):
    """A bad NEWSARC_ALLOWED_NETWORKS value."""


def parse_networks(value: str | Iterable[str] | None) -> list[Network]:
    """CIDRs from a comma-separated string or a list; GuardError names a bad one."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    networks = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise GuardError(
                f"NEWSARC_ALLOWED_NETWORKS: {item!r} is not a network ({exc})"
            ) from exc
    return networks


def address_kind(address: Address) -> str | None:
    """Why an address may not be fetched ("loopback", "private", ...), or None if it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address_kind(address.ipv4_mapped)
    for kind in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    if not address.is_global:  # shared address space (100.64/10), documentation ranges, ...
        return "non-global"
    return None


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class AddressPolicy:
    """Which addresses a crawl may fetch: global ones, plus the allowed networks."""

    def __init__(self, allow_private: bool = False, networks: Iterable[Network] = ()) -> None:
        self.allow_private = allow_private
        self.networks = list(networks)

    @classmethod
    def from_settings(cls, settings: Any) -> Self:
        return cls(
            settings.getbool("NEWSARC_ALLOW_PRIVATE"),
            parse_networks(settings.get("NEWSARC_ALLOWED_NETWORKS")),
        )

    def refusal(self, host: str) -> Refusal | None:
        """Why `host` (an IP address) may not be fetched, or None if it may."""
        try:
            address = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return None  # a name: the resolver's answer is checked
        if self.allow_private or any(address in network for network in self.networks):
            return None
        kind = address_kind(address)
        return Refusal(f"{address} is a {kind} address", kind) if kind else None


class Refusal(NamedTuple):
    reason: str  # "127.0.0.1 is a loopback address", "localhost resolves to ..."
    kind: str  # loopback, private, link-local, multicast, unspecified, reserved, non-global


class BlockedAddressError(DNSLookupError):
    """A name resolved to an address the guard does not allow."""

    def __init__(self, name: str, refusal: Refusal) -> None:
        super().__init__(f"{name} resolves to {refusal.reason}")
        self.refusal = Refusal(f"{name} resolves to {refusal.reason}", refusal.kind)


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing answers the address guard does not allow."""

    policy = AddressPolicy()

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        resolver = super().from_crawler(crawler, reactor)
        resolver.policy = AddressPolicy.from_settings(crawler.settings)
        return resolver

    def getHostByName(self, name: str, timeout: Any = ()) -> Deferred[str]:  # noqa: N802
        return super().getHostByName(name, timeout).addCallback(self._checked, name)

    def _checked(self, address: str, name: str) -> str:
        refusal = self.policy.refusal(address)
        if refusal:
            raise BlockedAddressError(name, refusal)
        return address


class AddressGuardMiddleware:
    """Refuses requests to addresses the guard does not allow (see the module docs)."""

    def __init__(self, crawler: Crawler, policy: AddressPolicy) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = policy
        self.logged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, AddressPolicy.from_settings(crawler.settings))

    async def process_request(self, request: Request) -> None:
        if self.policy.allow_private:
            return
        host = urlparse_cached(request).hostname or ""
        if is_address(host):
            refusal = self.policy.refusal(host)
        else:
            refusal = await self._resolved_refusal(host)
        if refusal:
            self._refuse(request, host, refusal)

    async def _resolved_refusal(self, host: str) -> Refusal | None:
        from twisted.internet import reactor  # noqa: PLC0415 - the crawl's reactor, installed

        try:
            address = await maybe_deferred_to_future(reactor.resolve(host))
        except BlockedAddressError as exc:
            return exc.refusal
        except DNSLookupError:
            return None  # the download reports it, as for any name that does not resolve
        refusal = self.policy.refusal(address)  # (another resolver than GuardedResolver)
        return Refusal(f"{host} resolves to {refusal.reason}", refusal.kind) if refusal else None

    def _refuse(self, request: Request, host: str, refusal: Refusal) -> None:
        self.stats.inc_value("newsarc/guard/refused")
        self.stats.inc_value(f"newsarc/guard/refused/{refusal.kind}")
        if host not in self.logged:
            self.logged.add(host)
            logger.warning(
                "refused %s: %s (the address guard; see --allow-private)",
                request.url,
                refusal.reason,
            )
        raise IgnoreRequest(f"refused by the address guard: {refusal.reason}")
