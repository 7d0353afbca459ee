"""The sites a user watches: load and check `sources.yml`, and the schedule arithmetic.

A source names a site (start URLs, feeds, sitemaps), when to crawl it (a cron expression or an
interval), how far and how politely, and how often to re-fetch the articles already archived.
Every mistake in the file is a `SourcesError` with a one-line message naming the file, the source
and the field, so that the CLI can print it as it is::

    sources.yml: source 'ledger': field 'schedule': not a cron expression or interval: '61 * * * *'

All datetimes are timezone-aware; they are compared in UTC, and cron expressions run in UTC.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import yaml
from cronsim import CronSim, CronSimError

from extractors.urls import host_of

DEFAULT_SCHEDULE = "1d"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
SETTING_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
HOST_PATTERN = re.compile(
    r"(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?"
)

_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "week", "weeks"), 604800),
}
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)\s*")
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?\s*[a-z]+\s*)+")
_EVERY = re.compile(r"\s*every\s+(.*)", re.IGNORECASE)
_CRON_ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}


class SourcesError(ValueError):
    """A sources file that cannot be used; the message is one line naming file, source, field."""


class FieldError(ValueError):
    """A bad value; `field` is the dotted name of the field within its source, if known."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- durations and datetimes --------------------------------------------------------------


def parse_duration(value: object) -> timedelta:
    """A duration: seconds as a number, or text such as "90s", "30m", "6h", "1d", "2w", "1h30m"."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FieldError(f"expected a duration such as '30m' or '6h', got {_describe(value)}")
    seconds = _duration_seconds(value) if isinstance(value, str) else float(value)
    if seconds < 0 or seconds != seconds:
        raise FieldError(f"not a duration of zero or more: {value!r}")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise FieldError(f"duration too long: {value!r}") from None


def _duration_seconds(text: str) -> float:
    lowered = text.strip().lower()
    if _NUMBER.fullmatch(lowered):
        return float(lowered)
    if not _DURATION.fullmatch(lowered):
        raise FieldError(f"not a duration: {text!r} (write e.g. '90s', '30m', '6h', '1d', '2w')")
    seconds = 0.0
    for number, unit in _DURATION_PART.findall(lowered):
        if unit not in _UNIT_SECONDS:
            raise FieldError(f"unknown unit {unit!r} in duration {text!r} (use s, m, h, d or w)")
        seconds += float(number) * _UNIT_SECONDS[unit]
    return seconds


def format_duration(delta: timedelta) -> str:
    """The shortest exact spelling of a duration: 3600 s is "1h", 90 s is "90s"."""
    seconds = delta.total_seconds()
    for unit in ("w", "d", "h", "m"):
        size = _UNIT_SECONDS[unit]
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def as_utc(when: datetime, what: str = "datetime") -> datetime:
    """The same instant in UTC; a naive datetime is refused rather than guessed at."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {when.isoformat()}")
    return when.astimezone(UTC)


# --- schedules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """When a source is crawled: every `interval`, or at the fire times of a 5-field `cron`."""

    text: str
    interval: timedelta | None = None
    cron: str | None = None

    @classmethod
    def parse(cls, value: object) -> Schedule:
        """From "0 */6 * * *", "@daily", "6h", "every 2h", "every day" or seconds as a number."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            return cls._interval(str(value), value)
        if not isinstance(value, str) or not value.strip():
            raise FieldError(f"expected a cron expression or an interval, got {_describe(value)}")
        text = " ".join(value.split())
        cron = _CRON_ALIASES.get(text.lower(), text)
        if len(cron.split()) == 5:
            return cls(text=text, cron=_check_cron(cron, value))
        every = _EVERY.fullmatch(text)
        amount = every.group(1) if every else text
        if every and amount.isalpha():
            amount = "1" + amount  # "every day"
        return cls._interval(text, amount)

    @classmethod
    def _interval(cls, text: str, amount: object) -> Schedule:
        try:
            interval = parse_duration(amount)
        except FieldError:
            raise FieldError(f"not a cron expression or interval: {text!r}") from None
        if not interval:
            raise FieldError(f"the interval must be longer than zero: {text!r}")
        return cls(text=text, interval=interval)

    def next_after(self, when: datetime) -> datetime:
        """The first run time strictly after `when` (UTC)."""
        when = as_utc(when, "when")
        if self.interval is not None:
            return when + self.interval
        assert self.cron is not None
        return next(CronSim(self.cron, when))

    def next_run(self, last_started: datetime | None, now: datetime) -> datetime:
        """When the next run is due: `now` if never run, else the first run after the last."""
        if last_started is None:
            return as_utc(now, "now")
        return self.next_after(last_started)

    def is_due(self, last_started: datetime | None, now: datetime) -> bool:
        """Never run, or a run time has come since the last run started."""
        return self.next_run(last_started, now) <= as_utc(now, "now")

    def __str__(self) -> str:
        return self.text


def _check_cron(expression: str, written: str) -> str:
    try:
        next(CronSim(expression, datetime(2000, 1, 1, tzinfo=UTC)))
    except (CronSimError, StopIteration, ValueError) as exc:
        reason = str(exc).lower() or "no fire time"
        raise FieldError(f"not a cron expression or interval: {written!r} ({reason})") from None
    return expression


# --- re-fetching archived articles ---------------------------------------------------------


@dataclass(frozen=True)
class RecrawlPolicy:
    """How often an archived article is re-fetched: clamp(factor × its age, min, max).

    A story one hour old is looked at again soon; one a month old, rarely.
    """

    min: timedelta = timedelta(hours=1)
    max: timedelta = timedelta(days=30)
    factor: float = 0.5

    def interval(self, age: timedelta) -> timedelta:
        """The wait after a fetch of an article that was `age` old at that fetch."""
        wanted = max(age, timedelta(0)) * self.factor
        return min(max(wanted, self.min), self.max)

    def next_fetch(
        self,
        last_fetched: datetime,
        first_seen: datetime,
        published: datetime | None,
        now: datetime,
    ) -> datetime:
        """When the article is next due. The age counts from `published` when it is plausible
        (not after the last fetch, not in the future), else from `first_seen`."""
        last = as_utc(last_fetched, "last_fetched")
        born = as_utc(first_seen, "first_seen")
        if published is not None:
            published = as_utc(published, "published")
            if published <= last and published <= as_utc(now, "now"):
                born = published
        return last + self.interval(last - born)

    def is_due(
        self,
        last_fetched: datetime,
        first_seen: datetime,
        published: datetime | None,
        now: datetime,
    ) -> bool:
        """Whether the article should be fetched again at `now`."""
        return self.next_fetch(last_fetched, first_seen, published, now) <= as_utc(now, "now")


# --- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Politeness:
    """Per-host manners; None leaves the project's default (crawler/settings.py) in force."""

    delay: float | None = None
    concurrency: int | None = None
    robots: bool = True


@dataclass(frozen=True)
class Source:
    """One watched site, as `sources.yml` describes it."""

    name: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = ()
    schedule: Schedule = field(default_factory=lambda: Schedule.parse(DEFAULT_SCHEDULE))
    depth: int | None = None
    max_pages: int | None = None
    politeness: Politeness = field(default_factory=Politeness)
    recrawl: RecrawlPolicy = field(default_factory=RecrawlPolicy)
    settings: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL the crawl starts from: pages, then feeds, then sitemaps."""
        return self.start_urls + self.feeds + self.sitemaps

    def spider_args(self) -> dict[str, list[str]]:
        """The `news` spider's arguments for this source."""
        return {
            "urls": list(self.start_urls),
            "feeds": list(self.feeds),
            "sitemaps": list(self.sitemaps),
        }

    def scrapy_settings(self) -> dict[str, Any]:
        """Scrapy settings for this source's crawl; the `settings` overrides win.

        Fields left out of the file are left out here too, so crawler/settings.py decides.
        """
        result: dict[str, Any] = {}
        if self.depth is not None:
            result["DEPTH_LIMIT"] = self.depth
        if self.max_pages is not None:
            result["CLOSESPIDER_PAGECOUNT"] = self.max_pages
        if self.politeness.delay is not None:
            result["DOWNLOAD_DELAY"] = self.politeness.delay
        if self.politeness.concurrency is not None:
            result["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.politeness.concurrency
        result["ROBOTSTXT_OBEY"] = self.politeness.robots
        result["NEWSARC_SOURCE"] = self.name
        result["NEWSARC_RECRAWL_MIN"] = self.recrawl.min.total_seconds()
        result["NEWSARC_RECRAWL_MAX"] = self.recrawl.max.total_seconds()
        result["NEWSARC_RECRAWL_FACTOR"] = self.recrawl.factor
        result.update(self.settings)
        return result


def load_sources(path: str | os.PathLike[str]) -> list[Source]:
    """Read and check a sources file; raise `SourcesError` with a one-line message if bad."""
    filename = os.fspath(path)
    try:
        with open(filename, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise SourcesError(f"{filename}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{filename}: not UTF-8 text ({exc.reason})") from None
    return parse_sources(text, filename)


def parse_sources(text: str, filename: str = "<sources>") -> list[Source]:
    """Check the text of a sources file; `filename` is only used in error messages."""
    document = _load_yaml(text, filename)
    sources_list, defaults = _top_level(document, filename)
    try:
        defaults = _check_defaults(defaults)
    except FieldError as exc:
        raise SourcesError(_message(filename, "defaults", exc)) from None
    sources = [
        _source_at(position, entry, defaults, filename)
        for position, entry in enumerate(sources_list, 1)
    ]
    _check_unique(sources, filename)
    return sources


def select_sources(sources: Iterable[Source], names: Iterable[str]) -> list[Source]:
    """The sources with these names, in the order given (all of them if no names)."""
    by_name = {source.name: source for source in sources}
    wanted = list(names)
    missing = [name for name in wanted if name not in by_name]
    if missing:
        known = ", ".join(by_name) or "none"
        raise SourcesError(f"no source named {missing[0]!r} (known: {known})")
    return [by_name[name] for name in wanted] if wanted else list(by_name.values())


# --- reading the file ---------------------------------------------------------------------


class _StrictLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one mapping (the second would win silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` keys may be overridden on purpose
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str, filename: str) -> Any:
    try:
        return yaml.load(text, Loader=_StrictLoader)  # a SafeLoader: no Python objects
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise SourcesError(f"{filename}: {where}invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SourcesError(f"{filename}: invalid YAML: {' '.join(str(exc).split())}") from None


def _top_level(document: Any, filename: str) -> tuple[list[Any], dict[str, Any]]:
    if document is None:
        raise SourcesError(f"{filename}: the file is empty: it needs a 'sources:' list")
    if not isinstance(document, dict):
        raise SourcesError(f"{filename}: expected a mapping with 'sources:', got {_kind(document)}")
    unknown = sorted(str(key) for key in document if key not in ("sources", "defaults"))
    if unknown:
        raise SourcesError(
            f"{filename}: unknown top-level key {unknown[0]!r} (known: defaults, sources)"
        )
    if "sources" not in document:
        raise SourcesError(f"{filename}: no 'sources:' list")
    sources, defaults = document["sources"], document.get("defaults") or {}
    if not isinstance(sources, list):
        raise SourcesError(f"{filename}: 'sources' must be a list, got {_kind(sources)}")
    if not sources:
        raise SourcesError(f"{filename}: 'sources' is empty: list at least one source")
    if not isinstance(defaults, dict):
        raise SourcesError(f"{filename}: 'defaults' must be a mapping, got {_kind(defaults)}")
    return sources, defaults


def _message(filename: str, where: str, exc: FieldError) -> str:
    field_part = f"field {exc.field!r}: " if exc.field else ""
    return " ".join(f"{filename}: {where}: {field_part}{exc}".split())


def _source_at(position: int, entry: Any, defaults: dict[str, Any], filename: str) -> Source:
    where = f"source #{position}"
    name = entry.get("name") if isinstance(entry, dict) else None
    if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
        where = f"source {name!r}"
    try:
        if not isinstance(entry, dict):
            raise FieldError(f"expected a mapping of fields, got {_kind(entry)}")
        return _build_source(_merge(defaults, entry))
    except FieldError as exc:
        raise SourcesError(_message(filename, where, exc)) from None


def _check_unique(sources: list[Source], filename: str) -> None:
    first: dict[str, int] = {}
    for position, source in enumerate(sources, 1):
        key = source.name.lower()  # names become file names (locks): case-insensitive systems
        if key in first:
            other = sources[first[key] - 1].name
            raise SourcesError(
                f"{filename}: source #{position}: field 'name': {source.name!r} is already "
                f"the name of source #{first[key]} ({other!r})"
            )
        first[key] = position


# --- checking fields ----------------------------------------------------------------------

_NESTED = ("politeness", "recrawl", "settings")
_NOT_IN_DEFAULTS = ("name", "start_urls", "feeds", "sitemaps", "allowed_hosts")


def _merge(defaults: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """The source's fields over the defaults; politeness, recrawl, settings merge key by key."""
    merged = {**defaults, **entry}
    for key in _NESTED:
        if isinstance(defaults.get(key), dict) and isinstance(entry.get(key), dict):
            merged[key] = {**defaults[key], **entry[key]}
    return merged


def _check_defaults(defaults: dict[str, Any]) -> dict[str, Any]:
    for key, value in defaults.items():
        if key in _NOT_IN_DEFAULTS:
            raise FieldError("belongs in each source, not in defaults", str(key))
        _field(str(key), value)
    return defaults


def _build_source(raw: dict[str, Any]) -> Source:
    fields = {str(key): _field(str(key), value) for key, value in raw.items()}
    if "name" not in fields:
        raise FieldError("missing: every source needs a name", "name")
    if not (fields.get("start_urls") or fields.get("feeds") or fields.get("sitemaps")):
        raise FieldError(
            "a source needs at least one URL in start_urls, feeds or sitemaps", "start_urls"
        )
    if not fields.get("allowed_hosts"):
        every_url = (
            fields.get("start_urls", ()) + fields.get("feeds", ()) + fields.get("sitemaps", ())
        )
        fields["allowed_hosts"] = _unique(host_of(url) for url in every_url)
    return Source(**fields)


def _field(key: str, value: Any) -> Any:
    parser = _PARSERS.get(key)
    if parser is None:
        raise FieldError(f"unknown field (known: {', '.join(_PARSERS)})", key)
    try:
        return parser(value)
    except FieldError as exc:
        raise FieldError(str(exc), f"{key}.{exc.field}" if exc.field else key) from None


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError(f"expected a string, got {_describe(value)}")
    if not NAME_PATTERN.fullmatch(value):
        raise FieldError(
            f"{value!r} is not a valid name (letters, digits, '_', '.', '-'; "
            "starting with a letter or digit)"
        )
    return value


def _string_list(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise FieldError(f"expected a list, got {_describe(value)}")
    for item in items:
        if not isinstance(item, str):
            raise FieldError(f"expected a list of strings, got an item {_describe(item)}")
    return items


def _urls(value: Any) -> tuple[str, ...]:
    urls = [url.strip() for url in _string_list(value)]
    for url in urls:
        try:
            parts = urlsplit(url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
        except ValueError:
            valid = False
        if not valid:
            raise FieldError(f"not an http(s) URL: {url!r}")
    return _unique(urls)


def _hosts(value: Any) -> tuple[str, ...]:
    hosts = []
    for item in _string_list(value):
        host = item.strip().lower().rstrip(".")
        name, _, port = host.partition(":")
        if not HOST_PATTERN.fullmatch(name) or (
            port and not (port.isdigit() and 0 < int(port) < 65536)
        ):
            raise FieldError(f"not a host name (write 'example.com', not a URL): {item!r}")
        hosts.append(host)
    return _unique(hosts)


def _int(minimum: int) -> Any:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"expected a whole number, got {_describe(value)}")
        if value < minimum:
            raise FieldError(f"must be {minimum} or more, got {value}")
        return value

    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"expected true or false, got {_describe(value)}")
    return value


def _positive_duration(value: Any) -> timedelta:
    duration = parse_duration(value)
    if not duration:
        raise FieldError(f"must be longer than zero, got {value!r}")
    return duration


def _factor(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(f"expected a number, got {_describe(value)}")
    if not value > 0 or value == float("inf"):
        raise FieldError(f"must be more than 0, got {value}")
    return float(value)


def _mapping(value: Any, parsers: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(f"expected a mapping, got {_describe(value)}")
    parsed = {}
    for key, item in value.items():
        if key not in parsers:
            raise FieldError(f"unknown field (known: {', '.join(parsers)})", str(key))
        try:
            parsed[key] = parsers[key](item)
        except FieldError as exc:
            raise FieldError(str(exc), str(key)) from None
    return parsed


def _politeness(value: Any) -> Politeness:
    delay = lambda item: parse_duration(item).total_seconds()  # noqa: E731
    return Politeness(**_mapping(value, {"delay": delay, "concurrency": _int(1), "robots": _bool}))


def _recrawl(value: Any) -> RecrawlPolicy:
    parsers = {"min": _positive_duration, "max": _positive_duration, "factor": _factor}
    policy = RecrawlPolicy(**_mapping(value, parsers))
    if policy.min > policy.max:
        raise FieldError(
            f"min ({format_duration(policy.min)}) is longer than "
            f"max ({format_duration(policy.max)})"
        )
    return policy


def _settings(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(f"expected a mapping of Scrapy settings, got {_describe(value)}")
    for key in value:
        if not isinstance(key, str) or not SETTING_PATTERN.fullmatch(key):
            raise FieldError(f"{key!r} is not a Scrapy setting name (UPPER_CASE)")
    return dict(value)


def _schedule(value: Any) -> Schedule:
    return Schedule.parse(value)


_PARSERS: dict[str, Any] = {
    "name": _name,
    "start_urls": _urls,
    "feeds": _urls,
    "sitemaps": _urls,
    "allowed_hosts": _hosts,
    "schedule": _schedule,
    "depth": _int(0),
    "max_pages": _int(1),
    "politeness": _politeness,
    "recrawl": _recrawl,
    "settings": _settings,
}


# --- small helpers ------------------------------------------------------------------------


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _kind(value: Any) -> str:
    names = {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        int: "a whole number",
        float: "a number",
        bool: "a boolean",
        type(None): "nothing",
    }
    return names.get(type(value), f"a {type(value).__name__}")


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict | list):
        return _kind(value)
    return f"{_kind(value)} {value!r}"
