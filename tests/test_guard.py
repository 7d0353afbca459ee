"""The address guard: no loopback, private, link-local, multicast or reserved address is fetched
unless allowed, whether it comes as a URL, a redirect or a DNS answer."""

from __future__ import annotations

import ipaddress
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from conftest import article_html
from crawler.guard import (
    AddressPolicy,
    BlockedAddressError,
    GuardedResolver,
    GuardError,
    address_kind,
    parse_networks,
)


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.5.5.5", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "non-global"),  # shared address space (carrier-grade NAT)
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("93.184.215.14", None),
        ("2606:4700::6810:85e5", None),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_policy_allows_only_what_it_is_told() -> None:
    default = AddressPolicy()
    assert default.refusal("169.254.169.254") == (
        "169.254.169.254 is a link-local address",
        "link-local",
    )
    assert default.refusal("[::1]") == ("::1 is a loopback address", "loopback")
    assert default.refusal("93.184.215.14") is None
    assert default.refusal("example.com") is None  # names: the resolver's answer is checked
    some = AddressPolicy(networks=parse_networks("10.1.0.0/16, 127.0.0.5/32"))
    assert some.refusal("10.1.200.3") is None and some.refusal("127.0.0.5") is None
    assert some.refusal("10.2.0.1") == ("10.2.0.1 is a private address", "private")
    assert some.refusal("127.0.0.1") == ("127.0.0.1 is a loopback address", "loopback")
    assert AddressPolicy(allow_private=True).refusal("127.0.0.1") is None
    with pytest.raises(GuardError, match="'10.1.0.0/33' is not a network"):
        parse_networks("10.1.0.0/33")


def test_the_resolver_refuses_answers_the_guard_does_not_allow() -> None:
    resolver = GuardedResolver.__new__(GuardedResolver)
    resolver.policy = AddressPolicy(networks=parse_networks("127.0.0.2/32"))
    assert resolver._checked("93.184.215.14", "example.com") == "93.184.215.14"
    assert resolver._checked("127.0.0.2", "allowed.test") == "127.0.0.2"
    with pytest.raises(
        BlockedAddressError, match="rebind.test resolves to 127.0.0.1 is a loopback"
    ):
        resolver._checked("127.0.0.1", "rebind.test")


def guarded_crawl(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """A crawl with the guard on (the test suite lifts it elsewhere: see conftest.py)."""
    env = {k: v for k, v in os.environ.items() if k != "NEWSARC_ALLOW_PRIVATE"}
    return subprocess.run(
        [sys.executable, "-m", "newsarc", "crawl", *args, "--fast", "--db",
         str(tmp_path / "a.db"), "--warc-dir", str(tmp_path / "warcs")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


def crawl_stats(tmp_path: Path) -> dict:
    with sqlite3.connect(tmp_path / "a.db") as conn:
        return json.loads(conn.execute("SELECT stats FROM crawls").fetchone()[0])


def test_a_loopback_start_url_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/").respond_with_data(article_html("home", "Home"))
        done = guarded_crawl(tmp_path, server.url_for("/"))
        contacted = len(server.log)
    assert done.returncode == 1
    port = server.port
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: could not fetch any start URL: http://127.0.0.1:{port}/ (refused by the "
        "address guard: 127.0.0.1 is a loopback address)"
    )
    assert contacted == 0  # not even robots.txt
    assert crawl_stats(tmp_path)["newsarc/guard/refused/loopback"] == 1


def test_only_the_allowed_network_is_fetched_urls_redirects_and_names(tmp_path: Path) -> None:
    """The site on 127.0.0.2 is allowed; its redirects to 127.0.0.1 (by address and by the
    name localhost) and start URLs elsewhere are refused, counted, and the crawl goes on."""
    with HTTPServer(host="127.0.0.2", port=0) as site, HTTPServer(host="127.0.0.1") as other:
        port = site.port
        links = "".join(f'<a href="/{path}">{path}</a> ' for path in ("story", "by-ip", "by-name"))
        # Links off the site, never followed; those to guarded addresses are counted.
        for off_site in ("http://169.254.1.1/latest/meta-data/", "http://[fe80::1]/",
                         "http://user@10.1.1.1/admin", "http://example.com/10.0.0.1"):  # fmt: skip
            links += f'<a href="{off_site}">elsewhere</a> '
        site.expect_request("/").respond_with_data(
            f"<html><body><h1>Front</h1>{links}</body></html>", content_type="text/html"
        )
        site.expect_request("/robots.txt").respond_with_data("User-agent: *\n")
        site.expect_request("/story").respond_with_data(
            article_html("story", "A story"), content_type="text/html"
        )
        for path, target in (("by-ip", "127.0.0.1"), ("by-name", "localhost")):
            site.expect_request(f"/{path}").respond_with_response(
                Response(status=302, headers={"Location": f"http://{target}:{other.port}/x"})
            )
        other.expect_request("/x").respond_with_data("secret", content_type="text/html")
        done = guarded_crawl(
            tmp_path, f"http://127.0.0.2:{port}/", "http://169.254.169.254/latest/meta-data/",
            "http://10.9.8.7/", f"http://[::1]:{port}/", "-s",
            "NEWSARC_ALLOWED_NETWORKS=127.0.0.2/32",
        )  # fmt: skip
        fetched = sorted(request.path for request, _ in site.log)
        leaked = len(other.log)
    assert done.returncode == 0, done.stderr[-3000:]
    assert leaked == 0
    assert fetched == ["/", "/by-ip", "/by-name", "/robots.txt", "/story"]
    stats = crawl_stats(tmp_path)
    assert stats["newsarc/guard/refused"] == 5
    assert stats["newsarc/guard/refused/loopback"] == 3  # ::1, and both redirects
    assert stats["newsarc/guard/refused/link-local"] == 1
    assert stats["newsarc/guard/refused/private"] == 1
    assert stats["newsarc/guard/links/link-local"] == 2  # 169.254.1.1 and fe80::1
    assert stats["newsarc/guard/links/private"] == 1  # 10.1.1.1; example.com is a name
    assert "refused http://localhost:" in done.stderr
    assert "localhost resolves to 127.0.0.1 is a loopback address" in done.stderr
    with sqlite3.connect(tmp_path / "a.db") as conn:
        urls = {url for (url,) in conn.execute("SELECT url FROM captures")}
    assert f"http://127.0.0.2:{port}/story" in urls
    assert not [url for url in urls if "127.0.0.1" in url or "localhost" in url]


def test_allow_private_lifts_the_guard_and_bad_networks_are_one_line_errors(
    tmp_path: Path,
) -> None:
    with HTTPServer(host="127.0.0.1", port=0) as server:
        server.expect_request("/").respond_with_data(
            article_html("home", "Home"), content_type="text/html"
        )
        allowed = guarded_crawl(tmp_path, server.url_for("/"), "--allow-private")
        bad = guarded_crawl(
            tmp_path / "bad", server.url_for("/"), "-s", "NEWSARC_ALLOWED_NETWORKS=10.0.0.0/99"
        )
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert bad.returncode == 1
    expected = "Error: the crawl could not run: NEWSARC_ALLOWED_NETWORKS: '10.0.0.0/99' is not"
    assert bad.stderr.strip().splitlines()[-1].startswith(expected)
