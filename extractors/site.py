"""Site-level extraction: what many pages of one host teach about each of them.

The crawl learns as pages arrive and cleans each article with what its site profile knows
then; `extract_site` (and reindex) sees every page first. Both end with `clean_record` on the
final profile, so the same pages give the same articles whatever their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from extractors.article import WORD_RE, ArticleRecord
from extractors.boilerplate import Lesson, SiteProfile, lesson_of
from extractors.page import analyze_page
from extractors.titles import clean_title, split_title
from extractors.urls import host_of


def learn_record(profile: SiteProfile, record: ArticleRecord, lesson: Lesson | None = None) -> None:
    """Teach the profile one article, as extracted from its page (before site cleaning);
    `lesson`: its `record_lesson`, if computed already."""
    profile.learn_lesson(lesson or record_lesson(record))


def record_lesson(record: ArticleRecord) -> Lesson:
    """What an article, as extracted from its page, teaches its site's profile."""
    return lesson_of(record.text, split_title(record.raw_title or ""), page=record.url or "")


def clean_record(record: ArticleRecord, profile: SiteProfile) -> ArticleRecord:
    """The article without its site's boilerplate lines, its title without the site's affixes.

    `record` is the page-level extraction (its `text` not yet cleaned); the result is a copy.
    Its `word_count`, when not 0, is taken to count its `text` (as every ArticleRecord made
    by newsarc does): a text the profile leaves as it was is not counted again.
    """
    own_title = split_title(record.raw_title or "")
    text = profile.clean_text(record.text, own_title) or record.text
    same = record.word_count > 0 and text == record.text
    site_name = record.site_name or profile.site_name()
    parts = clean_title(
        record.raw_title,
        record.title,
        site_name,
        headline=record.title,
        known_affixes=profile.title_affixes(),
    )
    return replace(
        record,
        text=text,
        title=parts.title or record.title,
        category=record.category or parts.category,
        site_name=site_name or parts.site_name,
        word_count=record.word_count if same else len(WORD_RE.findall(text)),
    )


def extract_site(pages: Iterable[tuple[str, str]]) -> list[ArticleRecord | None]:
    """Articles of (url, html) pages of one or more sites, cleaned with what the site shows.

    The reindex path: every page is seen before any is cleaned. Returns one entry per page,
    None where the page holds no article.
    """
    records = [analyze_page(html, url).article for url, html in pages]
    profiles: dict[str, SiteProfile] = {}
    for record in records:
        if record is not None:
            host = host_of(record.url or "")
            learn_record(profiles.setdefault(host, SiteProfile(host)), record)
    return [
        None if record is None else clean_record(record, profiles[host_of(record.url or "")])
        for record in records
    ]
