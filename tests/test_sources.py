"""sources.yml: loading, one-line errors naming source and field, durations, schedules, recrawl."""

from __future__ import annotations

import dataclasses
import textwrap
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.sources import (
    Politeness,
    RecrawlPolicy,
    Schedule,
    Source,
    SourcesError,
    format_duration,
    load_sources,
    parse_duration,
    select_sources,
)

ROOT = Path(__file__).resolve().parent.parent
LEDGER = {"name": "ledger", "start_urls": ["https://ledger.example/"]}


def at(text: str) -> datetime:
    """A UTC datetime from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def write_sources(tmp_path: Path, *entries: Any, **top: Any) -> Path:
    return write(tmp_path, yaml.safe_dump({**top, "sources": list(entries)}, sort_keys=False))


def load_error(path: Path) -> str:
    """The message of the SourcesError that loading `path` raises: one line, naming the file."""
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# --- valid files ----------------------------------------------------------------------------


def test_a_full_source_loads_every_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        sources:
          - name: ledger
            start_urls: [https://www.ledger.example/]
            feeds: [https://www.ledger.example/rss.xml]
            sitemaps: [https://static.ledger.example:8443/sitemap.xml]
            allowed_hosts: [WWW.Ledger.Example, static.ledger.example:8443]
            schedule: "0 */6 * * *"
            depth: 3
            max_pages: 200
            politeness: {delay: 2.5, concurrency: 3, robots: false}
            recrawl: {min: 30m, max: 7d, factor: 0.25}
            settings: {DOWNLOAD_TIMEOUT: 20}
        """,
    )
    [source] = load_sources(path)
    assert source.name == "ledger"
    assert source.start_urls == ("https://www.ledger.example/",)
    assert source.feeds == ("https://www.ledger.example/rss.xml",)
    assert source.sitemaps == ("https://static.ledger.example:8443/sitemap.xml",)
    assert source.allowed_hosts == ("www.ledger.example", "static.ledger.example:8443")
    assert source.schedule.cron == "0 */6 * * *" and source.schedule.interval is None
    assert (source.depth, source.max_pages) == (3, 200)
    assert source.politeness == Politeness(delay=2.5, concurrency=3, robots=False)
    assert source.recrawl == RecrawlPolicy(timedelta(minutes=30), timedelta(days=7), 0.25)
    assert source.settings == {"DOWNLOAD_TIMEOUT": 20}


def test_a_minimal_source_gets_the_defaults(tmp_path: Path) -> None:
    [source] = load_sources(write_sources(tmp_path, {"name": "x", "feeds": ["http://x.example/f"]}))
    assert source.schedule.interval == timedelta(days=1)
    assert (source.depth, source.max_pages) == (None, None)
    assert source.politeness == Politeness(delay=None, concurrency=None, robots=True)
    assert source.recrawl == RecrawlPolicy(timedelta(hours=1), timedelta(days=30), 0.5)
    assert source.settings == {}
    assert source.allowed_hosts == ("x.example",)


def test_allowed_hosts_default_to_the_hosts_of_all_urls(tmp_path: Path) -> None:
    entry = {
        "name": "multi",
        "start_urls": ["https://a.example/", "https://a.example/news"],
        "feeds": ["http://feeds.a.example:8080/rss"],
        "sitemaps": ["https://A.example/sitemap.xml", "https://b.example/s.xml"],
    }
    [source] = load_sources(write_sources(tmp_path, entry))
    assert source.allowed_hosts == ("a.example", "feeds.a.example:8080", "b.example")
    assert source.start_urls == ("https://a.example/", "https://a.example/news")
    assert source.urls == (*source.start_urls, *source.feeds, *source.sitemaps)


def test_a_single_url_string_is_a_one_item_list(tmp_path: Path) -> None:
    [source] = load_sources(
        write_sources(tmp_path, {"name": "s", "sitemaps": "https://s.example/"})
    )
    assert source.sitemaps == ("https://s.example/",)


def test_defaults_merge_under_each_source_key_by_key(tmp_path: Path) -> None:
    defaults = {
        "schedule": "6h",
        "depth": 2,
        "politeness": {"delay": 1, "concurrency": 2},
        "recrawl": {"max": "10d"},
        "settings": {"DOWNLOAD_TIMEOUT": 30, "RETRY_TIMES": 1},
    }
    own = {
        **LEDGER,
        "schedule": "@hourly",
        "politeness": {"delay": 5},
        "settings": {"RETRY_TIMES": 4},
    }
    other = {"name": "other", "start_urls": ["https://other.example/"]}
    ledger, plain = load_sources(write_sources(tmp_path, own, other, defaults=defaults))
    assert ledger.schedule.cron == "0 * * * *"
    assert ledger.depth == 2
    assert ledger.politeness == Politeness(delay=5.0, concurrency=2, robots=True)
    assert ledger.recrawl.max == timedelta(days=10)
    assert ledger.settings == {"DOWNLOAD_TIMEOUT": 30, "RETRY_TIMES": 4}
    assert plain.schedule.interval == timedelta(hours=6)
    assert plain.politeness == Politeness(delay=1.0, concurrency=2, robots=True)


def test_yaml_merge_keys_are_not_duplicate_keys(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        sources:
          - &base
            name: one
            start_urls: [https://one.example/]
            depth: 1
          - <<: *base
            name: two
        """,
    )
    assert [(s.name, s.depth) for s in load_sources(path)] == [("one", 1), ("two", 1)]


def test_sources_are_frozen() -> None:
    source = Source(name="x", start_urls=("https://x.example/",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        source.name = "y"  # type: ignore[misc]
    assert source.schedule.interval == timedelta(days=1)


def test_the_example_file_loads() -> None:
    sources = load_sources(ROOT / "sources.example.yml")
    assert 2 <= len(sources) <= 3
    by_name = {source.name: source for source in sources}
    news = by_name["example-ledger"]
    assert news.feeds and news.sitemaps and news.schedule.cron
    farm = by_name["jobrecruit-farm"]
    assert farm.schedule.interval == timedelta(hours=12)
    assert farm.recrawl.factor == 0.25
    assert farm.scrapy_settings()["DOWNLOAD_TIMEOUT"] == 20
    assert farm.politeness.concurrency == 2  # from defaults, merged under its own delay


# --- one-line errors --------------------------------------------------------------------------

FIELD_ERRORS = [
    ({"start_urls": ["https://x.example/"]}, "source #1: field 'name': missing"),
    ({**LEDGER, "name": "bad name"}, "source #1: field 'name': 'bad name' is not a valid name"),
    ({**LEDGER, "name": ".."}, "source #1: field 'name': '..' is not a valid name"),
    ({**LEDGER, "name": 42}, "source #1: field 'name': expected a string, got a whole number 42"),
    ({"name": "ledger"}, "source 'ledger': field 'start_urls': a source needs at least one URL"),
    ({"name": "ledger", "start_urls": []}, "source 'ledger': field 'start_urls': a source needs"),
    ({**LEDGER, "feeds": ["ftp://x.example/f"]}, "field 'feeds': not an http(s) URL: 'ftp://x"),
    ({**LEDGER, "sitemaps": ["sitemap.xml"]}, "field 'sitemaps': not an http(s) URL"),
    ({**LEDGER, "start_urls": {"a": 1}}, "field 'start_urls': expected a list, got a mapping"),
    (
        {**LEDGER, "feeds": [1]},
        "field 'feeds': expected a list of strings, got an item a whole number 1",
    ),
    ({**LEDGER, "allowed_hosts": ["https://x.example/"]}, "field 'allowed_hosts': not a host"),
    (
        {**LEDGER, "schedule": "61 * * * *"},
        "source 'ledger': field 'schedule': not a cron expression or interval: '61 * * * *'",
    ),
    ({**LEDGER, "schedule": "every fortnight"}, "field 'schedule': not a cron expression or"),
    ({**LEDGER, "schedule": "0 0 * * * *"}, "field 'schedule': not a cron expression or"),
    ({**LEDGER, "schedule": "@reboot"}, "field 'schedule': not a cron expression or"),
    ({**LEDGER, "schedule": "0s"}, "field 'schedule': the interval must be longer than zero"),
    ({**LEDGER, "schedule": ["6h"]}, "field 'schedule': expected a cron expression or an"),
    ({**LEDGER, "depth": -1}, "source 'ledger': field 'depth': must be 0 or more, got -1"),
    ({**LEDGER, "depth": "3"}, "field 'depth': expected a whole number, got a string '3'"),
    ({**LEDGER, "depth": True}, "field 'depth': expected a whole number, got a boolean True"),
    ({**LEDGER, "depth": 1.5}, "field 'depth': expected a whole number"),
    ({**LEDGER, "max_pages": 0}, "field 'max_pages': must be 1 or more, got 0"),
    ({**LEDGER, "politeness": 2}, "field 'politeness': expected a mapping, got a whole number 2"),
    ({**LEDGER, "politeness": {"delay": -1}}, "field 'politeness.delay': not a duration of zero"),
    ({**LEDGER, "politeness": {"delay": "fast"}}, "field 'politeness.delay': not a duration"),
    ({**LEDGER, "politeness": {"concurrency": 0}}, "field 'politeness.concurrency': must be 1"),
    ({**LEDGER, "politeness": {"robots": "yes"}}, "field 'politeness.robots': expected true or"),
    ({**LEDGER, "politeness": {"dealy": 1}}, "field 'politeness.dealy': unknown field"),
    ({**LEDGER, "recrawl": {"min": "soon"}}, "field 'recrawl.min': not a duration: 'soon'"),
    ({**LEDGER, "recrawl": {"max": 0}}, "field 'recrawl.max': must be longer than zero"),
    ({**LEDGER, "recrawl": {"factor": 0}}, "field 'recrawl.factor': must be more than 0"),
    ({**LEDGER, "recrawl": {"factor": "half"}}, "field 'recrawl.factor': expected a number"),
    ({**LEDGER, "recrawl": {"min": "2d", "max": "1d"}}, "field 'recrawl': min (2d) is longer"),
    ({**LEDGER, "recrawl": {"min": "40d"}}, "field 'recrawl': min (40d) is longer than max (30d)"),
    ({**LEDGER, "settings": {"download_delay": 1}}, "field 'settings': 'download_delay' is not"),
    ({**LEDGER, "settings": ["DEPTH_LIMIT"]}, "field 'settings': expected a mapping"),
    ({**LEDGER, "shedule": "1d"}, "source 'ledger': field 'shedule': unknown field (known: name"),
    ("https://x.example/", "source #1: expected a mapping of fields, got a string"),
]


@pytest.mark.parametrize(("entry", "expected"), FIELD_ERRORS)
def test_a_bad_field_is_one_line_naming_source_and_field(
    tmp_path: Path, entry: Any, expected: str
) -> None:
    assert expected in load_error(write_sources(tmp_path, entry))


def test_the_schedule_error_reads_as_documented(tmp_path: Path) -> None:
    message = load_error(write_sources(tmp_path, {**LEDGER, "schedule": "61 * * * *"}))
    assert message == (
        "source 'ledger': field 'schedule': not a cron expression or interval: '61 * * * *' "
        "(bad minute)"
    )


def test_a_source_without_a_usable_name_is_named_by_position(tmp_path: Path) -> None:
    second = {"feeds": ["gopher://x"]}
    message = load_error(write_sources(tmp_path, LEDGER, second))
    assert message.startswith("source #2: field 'feeds': not an http(s) URL")


def test_duplicate_names_are_an_error(tmp_path: Path) -> None:
    other = {"name": "Ledger", "start_urls": ["https://b.example/"]}
    message = load_error(write_sources(tmp_path, LEDGER, other))
    assert message == (
        "source #2: field 'name': 'Ledger' is already the name of source #1 ('ledger')"
    )


def test_a_bad_default_names_defaults_and_field(tmp_path: Path) -> None:
    path = write_sources(tmp_path, LEDGER, defaults={"politeness": {"delay": -2}})
    assert load_error(path).startswith("defaults: field 'politeness.delay': not a duration")
    path = write_sources(tmp_path, LEDGER, defaults={"name": "x"})
    assert load_error(path) == "defaults: field 'name': belongs in each source, not in defaults"
    path = write_sources(tmp_path, LEDGER, defaults={"scheduel": "1d"})
    assert load_error(path).startswith("defaults: field 'scheduel': unknown field")


FILE_ERRORS = [
    ("", "the file is empty"),
    ("# only a comment\n", "the file is empty"),
    ("- a\n- b\n", "expected a mapping with 'sources:', got a list"),
    ("defaults: {}\n", "no 'sources:' list"),
    ("sources: []\n", "'sources' is empty: list at least one source"),
    ("sources:\n", "'sources' must be a list, got nothing"),
    ("sources: {ledger: {}}\n", "'sources' must be a list, got a mapping"),
    ("source: []\n", "unknown top-level key 'source'"),
    ("defaults: [1]\nsources: [{name: x, feeds: [http://x/]}]\n", "'defaults' must be a mapping"),
]


@pytest.mark.parametrize(("text", "expected"), FILE_ERRORS)
def test_a_bad_file_is_a_one_line_error(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in load_error(write(tmp_path, text))


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    assert load_error(tmp_path / "nope.yml") == "cannot read: No such file or directory"


def test_a_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: ledger\n    feeds: [https://x.example/\n")
    message = load_error(path)
    assert message.startswith("line 4, column 1: invalid YAML: ")


def test_a_key_given_twice_is_an_error(tmp_path: Path) -> None:
    text = "sources:\n  - name: ledger\n    feeds: [https://x.example/]\n    name: other\n"
    message = load_error(write(tmp_path, text))
    assert message == "line 4, column 5: invalid YAML: duplicate key 'name'"


def test_sources_error_is_a_value_error() -> None:
    assert issubclass(SourcesError, ValueError)


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("6h", 21600),
        ("1d", 86400),
        ("2w", 1209600),
        ("1h30m", 5400),
        ("1d 12h", 129600),
        ("1.5h", 5400),
        ("2 weeks", 1209600),
        ("10 minutes", 600),
        ("45", 45),
        (45, 45),
        (0.5, 0.5),
        (0, 0),
    ],
)
def test_durations(value: object, seconds: float) -> None:
    assert parse_duration(value).total_seconds() == seconds


@pytest.mark.parametrize("value", ["", "soon", "5y", "-5m", "m5", "1h 30", -1, True, None, [1]])
def test_bad_durations(value: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_format_duration() -> None:
    assert [format_duration(parse_duration(v)) for v in ("90s", "2h", "1d", "14d", 1.5)] == [
        "90s",
        "2h",
        "1d",
        "2w",
        "1.5s",
    ]


# --- schedules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "interval"),
    [("30m", 1800), ("every 2h", 7200), ("Every 90 s", 90), ("every day", 86400), (3600, 3600)],
)
def test_intervals(written: object, interval: int) -> None:
    schedule = Schedule.parse(written)
    assert schedule.cron is None
    assert schedule.interval == timedelta(seconds=interval)


@pytest.mark.parametrize(
    ("written", "cron"),
    [("0 */6 * * *", "0 */6 * * *"), ("  15  4 * * 1-5 ", "15 4 * * 1-5"), ("@daily", "0 0 * * *")],
)
def test_cron_expressions(written: str, cron: str) -> None:
    schedule = Schedule.parse(written)
    assert schedule.cron == cron
    assert schedule.interval is None


def test_never_run_is_due() -> None:
    now = at("2024-03-01 12:00")
    for written in ("6h", "0 0 1 1 *"):
        schedule = Schedule.parse(written)
        assert schedule.is_due(None, now)
        assert schedule.next_run(None, now) == now


def test_an_interval_is_due_once_it_has_passed_since_the_last_start() -> None:
    schedule = Schedule.parse("6h")
    last = at("2024-03-01 09:15")
    assert schedule.next_after(last) == at("2024-03-01 15:15")
    assert not schedule.is_due(last, at("2024-03-01 15:14"))
    assert schedule.is_due(last, at("2024-03-01 15:15"))
    assert schedule.is_due(last, at("2024-03-05 00:00"))


def test_a_cron_schedule_is_due_at_the_first_fire_time_after_the_last_start() -> None:
    schedule = Schedule.parse("0 */6 * * *")
    assert schedule.next_after(at("2024-03-01 06:00")) == at("2024-03-01 12:00")  # strictly after
    assert schedule.next_after(at("2024-03-01 05:59")) == at("2024-03-01 06:00")
    last = at("2024-03-01 06:00")
    assert not schedule.is_due(last, at("2024-03-01 06:30"))
    assert not schedule.is_due(last, at("2024-03-01 11:59"))
    assert schedule.is_due(last, at("2024-03-01 12:00"))
    assert schedule.is_due(at("2024-03-01 05:59"), at("2024-03-01 06:00"))


def test_a_run_that_started_late_waits_for_the_next_fire_time() -> None:
    schedule = Schedule.parse("30 5 * * 1-5")  # weekdays 05:30
    friday = at("2024-03-01 05:31")
    assert schedule.next_after(friday) == at("2024-03-04 05:30")  # Monday
    assert not schedule.is_due(friday, at("2024-03-03 23:59"))
    assert schedule.is_due(friday, at("2024-03-04 05:30"))


def test_schedules_compare_instants_in_utc() -> None:
    schedule = Schedule.parse("0 12 * * *")  # noon UTC
    paris = timezone(timedelta(hours=1))
    last = datetime(2024, 3, 1, 12, 30, tzinfo=paris)  # 11:30 UTC
    assert schedule.next_after(last) == at("2024-03-01 12:00")
    assert schedule.next_after(last).tzinfo == UTC
    assert schedule.is_due(last, datetime(2024, 3, 1, 13, 0, tzinfo=paris))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule.parse("1h").is_due(datetime(2024, 3, 1), at("2024-03-01 12:00"))
    with pytest.raises(ValueError, match="timezone-aware"):
        Schedule.parse("1h").is_due(None, datetime(2024, 3, 1))


# --- recrawl policy -------------------------------------------------------------------------


def test_recrawl_interval_backs_off_with_age_within_min_and_max() -> None:
    policy = RecrawlPolicy(min=timedelta(hours=1), max=timedelta(days=30), factor=0.5)
    assert policy.interval(timedelta(minutes=30)) == timedelta(hours=1)  # min
    assert policy.interval(timedelta(hours=10)) == timedelta(hours=5)
    assert policy.interval(timedelta(days=4)) == timedelta(days=2)
    assert policy.interval(timedelta(days=365)) == timedelta(days=30)  # max
    assert policy.interval(timedelta(hours=-3)) == timedelta(hours=1)


def test_recrawl_age_counts_from_the_published_date() -> None:
    policy = RecrawlPolicy()
    published = at("2024-03-01 00:00")
    first_seen = at("2024-03-09 00:00")
    last = at("2024-03-11 00:00")  # 10 days after publication: wait 5 days
    assert policy.next_fetch(last, first_seen, published, at("2024-03-12 00:00")) == at(
        "2024-03-16 00:00"
    )
    assert not policy.is_due(last, first_seen, published, at("2024-03-15 23:59"))
    assert policy.is_due(last, first_seen, published, at("2024-03-16 00:00"))


def test_recrawl_age_counts_from_first_seen_without_a_published_date() -> None:
    policy = RecrawlPolicy()
    first_seen = at("2024-03-09 00:00")
    last = at("2024-03-11 00:00")  # 2 days after first seen: wait 1 day
    assert not policy.is_due(last, first_seen, None, at("2024-03-11 23:59"))
    assert policy.is_due(last, first_seen, None, at("2024-03-12 00:00"))


def test_an_implausible_published_date_is_ignored() -> None:
    policy = RecrawlPolicy()
    first_seen = at("2024-03-09 00:00")
    last = at("2024-03-11 00:00")
    now = at("2024-03-12 00:00")
    after_fetch = at("2024-03-11 06:00")  # "published" after the fetch that saw it
    future = at("2030-01-01 00:00")
    for published in (after_fetch, future):
        assert policy.next_fetch(last, first_seen, published, now) == at("2024-03-12 00:00")
        assert policy.is_due(last, first_seen, published, now)


def test_a_fresh_article_is_refetched_after_min() -> None:
    policy = RecrawlPolicy(min=timedelta(minutes=30), max=timedelta(days=7), factor=0.5)
    first_seen = last = at("2024-03-11 08:00")
    assert not policy.is_due(last, first_seen, None, at("2024-03-11 08:29"))
    assert policy.is_due(last, first_seen, None, at("2024-03-11 08:30"))


# --- translation for the crawler ------------------------------------------------------------


def test_scrapy_settings_maps_every_field_and_overrides_win() -> None:
    source = Source(
        name="x",
        start_urls=("https://x.example/",),
        depth=0,
        max_pages=500,
        politeness=Politeness(delay=2.0, concurrency=3, robots=False),
        recrawl=RecrawlPolicy(timedelta(minutes=30), timedelta(days=7), 0.25),
        settings={"DOWNLOAD_DELAY": 9, "DOWNLOAD_TIMEOUT": 20},
    )
    assert source.scrapy_settings() == {
        "DEPTH_LIMIT": 0,
        "CLOSESPIDER_PAGECOUNT": 500,
        "DOWNLOAD_DELAY": 9,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 3,
        "ROBOTSTXT_OBEY": False,
        "NEWSARC_SOURCE": "x",
        "NEWSARC_RECRAWL_MIN": 1800.0,
        "NEWSARC_RECRAWL_MAX": 604800.0,
        "NEWSARC_RECRAWL_FACTOR": 0.25,
        "DOWNLOAD_TIMEOUT": 20,
    }


def test_scrapy_settings_leave_unset_fields_to_the_project() -> None:
    source = Source(name="x", start_urls=("https://x.example/",))
    assert source.scrapy_settings() == {
        "ROBOTSTXT_OBEY": True,
        "NEWSARC_SOURCE": "x",
        "NEWSARC_RECRAWL_MIN": 3600.0,
        "NEWSARC_RECRAWL_MAX": 2592000.0,
        "NEWSARC_RECRAWL_FACTOR": 0.5,
    }


def test_politeness_delay_accepts_a_duration(tmp_path: Path) -> None:
    entry = {**LEDGER, "politeness": {"delay": "2s"}}
    [source] = load_sources(write_sources(tmp_path, entry))
    assert source.scrapy_settings()["DOWNLOAD_DELAY"] == 2.0


def test_spider_args() -> None:
    source = Source(name="x", feeds=("https://x.example/rss",), sitemaps=("https://x.example/s",))
    assert source.spider_args() == {
        "urls": [],
        "feeds": ["https://x.example/rss"],
        "sitemaps": ["https://x.example/s"],
    }


def test_select_sources() -> None:
    one = Source(name="one", start_urls=("https://one.example/",))
    two = Source(name="two", start_urls=("https://two.example/",))
    assert select_sources([one, two], []) == [one, two]
    assert select_sources([one, two], ["two"]) == [two]
    with pytest.raises(SourcesError, match=r"no source named 'three' \(known: one, two\)"):
        select_sources([one, two], ["three"])


def test_scrapy_settings_names_are_real_settings() -> None:
    from scrapy.settings import Settings, default_settings

    from crawler import settings as project_settings

    [source] = [s for s in load_sources(ROOT / "sources.example.yml") if s.name == "example-ledger"]
    names = set(dir(default_settings)) | set(dir(project_settings))
    assert set(source.scrapy_settings()) <= names
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    settings.setdict(source.scrapy_settings(), priority="cmdline")
    assert settings.getint("DEPTH_LIMIT") == 3
    assert settings.getfloat("DOWNLOAD_DELAY") == 1.0
    assert settings.getfloat("NEWSARC_RECRAWL_MIN") == 1800.0


def test_the_example_in_the_docs_loads(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "scheduling.md").read_text(encoding="utf-8")
    snippet = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    names = [source.name for source in load_sources(write(tmp_path, snippet))]
    assert names == ["example-ledger", "jobrecruit-farm"]
