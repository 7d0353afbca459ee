"""A generated news site and a content farm that copies it, as static files for nginx.

`generate(root, pages, seed)` writes `root/news/` and `root/farm/` (about PAGES HTML pages in
all, half on each host) and returns their sizes. The news site has a home page, section listings
of 30 stories (each listing links to every page of its section) and stories of 400-1,500 words;
the farm republishes every story, spun (synonyms, misspelled names), under "Site name -
unrelated category - headline" titles, in a WordPress-like theme. Pages weigh 30-150 KB of HTML
(triangular, mode 70 KB) as real ones do: a big head (meta tags, inline CSS, consent and
analytics scripts), a mega-menu, share buttons, ad slots, related stories, a footer full of links
and an inline JSON state blob; images, styles and scripts are on other hosts (not crawled).
Every file is also written gzipped (level 6) for nginx's gzip_static. Deterministic in SEED.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote

from newsarc.demo import prose, vocab
from newsarc.demo.model import slugify

NEWS_NAME = "Morning Ledger"
FARM_NAME = "Job Recruitment Website"
SECTIONS = list(vocab.CATEGORIES)
PER_LISTING = 30
KB = 1024
SIZE_KB = (30, 70, 150)  # triangular: low, mode, high
BASE_DATE = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
ROBOTS = "User-agent: *\nAllow: /\n"
CSS_WORDS = ("card", "teaser", "hero", "nav", "menu", "grid", "promo", "ad", "slot", "story",
             "header", "footer", "rail", "list", "item", "byline", "meta", "share", "btn", "icon",
             "media", "caption", "ticker", "badge", "label", "kicker", "tag", "widget",
             "newsletter", "paywall", "modal", "overlay", "drawer")  # fmt: skip
CSS_PARTS = ("title", "link", "wrap", "inner", "img", "text", "label", "body", "head", "foot",
             "col", "row")  # fmt: skip
SOCIAL = ("facebook.com", "x.com", "instagram.com", "youtube.com", "linkedin.com", "tiktok.com")


@dataclass(frozen=True)
class Story:
    """One story of the news site (the farm copies it): what listings and teasers show."""

    id: int
    section: str
    headline: str
    summary: str
    author: str
    cast: dict[str, str]

    @property
    def published(self) -> datetime:
        return BASE_DATE - timedelta(minutes=23 * self.id)

    @property
    def slug(self) -> str:
        return slugify(self.headline, 60)


@dataclass
class SiteStats:
    """What was written for one host."""

    name: str
    pages: int = 0
    articles: int = 0
    listings: int = 0
    html_bytes: int = 0
    gzip_bytes: int = 0
    smallest: int = 10**9
    largest: int = 0

    def add(self, html: bytes, packed: bytes) -> None:
        self.pages += 1
        self.html_bytes += len(html)
        self.gzip_bytes += len(packed)
        self.smallest = min(self.smallest, len(html))
        self.largest = max(self.largest, len(html))


@dataclass
class Site:
    """Stories, sections and how each host names its URLs."""

    seed: int
    stories: list[Story]
    by_section: dict[str, list[Story]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for story in self.stories:
            self.by_section.setdefault(story.section, []).append(story)

    def listing_pages(self, section: str) -> int:
        return max(1, math.ceil(len(self.by_section.get(section, [])) / PER_LISTING))

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, ("perf", self.seed, *key))))

    def paragraphs(self, story: Story) -> list[str]:
        """The story's body (400-1,500 words), made again from its seed when rendered."""
        rng = self.rng("text", story.id)
        target = rng.randint(400, 1500)
        paragraphs: list[str] = []
        while sum(len(p.split()) for p in paragraphs) < target:
            paragraphs += prose.write_paragraphs(rng, story.section, story.cast)
        return paragraphs


# -- the stories ----------------------------------------------------------------------------------


def articles_for(pages_per_host: int) -> int:
    """Stories such that home + listings + stories is at most PAGES_PER_HOST pages."""
    stories = max(pages_per_host - 1, 1)
    while stories > 1 and 1 + stories + listings_for(stories) > pages_per_host:
        stories -= 1
    return stories


def listings_for(stories: int) -> int:
    per_section = [len(range(i, stories, len(SECTIONS))) for i in range(len(SECTIONS))]
    return sum(max(1, math.ceil(n / PER_LISTING)) for n in per_section)


def make_stories(count: int, seed: int) -> list[Story]:
    taken: set[str] = set()
    return [make_story(i, seed, taken) for i in range(count)]


def make_story(index: int, seed: int, taken: set[str]) -> Story:
    rng = random.Random(f"perf:{seed}:story:{index}")
    section = SECTIONS[index % len(SECTIONS)]
    bank = vocab.CATEGORIES[section]
    for _attempt in range(20):
        cast = prose.make_cast(rng, section)
        headline = prose.expand(rng.choice(bank["headlines"]), rng, cast)
        if headline not in taken:
            break
    else:
        headline = f"{headline} ({index})"
    taken.add(headline)
    lead = prose.write_paragraphs(rng, section, cast)[0]
    summary = lead.split(". ")[0].rstrip(".") + "."
    author = f"{rng.choice(vocab.FIRST_NAMES)} {rng.choice(vocab.LAST_NAMES)}"
    return Story(index, section, headline, summary, author, cast)


# -- page furniture shared by both themes ------------------------------------------------------


def css(rng: random.Random, rules: int) -> str:
    def rule() -> str:
        name = f"{rng.choice(CSS_WORDS)}-{rng.choice(CSS_WORDS)}__{rng.choice(CSS_PARTS)}"
        return (
            f".{name}{{margin:{rng.randint(0, 48)}px {rng.randint(0, 32)}px;"
            f"padding:{rng.randint(0, 24)}px;font:{rng.choice((400, 500, 700))} "
            f"{rng.randint(11, 40)}px/{1 + rng.random():.2f} Georgia,serif;"
            f"color:#{rng.getrandbits(24):06x};border-bottom:1px solid #{rng.getrandbits(24):06x}}}"
        )

    return "".join(rule() for _ in range(rules))


def consent_script(rng: random.Random) -> str:
    vendors = [
        {"id": rng.randint(1, 1200), "name": f"{rng.choice(CSS_WORDS).title()} Media {i}",
         "purposes": rng.sample(range(1, 11), 4), "legIntPurposes": rng.sample(range(1, 11), 2),
         "policyUrl": f"https://vendor{i}.example/privacy"}
        for i in range(20)
    ]  # fmt: skip
    config = {"cmpId": 31, "vendors": vendors, "gdprApplies": True, "version": 2}
    return "window.__cmpConfig=" + json.dumps(config, separators=(",", ":")) + ";"


def analytics_script(account: str) -> str:
    return (
        "(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
        "event:'gtm.js'});var f=d.getElementsByTagName(s)[0],j=d.createElement(s),"
        "dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src='https://tags.example/gtm.js?id='+i+dl;"
        f"f.parentNode.insertBefore(j,f);}})(window,document,'script','dataLayer','{account}');"
        "window.addEventListener('scroll',function(){var y=window.scrollY||0;"
        "if(y>400){document.body.classList.add('is-scrolled')}else{"
        "document.body.classList.remove('is-scrolled')}},{passive:true});"
    ) * 3


def ad_slots(rng: random.Random, section: str, count: int) -> str:
    slots = [
        {"id": f"div-gpt-ad-{rng.getrandbits(40):010x}-{n}", "path": f"/2231/ml/{section}/pos{n}",
         "sizes": rng.sample([[300, 250], [728, 90], [970, 250], [320, 50], [300, 600]], 3),
         "targeting": {"pos": n, "kw": rng.sample(CSS_WORDS, 3), "ab": rng.random() < 0.5}}
        for n in range(count)
    ]  # fmt: skip
    return "window.__adSlots=" + json.dumps(slots, separators=(",", ":")) + ";"


def state_blob(rng: random.Random, size: int, stories: Sequence[Story], link: Callable) -> str:
    """`window.__STATE__`: teaser objects of random stories, about SIZE characters."""
    items: list[str] = []
    total = 0
    while total < size:
        story = stories[rng.randrange(len(stories))]
        item = {
            "id": f"{rng.getrandbits(48):012x}", "url": link(story), "headline": story.headline,
            "summary": story.summary, "section": story.section, "author": story.author,
            "published": story.published.isoformat(),
            "image": {"src": f"https://static.example/img/{rng.getrandbits(64):016x}.jpg",
                      "width": 1200, "height": 675, "alt": story.headline},
            "metrics": {"views": rng.randint(10, 90000), "shares": rng.randint(0, 900)},
        }  # fmt: skip
        text = json.dumps(item, separators=(",", ":"))
        items.append(text)
        total += len(text) + 1
    return ('window.__STATE__={"teasers":[' + ",".join(items) + "]};").replace("</", "<\\/")


def share_links(url: str, title: str) -> str:
    target, text = quote(url, safe=""), quote(title, safe="")
    links = [
        f"https://www.facebook.com/sharer/sharer.php?u={target}",
        f"https://x.com/intent/tweet?url={target}&amp;text={text}",
        f"https://www.linkedin.com/shareArticle?url={target}",
        f"mailto:?subject={text}&amp;body={target}",
    ]
    items = "".join(f'<li><a href="{u}">Share</a></li>' for u in links)
    return f'<ul class="share">{items}</ul>'


def social_links(name: str) -> str:
    handle = slugify(name).replace("-", "")
    return "".join(f'<a href="https://www.{s}/{handle}" rel="me">{s}</a> ' for s in SOCIAL)


# -- the news theme ------------------------------------------------------------------------------


class NewsTheme:
    """The news site: sections at /section/S/page-N.html, stories at /S/YYYY/MM/DD/slug-ID.html."""

    name = NEWS_NAME

    def __init__(self, site: Site) -> None:
        self.site = site
        rng = site.rng("news-theme")
        self.style = css(rng, 50)
        self.consent = consent_script(rng)
        self.analytics = analytics_script("GTM-ML2231")

    def story_path(self, story: Story) -> str:
        return f"/{story.section}/{story.published:%Y/%m/%d}/{story.slug}-{story.id}.html"

    def listing_path(self, section: str, page: int) -> str:
        return f"/section/{section}/page-{page}.html"

    def head(self, title: str, extra: str) -> str:
        return (
            f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n{extra}"
            '<link rel="preconnect" href="https://static.example">\n'
            '<link rel="stylesheet" href="https://static.example/css/main.4f2a.css">\n'
            f"<style>{self.style}</style>\n<script>{self.consent}</script>\n"
            f"<script>{self.analytics}</script>\n</head>\n"
        )

    def masthead(self, rng: random.Random) -> str:
        menu = "".join(self.menu_column(section) for section in SECTIONS)
        ticker = "".join(
            f'<li><a href="{self.story_path(s)}">{escape(s.headline)}</a></li>'
            for s in rng.sample(self.site.stories, min(6, len(self.site.stories)))
        )
        return (
            '<div class="top-bar"><span>Saturday 28 November 2026</span> <a href='
            '"https://account.morningledger.example/login">Sign in</a> <a href="https://'
            'subscribe.morningledger.example/">Subscribe</a></div>\n<header class="site-header">'
            f'<a class="logo" href="/">{self.name}</a><nav class="mega-menu"><ul>{menu}</ul></nav>'
            f'</header>\n<div class="ticker"><strong>Breaking</strong><ul>{ticker}</ul></div>\n'
        )

    def menu_column(self, section: str) -> str:
        label = vocab.NEWS_CATEGORY_LABELS[section]
        pages = range(1, min(self.site.listing_pages(section), 4) + 1)
        more = "".join(
            f'<li><a href="{self.listing_path(section, n)}">{label} {n}</a></li>' for n in pages
        )
        recent = "".join(
            f'<li><a href="{self.story_path(s)}">{escape(s.headline)}</a></li>'
            for s in self.site.by_section.get(section, [])[:3]
        )
        return (
            f'<li class="menu-col"><a href="{self.listing_path(section, 1)}">{label}</a>'
            f"<ul>{more}</ul><ul class='menu-latest'>{recent}</ul></li>"
        )

    def footer(self) -> str:
        sections = "".join(
            f'<li><a href="{self.listing_path(s, 1)}">{vocab.NEWS_CATEGORY_LABELS[s]}</a></li>'
            for s in SECTIONS
        )
        corporate = "".join(
            f'<li><a href="https://corp.morningledger.example/{page}">{page.title()}</a></li>'
            for page in ("about", "careers", "contact", "advertise", "privacy", "terms",
                         "cookies", "accessibility", "ethics", "corrections", "archive", "rss")
        )  # fmt: skip
        return (
            f'<footer class="site-footer"><ul>{sections}</ul><ul>{corporate}</ul>'
            f"<p>Follow us: {social_links(self.name)}</p><p>&copy; 2026 {self.name}, all rights "
            "reserved. Registered in England and Wales.</p></footer>\n"
        )

    def page(self, rng: random.Random, title: str, meta: str, main: str, section: str) -> str:
        """A whole page, padded with the state blob to a size drawn in SIZE_KB."""
        top = self.head(title, meta) + "<body>\n" + self.masthead(rng) + main + self.footer()
        scripts = f"<script>{ad_slots(rng, section, rng.randint(6, 14))}</script>\n"
        target = int(rng.triangular(*SIZE_KB) * KB)
        pad = max(0, target - len(top) - len(scripts) - 60)
        blob = state_blob(rng, pad, self.site.stories, self.story_path)
        return top + scripts + f"<script>{blob}</script>\n</body></html>\n"

    def teaser(self, story: Story) -> str:
        return (
            f'<article class="teaser"><h3><a href="{self.story_path(story)}">'
            f"{escape(story.headline)}</a></h3><p>{escape(story.summary)}</p>"
            f"<p class='meta'>{escape(story.author)} · {story.published:%d %b %Y}</p></article>"
        )

    def story_page(self, story: Story) -> str:
        rng = self.site.rng("news-page", story.id)
        url = f"https://www.morningledger.example{self.story_path(story)}"
        body = self.story_body(rng, story, self.site.paragraphs(story))
        related = self.related(story)
        label = vocab.NEWS_CATEGORY_LABELS[story.section]
        main = (
            f'<main><nav class="breadcrumb"><a href="/">Home</a> &gt; <a href="'
            f'{self.listing_path(story.section, 1)}">{label}</a></nav>\n<article class="story">'
            f"<h1>{escape(story.headline)}</h1><p class='standfirst'>{escape(story.summary)}</p>"
            f'<p class="byline">By {escape(story.author)} · <time datetime="'
            f'{story.published.isoformat()}">{story.published:%d %B %Y %H:%M}</time></p>'
            f'{share_links(url, story.headline)}<figure><img src="https://static.example/img/'
            f'{story.id}.jpg" alt="" width="1200" height="675"><figcaption>{escape(story.summary)}'
            f"</figcaption></figure>\n<div class='article-body'>{body}</div>\n"
            f"<p class='tags'>Topics: <a href=\"{self.listing_path(story.section, 1)}\">{label}</a>"
            f" {escape(story.cast['city'])}, {escape(story.cast['country'])}</p></article>\n"
            f'<aside class="related"><h2>More on this story</h2>{related}</aside>\n'
            f'<aside class="most-read"><h2>Most read</h2><ol>{self.most_read(rng)}</ol></aside>'
            '<div class="newsletter"><h2>The Morning Briefing</h2><p>Sign up for our daily '
            "newsletter.</p></div></main>\n"
        )
        return self.page(rng, f"{story.headline} | {label} | {self.name}",
                         self.story_meta(story, url), main, story.section)  # fmt: skip

    def story_body(self, rng: random.Random, story: Story, paragraphs: list[str]) -> str:
        parts = []
        others = self.site.by_section[story.section]
        for index, paragraph in enumerate(paragraphs):
            parts.append(f"<p>{escape(paragraph)}</p>")
            if index % 4 == 3:
                parts.append(f'<div class="ad-slot" id="ad-{index}" data-pos="{index}"></div>')
            if index % 5 == 2:
                other = others[rng.randrange(len(others))]
                parts.append(
                    f'<p class="read-more">Read more: <a href="{self.story_path(other)}">'
                    f"{escape(other.headline)}</a></p>"
                )
        return "\n".join(parts)

    def related(self, story: Story) -> str:
        others = self.site.by_section[story.section]
        at = others.index(story)
        chosen = [others[(at + step) % len(others)] for step in range(1, 13)]
        return "".join(self.teaser(s) for s in chosen if s is not story)

    def most_read(self, rng: random.Random) -> str:
        stories = self.site.stories
        chosen = rng.sample(stories, min(10, len(stories)))
        return "".join(self.link_item(s) for s in chosen)

    def link_item(self, story: Story) -> str:
        return f'<li><a href="{self.story_path(story)}">{escape(story.headline)}</a></li>'

    def story_meta(self, story: Story, url: str) -> str:
        jsonld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": story.headline,
            "datePublished": story.published.isoformat(), "description": story.summary,
            "author": {"@type": "Person", "name": story.author},
            "publisher": {"@type": "Organization", "name": self.name},
            "articleSection": vocab.NEWS_CATEGORY_LABELS[story.section],
        })  # fmt: skip
        return (
            f'<link rel="canonical" href="{url}">\n<meta name="description" content="'
            f'{escape(story.summary)}">\n<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{escape(story.headline)}">\n'
            f'<meta property="og:site_name" content="{self.name}">\n<meta property="og:url" '
            f'content="{url}">\n<meta property="article:published_time" content="'
            f'{story.published.isoformat()}">\n<meta name="author" content="'
            f'{escape(story.author)}">\n<meta name="twitter:card" content="summary_large_image">\n'
            f'<script type="application/ld+json">{jsonld}</script>\n'
        )

    def listing_page(self, section: str, page: int) -> str:
        rng = self.site.rng("news-listing", section, page)
        stories = self.site.by_section.get(section, [])
        chunk = stories[(page - 1) * PER_LISTING : page * PER_LISTING]
        label = vocab.NEWS_CATEGORY_LABELS[section]
        pager = " ".join(
            f'<a href="{self.listing_path(section, n)}">{n}</a>'
            for n in range(1, self.site.listing_pages(section) + 1)
        )
        main = (
            f"<main><h1>{label}</h1>\n" + "\n".join(self.teaser(s) for s in chunk)
            + f'\n<nav class="pagination">{pager}</nav></main>\n'
        )  # fmt: skip
        meta = '<meta property="og:type" content="website">\n'
        return self.page(rng, f"{label} - page {page} | {self.name}", meta, main, section)

    def home_page(self) -> str:
        rng = self.site.rng("news-home")
        top = "\n".join(self.teaser(s) for s in self.site.stories[:20])
        blocks = "".join(
            f'<section><h2><a href="{self.listing_path(s, 1)}">{vocab.NEWS_CATEGORY_LABELS[s]}</a>'
            "</h2>" + "".join(self.teaser(t) for t in self.site.by_section.get(s, [])[:5])
            + "</section>\n"
            for s in SECTIONS
        )  # fmt: skip
        main = f"<main><h1>Top stories</h1>\n{top}\n{blocks}</main>\n"
        meta = '<meta property="og:type" content="website">\n'
        return self.page(rng, f"{self.name} - news from home and abroad", meta, main, "home")

    def files(self) -> Iterator[tuple[str, str]]:
        yield "/index.html", self.home_page()
        for section in SECTIONS:
            for page in range(1, self.site.listing_pages(section) + 1):
                yield self.listing_path(section, page), self.listing_page(section, page)
        for story in self.site.stories:
            yield self.story_path(story), self.story_page(story)


# -- the content-farm theme ----------------------------------------------------------------------


class FarmTheme(NewsTheme):
    """The farm: every story spun, at /YYYY/MM/slug-ID.html; categories at /category/C/page-N.html;
    "Site name - unrelated category - headline" titles; a WordPress theme's head and widgets."""

    name = FARM_NAME

    def __init__(self, site: Site) -> None:
        super().__init__(site)
        rng = site.rng("farm-theme")
        self.style = css(rng, 70)
        self.consent = consent_script(rng)
        self.analytics = analytics_script("UA-88120-7") + "window._wpemojiSettings={};" * 40

    def category(self, section: str) -> str:
        return vocab.FARM_CATEGORIES[SECTIONS.index(section) % len(vocab.FARM_CATEGORIES)]

    def story_path(self, story: Story) -> str:
        return f"/{story.published:%Y/%m}/{story.slug}-{story.id}.html"

    def listing_path(self, section: str, page: int) -> str:
        return f"/category/{section}/page-{page}.html"

    def masthead(self, rng: random.Random) -> str:
        menu = "".join(
            f'<li><a href="{self.listing_path(s, 1)}">{escape(self.category(s))}</a></li>'
            for s in SECTIONS
        )
        return (
            f'<div id="page" class="site"><header id="masthead"><p class="site-title"><a href="/">'
            f'{self.name}</a></p><nav id="site-navigation"><ul class="menu">{menu}</ul></nav>'
            "</header>\n" + self.widgets(rng) + '<ins class="adsbygoogle" data-ad-client='
            '"ca-pub-8812" data-ad-slot="1122"></ins>\n'
        )

    def widgets(self, rng: random.Random) -> str:
        recent = "".join(
            f'<li><a href="{self.story_path(s)}">{escape(s.headline)}</a></li>'
            for s in rng.sample(self.site.stories, min(15, len(self.site.stories)))
        )
        pages = "".join(
            f'<li><a href="{self.listing_path(s, n)}">{escape(self.category(s))} ({n})</a></li>'
            for s in SECTIONS
            for n in range(1, min(self.site.listing_pages(s), 4) + 1)
        )
        return (
            f'<aside id="secondary" class="widget-area"><section class="widget"><h2>Recent Posts'
            f'</h2><ul>{recent}</ul></section><section class="widget"><h2>Categories</h2><ul>'
            f"{pages}</ul></section></aside>\n"
        )

    def footer(self) -> str:
        return (
            f'<footer id="colophon"><p>{social_links(self.name)}</p><p>Copyright 2026 '
            f"{self.name}. Proudly powered by WordPress.</p></footer></div>\n"
        )

    def story_page(self, story: Story) -> str:
        rng = self.site.rng("farm-page", story.id)
        body = prose.spin(self.site.paragraphs(story), rng, story.cast["last"])
        paragraphs = "\n".join(
            f"<p>{escape(p)}</p>" + ('<ins class="adsbygoogle"></ins>' if i % 3 == 2 else "")
            for i, p in enumerate(body)
        )
        url = f"https://jobrecruitment.example{self.story_path(story)}"
        category = self.category(story.section)
        main = (
            f'<main id="main"><article class="post type-post"><header class="entry-header">'
            f'<h1 class="entry-title">{escape(story.headline)}</h1><div class="entry-meta">'
            f'Posted on {story.published:%B %d, %Y} by admin in <a href="'
            f'{self.listing_path(story.section, 1)}">{escape(category)}</a></div></header>'
            f'<div class="entry-content">{paragraphs}</div>{share_links(url, story.headline)}'
            f'<nav class="post-navigation">{self.related(story)}</nav></article></main>\n'
        )
        meta = (
            f'<link rel="canonical" href="{url}">\n<meta property="og:type" content="article">\n'
            f'<meta property="og:title" content="{escape(story.headline)}">\n'
            f'<meta property="article:published_time" content="{story.published.isoformat()}">\n'
        )
        title = f"{self.name} - {category} - {story.headline}"
        return self.page(rng, title, meta, main, story.section)

    def listing_page(self, section: str, page: int) -> str:
        html = super().listing_page(section, page)
        return html.replace(f"<h1>{vocab.NEWS_CATEGORY_LABELS[section]}</h1>",
                            f"<h1>{escape(self.category(section))}</h1>", 1)  # fmt: skip


# -- writing it all -------------------------------------------------------------------------------


def write_host(theme: NewsTheme, root: Path) -> SiteStats:
    stats = SiteStats(theme.name)
    for path, html in theme.files():
        data = html.encode()
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        target.with_name(target.name + ".gz").write_bytes(packed)
        stats.add(data, packed)
    stats.articles = len(theme.site.stories)
    stats.listings = stats.pages - 1 - stats.articles
    (root / "robots.txt").write_text(ROBOTS)
    return stats


def generate(root: Path, pages: int, seed: int = 0) -> dict[str, SiteStats]:
    """Write root/news and root/farm: about PAGES HTML pages in all (plus a robots.txt each)."""
    stories = make_stories(articles_for(pages // 2), seed)
    site = Site(seed, stories)
    return {
        "news": write_host(NewsTheme(site), root / "news"),
        "farm": write_host(FarmTheme(site), root / "farm"),
    }


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))
