"""Deterministic generator for the four bundled demo websites.

``build_sites(root)`` writes ``root/ledger``, ``root/tribune``, ``root/farm``, ``root/visas``
and ``root/manifest.json``. Absolute URLs (feeds, sitemaps, robots.txt, canonical links) use the
placeholder ``{{BASE}}``, which :mod:`newsarc.demo.server` replaces with ``http://host:port``.
"""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from newsarc.demo import prose, vocab
from newsarc.demo.layouts import (
    FarmLayout,
    Layout,
    LedgerLayout,
    Pager,
    TribuneLayout,
    VisasLayout,
)
from newsarc.demo.model import BASE, Article, Category, esc, slugify

SITE_NAMES = {
    "ledger": "The Daily Ledger",
    "tribune": "Metro Tribune",
    "farm": "Job Recruitment Website",
    "visas": "Overseas Visa Jobs",
}
SEED_TEXT = Path(__file__).parent / "data" / "seed.txt"
EDITION = datetime(2024, 6, 28, 18, 0, tzinfo=UTC)
PRIVATE_PATH = "/private/secret.html"
PER_PAGE = 20
HOME_SIZE = 30
FEED_SIZE = 20
NEWS_SITEMAP_SIZE = 50
TRIBUNE_SECTIONS = {
    "world": ("world", "World"),
    "politics": ("politics", "Politics"),
    "business": ("money", "Money"),
    "technology": ("tech", "Tech"),
    "science": ("science", "Science"),
    "health": ("wellness", "Wellness"),
    "sports": ("sport", "Sport"),
    "culture": ("arts", "Arts"),
}
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass(frozen=True)
class FarmSite:
    """What differs between the content farms of one operator: they share a theme (and its
    ad and analytics accounts) but each has its own layout texts, sections, URLs and feed."""

    key: str
    layout: type[FarmLayout]
    category_labels: list[str]
    listing_root: str  # category listings at ``{listing_root}{slug}/``
    authors: tuple[str, ...]
    delay_hours: tuple[int, int]  # a copy appears this long after its source
    home_title: str
    about: str = "/about/"
    contact: str = "/contact/"


FARM = FarmSite(
    key="farm",
    layout=FarmLayout,
    category_labels=vocab.FARM_CATEGORIES,
    listing_root="/category/",
    authors=("admin", "editor", "jobnews"),
    delay_hours=(2, 72),
    home_title=FarmLayout.name,
)
VISAS = FarmSite(
    key="visas",
    layout=VisasLayout,
    category_labels=vocab.VISA_CATEGORIES,
    listing_root="/topics/",
    authors=("admin", "visadesk", "Overseas Desk"),
    delay_hours=(3, 96),
    home_title=f"{VisasLayout.name} – Jobs, visas and migration news",
    about="/about-us/",
    contact="/contact-us/",
)


@dataclass
class SiteBuild:
    """Files (URL path → text) and manifest entry of one generated site."""

    key: str
    files: dict[str, str] = field(default_factory=dict)
    articles: list[Article] = field(default_factory=list)
    listings: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    disallowed: list[str] = field(default_factory=list)

    def add(self, path: str, text: str, kind: str | None = None) -> None:
        if path in self.files:
            raise ValueError(f"duplicate path {path}")
        self.files[path] = text
        if kind:
            getattr(self, kind).append(path)

    def manifest(self) -> dict:
        return {
            "name": SITE_NAMES[self.key],
            "articles": [a.manifest_entry() for a in self.articles],
            "listings": self.listings,
            "feeds": self.feeds,
            "sitemaps": self.sitemaps,
            "disallowed": self.disallowed,
        }


# -- public API ---------------------------------------------------------------------------
def build_sites(root: Path, articles_per_site: int = 20, seed: int = 0) -> dict:
    """Write the ledger, tribune, farm and visas sites under ``root``; return the manifest.

    Each site gets ``articles_per_site`` articles. With 3 or more, ledger has at least two
    feed-only articles, tribune at least two sitemap-only ones, and both content farms
    (one operator: same AdSense and GA4 accounts) verbatim and spun copies; about half of
    the visas copies are of stories the farm copies too. Existing ``root/<site>`` folders
    are replaced. Same seed, same bytes.
    """
    if articles_per_site < 1:
        raise ValueError("articles_per_site must be at least 1")
    root = Path(root)
    taken: set[str] = set()
    ledger = _news_articles("ledger", articles_per_site, seed, taken)
    _ledger_paths(ledger)
    tribune = _news_articles("tribune", articles_per_site, seed, taken)
    _tribune_paths(tribune, _rng(seed, "tribune-paths"))
    farm = _farm_articles(articles_per_site, seed, ledger + tribune)
    visas = _visas_articles(articles_per_site, seed, ledger + tribune, farm)
    builds = [
        _build_ledger(ledger, _rng(seed, "ledger-extra")),
        _build_tribune(tribune, _rng(seed, "tribune-extra")),
        _build_farm_site(FARM, farm, _rng(seed, "farm-extra"), _farm_paths),
        _build_farm_site(VISAS, visas, _rng(seed, "visas-extra"), _visas_paths),
    ]
    manifest = {
        "seed": seed,
        "articles_per_site": articles_per_site,
        "sites": {b.key: b.manifest() for b in builds},
    }
    root.mkdir(parents=True, exist_ok=True)
    for build in builds:
        _write_site(root / build.key, build.files)
    text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
    (root / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def url_to_file(path: str) -> str:
    """Relative file name serving URL ``path`` (``/a/`` → ``a/index.html``)."""
    rel = path.lstrip("/")
    return rel + "index.html" if rel.endswith("/") or not rel else rel


# -- helpers ------------------------------------------------------------------------------
def _rng(seed: int, purpose: str) -> random.Random:
    return random.Random(f"newsarc-demo:{seed}:{purpose}")


def _write_site(directory: Path, files: dict[str, str]) -> None:
    if directory.exists():
        shutil.rmtree(directory)
    for path, text in files.items():
        target = directory / url_to_file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")


def _hidden_count(n: int) -> int:
    """About 10% of the articles, at least 2, but always leave one linked article."""
    return max(0, min(max(2, round(n / 10)), n - 1))


def _authors(rng: random.Random, count: int = 10) -> list[str]:
    firsts = rng.sample(vocab.FIRST_NAMES, count)
    lasts = rng.sample(vocab.LAST_NAMES, count)
    return [f"{f} {last}" for f, last in zip(firsts, lasts, strict=True)]


def _news_articles(key: str, n: int, seed: int, taken: set[str]) -> list[Article]:
    """Generate ``n`` stories for a news site, newest first (paths are set later)."""
    rng = _rng(seed, key)
    authors = _authors(rng)
    categories = list(vocab.CATEGORIES)
    when = EDITION
    articles = []
    for _ in range(n):
        when -= timedelta(minutes=rng.randint(60, 600))
        story = prose.write_story(rng, rng.choice(categories), taken)
        article = Article(
            site=key,
            path="",
            headline=story.headline,
            html_title="",
            category=story.category,
            author=rng.choice(authors),
            published=when,
            paragraphs=story.paragraphs,
            protagonist=story.protagonist,
        )
        articles.append(article)
    hidden = "feed" if key == "ledger" else "sitemap"
    for index in rng.sample(range(n), _hidden_count(n)):
        articles[index].discovery = hidden
    return articles


def _seed_article() -> Article:
    lines = SEED_TEXT.read_text(encoding="utf-8").splitlines()
    title, headline = lines[0].strip(), lines[2].strip()
    prefix = f"{SITE_NAMES['farm']} - "
    category = title[len(prefix) : len(title) - len(headline) - 3]
    return Article(
        site="farm",
        path="",
        headline=headline,
        html_title=title,
        category=category,
        author="admin",
        published=EDITION,
        paragraphs=[line.strip() for line in lines[3:] if line.strip()],
    )


def _copies(site: FarmSite, picks: list[Article], rng: random.Random) -> list[Article]:
    """A farm's copies of ``picks``: about half spun (with ``rng``), the rest verbatim."""
    n = len(picks)
    spun = set(rng.sample(range(n), n // 2 or min(1, n)))
    articles = []
    for index, src in enumerate(picks):
        is_spun = index in spun
        text = prose.spin(src.paragraphs, rng, src.protagonist) if is_spun else src.paragraphs
        copy = Article(
            site=site.key,
            path="",
            headline=src.headline,
            html_title="",
            category=rng.choice(site.category_labels),
            author=rng.choice(site.authors),
            published=src.published + timedelta(hours=rng.randint(*site.delay_hours)),
            paragraphs=list(text),
            protagonist=src.protagonist,
            copy_of=f"{src.site}:{src.path}",
            spun=is_spun,
        )
        articles.append(copy)
    return articles


def _farm_articles(n: int, seed: int, sources: list[Article]) -> list[Article]:
    """Copies (verbatim or spun) of ledger/tribune stories plus the real seed page."""
    rng = _rng(seed, "farm")
    articles = _copies(FARM, rng.sample(sources, n - 1), rng)
    seed_article = _seed_article()
    newest = max((a.published for a in articles), default=EDITION)
    seed_article.published = newest + timedelta(hours=3)
    articles.append(seed_article)
    articles.sort(key=lambda a: a.published, reverse=True)
    return articles


def _visas_articles(
    n: int, seed: int, sources: list[Article], farm: list[Article]
) -> list[Article]:
    """``n`` copies of ledger/tribune stories: about half of them stories the farm copies too
    (so those have three captures on three sites), the rest stories the farm left alone."""
    rng = _rng(seed, "visas")
    farmed = {a.copy_of for a in farm if a.copy_of}
    shared = [s for s in sources if f"{s.site}:{s.path}" in farmed]
    others = [s for s in sources if f"{s.site}:{s.path}" not in farmed]
    count = min(len(shared), n // 2)
    picks = rng.sample(shared, count) + rng.sample(others, n - count)
    rng.shuffle(picks)
    articles = _copies(VISAS, picks, rng)
    articles.sort(key=lambda a: a.published, reverse=True)
    return articles


def _assign_paths(articles: list[Article], make: Callable[[Article], str]) -> None:
    used: set[str] = set()
    for article in articles:
        path = make(article)
        stem, dot, ext = path.rpartition(".") if path.endswith(".html") else (path, "", "")
        suffix = 2
        while path in used:
            path = f"{stem}-{suffix}{dot}{ext}" if dot else f"{stem.rstrip('/')}-{suffix}/"
            suffix += 1
        used.add(path)
        article.path = path


def _linked(articles: list[Article]) -> list[Article]:
    return [a for a in articles if a.linked]


def _related(articles: list[Article]) -> dict[str, list[Article]]:
    related: dict[str, list[Article]] = {}
    for article in _linked(articles):
        related.setdefault(article.category, []).append(article)
    return related


def _layout(cls: type[Layout], categories: list[Category], articles: list[Article], **kw) -> Layout:
    linked = _linked(articles)
    edition = max(a.published for a in articles)
    return cls(categories, linked[:10], _related(articles), edition, **kw)


def _add_articles(build: SiteBuild, layout: Layout, articles: list[Article]) -> None:
    for article in articles:
        article.html_title = article.html_title or layout.html_title(
            article.headline, layout.category(article.category).label
        )
        build.add(article.path, layout.article_page(article))
    build.articles = articles


def _add_listings(
    build: SiteBuild,
    layout: Layout,
    articles: list[Article],
    page_path: Callable[[Category, int], str],
) -> None:
    """Category listing pages, ``PER_PAGE`` headlines each."""
    related = _related(articles)
    for cat in layout.categories:
        items = related.get(cat.slug, [])
        pages = max(1, -(-len(items) // PER_PAGE))
        paths = [cat.path] + [page_path(cat, p) for p in range(2, pages + 1)]
        for number, path in enumerate(paths, start=1):
            pager = Pager(number, pages)
            pager.prev = paths[number - 2] if number > 1 else None
            pager.next = paths[number] if number < pages else None
            chunk = items[(number - 1) * PER_PAGE : number * PER_PAGE]
            title = cat.label if number == 1 else f"{cat.label} – Page {number}"
            page = layout.listing_page(path, f"{title} | {layout.name}", cat.label, chunk, pager)
            build.add(path, page, "listings")


def _add_private(build: SiteBuild, layout: Layout, rng: random.Random) -> None:
    story = prose.write_story(rng, "politics", set())
    memo = Article(
        site=build.key,
        path=PRIVATE_PATH,
        headline=f"Internal memo: {story.headline}",
        html_title="",
        category=layout.categories[0].slug,
        author="Newsroom management",
        published=layout.edition,
        paragraphs=story.paragraphs,
    )
    memo.html_title = layout.html_title(memo.headline, layout.categories[0].label)
    build.add(PRIVATE_PATH, layout.article_page(memo), "disallowed")


def _add_about_contact(build: SiteBuild, layout: Layout) -> None:
    name = layout.name
    about = [
        f"{name} is an independent publication covering news, politics, business and culture.",
        f"Our reporters are based in newsrooms across the region. {name} is funded by readers, "
        "subscribers and advertisers, and our journalism is governed by a published code of "
        "practice.",
    ]
    contact = [
        f"To reach the {name} newsroom, write to newsroom@example.org.",
        "For corrections, please tell us the headline and date of the story concerned. "
        "Advertising and subscription enquiries are answered within two working days.",
    ]
    build.add(layout.about, layout.static_page(layout.about, f"About {name}", about), "listings")
    build.add(layout.contact, layout.static_page(layout.contact, "Contact us", contact), "listings")


def _private_link() -> str:
    return (
        f'<p class="staff-only"><a href="{PRIVATE_PATH}">Staff only: newsroom planning memo</a>'
        "</p>\n"
    )


# -- feeds and sitemaps -------------------------------------------------------------------
def _xml(text: str) -> str:
    return esc(text)


def rss_feed(
    name: str, description: str, items: list[Article], layout: Layout, path: str = "/feed.xml"
) -> str:
    entries = []
    for a in items:
        label = layout.category(a.category).label
        entries.append(
            f"<item>\n<title>{_xml(a.headline)}</title>\n<link>{BASE}{a.path}</link>\n"
            f'<guid isPermaLink="true">{BASE}{a.path}</guid>\n'
            f"<pubDate>{format_datetime(a.published)}</pubDate>\n"
            f"<dc:creator>{_xml(a.author)}</dc:creator>\n<category>{_xml(label)}</category>\n"
            f"<description>{_xml(a.teaser)}</description>\n</item>"
        )
    updated = format_datetime(max(a.published for a in items))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"\n<channel>\n<title>{_xml(name)}</title>\n<link>{BASE}/</link>\n"
        f"<description>{_xml(description)}</description>\n<language>en</language>\n"
        f"<lastBuildDate>{updated}</lastBuildDate>\n"
        f'<atom:link href="{BASE}{path}" rel="self" type="application/rss+xml"/>\n'
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(name: str, items: list[Article]) -> str:
    entries = []
    for a in items:
        stamp = a.published.isoformat()
        entries.append(
            f"<entry>\n<title>{_xml(a.headline)}</title>\n"
            f'<link rel="alternate" type="text/html" href="{BASE}{a.path}"/>\n'
            f"<id>{BASE}{a.path}</id>\n<published>{stamp}</published>\n"
            f"<updated>{stamp}</updated>\n<author><name>{_xml(a.author)}</name></author>\n"
            f"<summary>{_xml(a.teaser)}</summary>\n</entry>"
        )
    updated = max(a.published for a in items).isoformat()
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<title>{_xml(name)}</title>\n<subtitle>Jobs, visas and news from around the world"
        f'</subtitle>\n<link rel="self" type="application/atom+xml" href="{BASE}/atom.xml"/>\n'
        f'<link rel="alternate" type="text/html" href="{BASE}/"/>\n<id>{BASE}/</id>\n'
        f"<updated>{updated}</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    )


def sitemap_index(paths: list[str], updated: datetime) -> str:
    rows = "\n".join(
        f"<sitemap><loc>{BASE}{p}</loc><lastmod>{updated.isoformat()}</lastmod></sitemap>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}\n</sitemapindex>\n"
    )


def news_sitemap(name: str, items: list[Article]) -> str:
    rows = "\n".join(
        f"<url>\n<loc>{BASE}{a.path}</loc>\n<news:news>\n<news:publication>\n"
        f"<news:name>{_xml(name)}</news:name>\n<news:language>en</news:language>\n"
        f"</news:publication>\n<news:publication_date>{a.published.isoformat()}"
        f"</news:publication_date>\n<news:title>{_xml(a.headline)}</news:title>\n"
        "</news:news>\n</url>"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
        f"{rows}\n</urlset>\n"
    )


def url_sitemap(items: list[Article]) -> str:
    rows = "\n".join(
        f"<url><loc>{BASE}{a.path}</loc><lastmod>{a.published.isoformat()}</lastmod>"
        "<changefreq>monthly</changefreq></url>"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{rows}\n</urlset>\n"
    )


# -- the four sites -----------------------------------------------------------------------
def _build_ledger(articles: list[Article], rng: random.Random) -> SiteBuild:
    labels = vocab.NEWS_CATEGORY_LABELS
    categories = [Category(s, labels[s], f"/category/{s}/") for s in vocab.CATEGORIES]
    layout = _layout(LedgerLayout, categories, articles)
    build = SiteBuild("ledger")
    linked = _linked(articles)
    home = layout.listing_page(
        "/",
        f"{layout.name} — Latest news",
        "Latest news",
        linked[:HOME_SIZE],
        extra=_private_link(),
    )
    build.add("/", home, "listings")
    _add_listings(build, layout, articles, lambda c, p: f"{c.path}page/{p}/")
    _add_about_contact(build, layout)
    _add_articles(build, layout, articles)
    _add_private(build, layout, rng)
    feed_items = [a for a in articles if not a.linked] + linked[:FEED_SIZE]
    feed_items.sort(key=lambda a: a.published, reverse=True)
    description = "Breaking news and analysis from The Daily Ledger"
    build.add("/feed.xml", rss_feed(layout.name, description, feed_items, layout), "feeds")
    build.add("/robots.txt", ROBOTS)
    return build


def _ledger_paths(articles: list[Article]) -> None:
    _assign_paths(articles, lambda a: f"/{a.published:%Y/%m/%d}/{slugify(a.headline)}.html")


def _tribune_paths(articles: list[Article], rng: random.Random) -> None:
    for article in articles:
        article.category = TRIBUNE_SECTIONS[article.category][0]
    ids = rng.sample(range(100000, 999999), len(articles))
    for article, story_id in zip(articles, ids, strict=True):
        article.path = f"/news/{article.category}/{slugify(article.headline, 60)}-{story_id}/"
    _assign_paths(articles, lambda a: a.path)


def _build_tribune(articles: list[Article], rng: random.Random) -> SiteBuild:
    categories = [
        Category(slug, label, f"/section/{slug}/") for slug, label in TRIBUNE_SECTIONS.values()
    ]
    layout = _layout(
        TribuneLayout, categories, articles, about="/info/about/", contact="/info/contact/"
    )
    build = SiteBuild("tribune")
    linked = _linked(articles)
    home = layout.listing_page(
        "/",
        f"{layout.name} | News for the metro area",
        "Top stories",
        linked[:HOME_SIZE],
        extra=_private_link(),
    )
    build.add("/", home, "listings")
    _add_listings(build, layout, articles, lambda c, p: f"{c.path}page-{p}/")
    _add_about_contact(build, layout)
    _add_articles(build, layout, articles)
    _add_private(build, layout, rng)
    maps = ["/sitemap-news.xml", "/sitemap-articles.xml"]
    build.add("/sitemap_index.xml", sitemap_index(maps, layout.edition), "sitemaps")
    build.add(maps[0], news_sitemap(layout.name, articles[:NEWS_SITEMAP_SIZE]), "sitemaps")
    build.add(maps[1], url_sitemap(articles), "sitemaps")
    build.add("/robots.txt", f"{ROBOTS}Sitemap: {BASE}/sitemap_index.xml\n")
    return build


def _farm_paths(articles: list[Article], rng: random.Random) -> None:
    ids = sorted(rng.sample(range(20000, 90000), len(articles)), reverse=True)
    for article, story_id in zip(articles, ids, strict=True):
        article.path = f"/news/{story_id}.html"


def _visas_paths(articles: list[Article], rng: random.Random) -> None:
    _assign_paths(articles, lambda a: f"/{a.published:%Y/%m}/{slugify(a.headline, 60)}.html")


def _build_farm_site(
    site: FarmSite,
    articles: list[Article],
    rng: random.Random,
    assign_paths: Callable[[list[Article], random.Random], None],
) -> SiteBuild:
    """A content farm: sections of unrelated labels, ads, analytics and an Atom or RSS feed."""
    categories = [
        Category(slugify(label), label, f"{site.listing_root}{slugify(label)}/")
        for label in site.category_labels
    ]
    by_label = {c.label: c.slug for c in categories}
    for article in articles:
        article.category = by_label[article.category]
    assign_paths(articles, rng)
    layout = _layout(site.layout, categories, articles, about=site.about, contact=site.contact)
    build = SiteBuild(site.key)
    home = layout.listing_page(
        "/", site.home_title, "Latest news", articles[:HOME_SIZE], extra=_private_link()
    )
    build.add("/", home, "listings")
    _add_listings(build, layout, articles, lambda c, p: f"{c.path}page/{p}/")
    _add_about_contact(build, layout)
    _add_articles(build, layout, articles)
    _add_private(build, layout, rng)
    items = articles[:FEED_SIZE]
    if layout.feed_type == "application/atom+xml":
        feed = atom_feed(layout.name, items)
    else:
        description = "Jobs abroad, visa sponsorship and migration news"
        feed = rss_feed(layout.name, description, items, layout, layout.feed_path)
    build.add(layout.feed_path, feed, "feeds")
    build.add("/robots.txt", ROBOTS)
    return build
