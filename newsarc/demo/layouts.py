"""HTML templates of the demo sites (each news site with its own markup conventions; the two
content farms share one theme, as sites of one operator do)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from newsarc.demo.model import BASE, Article, Category, attr, esc, long_date

# The two content farms are one operator's: one AdSense payee account, one GA4 property.
ADSENSE_CLIENT = "ca-pub-4817293650128374"
GA_MEASUREMENT_ID = "G-7QK2M9XR4T"
# The Daily Ledger's own analytics property, which links it to no other site.
LEDGER_GA_ID = "G-L3DG3R2024"

_BASE_CSS = """
*{box-sizing:border-box}body{margin:0;font:17px/1.6 Georgia,'Times New Roman',serif;color:#1a1a1a;
background:#fff}a{color:#0b4f8a;text-decoration:none}a:hover{text-decoration:underline}
img{max-width:100%;height:auto}h1,h2,h3{font-family:Helvetica,Arial,sans-serif;line-height:1.2}
ul{padding-left:1.2em}.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;
clip:rect(0 0 0 0)}button,input{font:inherit}
@media (max-width:760px){body{font-size:16px}nav ul li{display:block}}
"""


def gtag_snippet(measurement_id: str) -> str:
    """The Google tag (gtag.js) loader, as Google Analytics hands it out."""
    return (
        '<script async src="https://www.googletagmanager.com/gtag/js'
        f'?id={measurement_id}"></script>\n'
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
        f"arguments);}}gtag('js',new Date());gtag('config','{measurement_id}');</script>"
    )


@dataclass
class Pager:
    """Links between the pages of a paginated listing."""

    page: int
    pages: int
    prev: str | None = None
    next: str | None = None


@dataclass
class Layout:
    """Common page skeleton; subclasses provide the site-specific markup."""

    categories: list[Category]
    latest: list[Article]
    related: dict[str, list[Article]]
    edition: datetime
    about: str = "/about/"
    contact: str = "/contact/"

    name = "Site"
    extra_css = ""

    def html_title(self, headline: str, category: str = "") -> str:
        return f"{headline} | {self.name}"

    def category(self, slug: str) -> Category:
        return next(c for c in self.categories if c.slug == slug)

    # -- head -----------------------------------------------------------------------------
    def head_extra(self) -> str:
        return ""

    def json_ld(self, article: Article) -> str:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.headline,
            "datePublished": article.published.isoformat(),
            "dateModified": article.published.isoformat(),
            "author": {"@type": "Person", "name": article.author},
            "publisher": {"@type": "Organization", "name": self.name},
            "articleSection": self.category(article.category).label,
            "mainEntityOfPage": f"{BASE}{article.path}",
        }
        text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
        return f'<script type="application/ld+json">{text}</script>\n'

    def head(self, title: str, path: str, description: str, article: Article | None) -> str:
        og_type = "article" if article else "website"
        og_title = article.headline if article else title
        lines = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{esc(title)}</title>",
            f'<meta name="description" content="{attr(description)}">',
            f'<link rel="canonical" href="{BASE}{path}">',
            f'<meta property="og:site_name" content="{attr(self.name)}">',
            f'<meta property="og:title" content="{attr(og_title)}">',
            f'<meta property="og:type" content="{og_type}">',
            f'<meta property="og:url" content="{BASE}{path}">',
            f'<meta property="og:description" content="{attr(description)}">',
        ]
        if article:
            section = self.category(article.category).label
            lines += [
                f'<meta property="article:published_time" '
                f'content="{article.published.isoformat()}">',
                f'<meta property="article:section" content="{attr(section)}">',
                f'<meta name="author" content="{attr(article.author)}">',
            ]
        lines.append(self.head_extra())
        lines.append(f"<style>{_BASE_CSS}{self.extra_css}</style>")
        return "\n".join(lines) + "\n"

    # -- pieces ---------------------------------------------------------------------------
    def header(self) -> str:
        raise NotImplementedError

    def sidebar(self) -> str:
        raise NotImplementedError

    def footer(self) -> str:
        raise NotImplementedError

    def article_main(self, article: Article) -> str:
        raise NotImplementedError

    def listing_main(
        self, heading: str, items: list[Article], pager: Pager | None, extra: str
    ) -> str:
        raise NotImplementedError

    def frame(self, main: str, body_class: str) -> str:
        raise NotImplementedError

    def paragraphs(self, paragraphs: list[str]) -> str:
        return "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)

    def latest_links(self, tag: str = "ul") -> str:
        items = "\n".join(f'<li><a href="{a.path}">{esc(a.headline)}</a></li>' for a in self.latest)
        return f"<{tag}>\n{items}\n</{tag}>"

    def category_links(self, sep: str = "\n") -> str:
        return sep.join(f'<a href="{c.path}">{esc(c.label)}</a>' for c in self.categories)

    def more_from(self, article: Article, limit: int = 5) -> list[Article]:
        pool = self.related.get(article.category, [])
        return [a for a in pool if a.path != article.path][:limit]

    def pager_html(self, pager: Pager | None) -> str:
        if not pager or pager.pages < 2:
            return ""
        parts = []
        if pager.prev:
            parts.append(f'<a class="prev" rel="prev" href="{pager.prev}">« Newer stories</a>')
        parts.append(f'<span class="current">Page {pager.page} of {pager.pages}</span>')
        if pager.next:
            parts.append(f'<a class="next" rel="next" href="{pager.next}">Older stories »</a>')
        return '<nav class="pagination">' + " ".join(parts) + "</nav>"

    # -- pages ----------------------------------------------------------------------------
    def page(self, title: str, path: str, description: str, main: str, **kw) -> str:
        article = kw.get("article")
        body_class = "single" if article else "listing"
        head = self.head(title, path, description, article)
        if article and kw.get("json_ld", True):
            head += self.json_ld(article)
        return f"{head}</head>\n{self.frame(main, body_class)}\n</html>\n"

    def article_page(self, article: Article) -> str:
        main = self.article_main(article)
        return self.page(article.html_title, article.path, article.teaser, main, article=article)

    def listing_page(
        self,
        path: str,
        title: str,
        heading: str,
        items: list[Article],
        pager: Pager | None = None,
        extra: str = "",
    ) -> str:
        description = f"{heading} — the latest headlines from {self.name}."
        main = self.listing_main(heading, items, pager, extra)
        return self.page(title, path, description, main)

    def static_page(self, path: str, heading: str, paragraphs: list[str]) -> str:
        main = f'<div class="page-text">\n<h1>{esc(heading)}</h1>\n'
        main += self.paragraphs(paragraphs) + "\n</div>"
        return self.page(f"{heading} | {self.name}", path, paragraphs[0][:150], main)


class LedgerLayout(Layout):
    """The Daily Ledger: WordPress-like markup with ``<article>`` and an RSS feed."""

    name = "The Daily Ledger"
    extra_css = """
.site-header{border-bottom:3px double #222;text-align:center;padding:12px 0}.topbar{font:13px
Arial,sans-serif;color:#666;display:flex;justify-content:space-between;padding:0 20px}
.site-title{font:700 44px/1 'Old English Text MT',Georgia,serif;color:#111}.tagline{margin:4px 0;
color:#555;font-style:italic}.main-nav ul{list-style:none;margin:8px 0 0;padding:0}.main-nav li{
display:inline-block;margin:0 10px;font:600 14px Arial,sans-serif;text-transform:uppercase}
.container{display:flex;gap:40px;max-width:1160px;margin:0 auto;padding:20px}.content{flex:1}
.sidebar{width:300px;font-family:Arial,sans-serif;font-size:14px}.widget{border-top:2px solid
#222;margin-bottom:24px}.widget h2{font-size:15px;text-transform:uppercase}.entry-title{
font-size:38px;margin:8px 0}.byline{color:#555;font:14px Arial,sans-serif}.cat-label{font:700
12px Arial,sans-serif;text-transform:uppercase;color:#b00}.entry-content p{margin:0 0 1.1em}
.post-list{list-style:none;padding:0}.post-list li{border-bottom:1px solid #ddd;padding:12px 0}
.post-list h2{font-size:21px;margin:0 0 4px}.teaser{margin:0;color:#444}.site-footer{
background:#111;color:#ccc;padding:30px 20px;font:14px Arial,sans-serif}.site-footer a{
color:#eee;margin-right:14px}.pagination{margin:20px 0}.more-from h3{font-size:16px}
"""

    def html_title(self, headline: str, category: str = "") -> str:
        return f"{headline} | {self.name}"

    def head_extra(self) -> str:
        return (
            f'<link rel="alternate" type="application/rss+xml" title="{self.name} RSS" '
            'href="/feed.xml">\n<link rel="icon" href="data:,">\n'
            f"{gtag_snippet(LEDGER_GA_ID)}"
        )

    def header(self) -> str:
        nav = "\n".join(f'<li><a href="{c.path}">{esc(c.label)}</a></li>' for c in self.categories)
        return (
            '<a class="visually-hidden" href="#content">Skip to content</a>\n'
            '<header class="site-header">\n<div class="topbar">'
            f"<span>{self.edition:%A}, {long_date(self.edition)}</span>"
            '<span>Today\'s paper · <a href="/feed.xml">RSS</a></span></div>\n'
            f'<a class="site-title" href="/">{self.name}</a>\n'
            '<p class="tagline">Independent reporting since 1921</p>\n'
            '<nav class="main-nav" aria-label="Sections"><ul>\n<li><a href="/">Home</a></li>\n'
            f"{nav}\n</ul></nav>\n</header>"
        )

    def sidebar(self) -> str:
        return (
            '<aside class="sidebar">\n<section class="widget latest-stories">\n'
            f"<h2>Latest stories</h2>\n{self.latest_links()}\n</section>\n"
            '<section class="widget newsletter"><h2>The Morning Ledger</h2>'
            "<p>Our editors' pick of the day's most important news, in your inbox before "
            'breakfast.</p><form><label class="visually-hidden" for="nl">Email</label>'
            '<input id="nl" type="email" placeholder="you@example.com">'
            '<button type="button">Sign up</button></form></section>\n</aside>'
        )

    def footer(self) -> str:
        return (
            '<footer class="site-footer">\n<nav class="footer-links">'
            f'<a href="{self.about}">About us</a><a href="{self.contact}">Contact</a>'
            '<a href="/feed.xml">RSS feed</a></nav>\n'
            f'<nav class="footer-sections">{self.category_links(" ")}</nav>\n'
            f"<p>© {self.edition.year} {self.name}. All rights reserved. "
            "Printed and published in Port Halden.</p>\n</footer>"
        )

    def article_main(self, article: Article) -> str:
        cat = self.category(article.category)
        more = "\n".join(
            f'<li><a href="{a.path}">{esc(a.headline)}</a></li>' for a in self.more_from(article)
        )
        return (
            '<article class="post">\n<header class="entry-header">\n'
            f'<a class="cat-label" href="{cat.path}">{esc(cat.label)}</a>\n'
            f'<h1 class="entry-title">{esc(article.headline)}</h1>\n'
            f'<p class="byline">By <span class="author">{esc(article.author)}</span> · '
            f'<time datetime="{article.published.isoformat()}">'
            f"{long_date(article.published)}</time></p>\n</header>\n"
            f'<div class="entry-content">\n{self.paragraphs(article.paragraphs)}\n</div>\n'
            f'<footer class="entry-footer"><p class="tags">Filed under '
            f'<a href="{cat.path}">{esc(cat.label)}</a></p></footer>\n</article>\n'
            f'<section class="more-from"><h3>More from {esc(cat.label)}</h3>\n'
            f"<ul>\n{more}\n</ul></section>"
        )

    def listing_main(
        self, heading: str, items: list[Article], pager: Pager | None, extra: str
    ) -> str:
        rows = "\n".join(
            f'<li><h2><a href="{a.path}">{esc(a.headline)}</a></h2>'
            f'<p class="meta"><time datetime="{a.published.isoformat()}">'
            f"{long_date(a.published)}</time></p>"
            f'<p class="teaser">{esc(a.teaser)}</p></li>'
            for a in items
        )
        empty = "" if items else "<p>No stories yet.</p>"
        return (
            f'<h1 class="page-title">{esc(heading)}</h1>\n{extra}{empty}'
            f'<ul class="post-list">\n{rows}\n</ul>\n{self.pager_html(pager)}'
        )

    def frame(self, main: str, body_class: str) -> str:
        return (
            f'<body class="{body_class}">\n{self.header()}\n<div class="container">\n'
            f'<main id="content" class="content">\n{main}\n</main>\n{self.sidebar()}\n'
            f"</div>\n{self.footer()}\n</body>"
        )


class TribuneLayout(Layout):
    """Metro Tribune: ``<div class="story">`` markup, a right rail and sitemaps."""

    name = "Metro Tribune"
    extra_css = """
#masthead{background:#0d2b45;color:#fff;padding:10px 24px;display:flex;align-items:center;
gap:30px}#masthead .brand a{color:#fff;font:800 30px Helvetica,Arial,sans-serif;letter-spacing:
-1px}.menu{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:18px}.menu a{
color:#cfe3f5;font:600 14px Helvetica,Arial,sans-serif}.wrap{display:grid;grid-template-columns:
1fr 320px;gap:32px;max-width:1200px;margin:0 auto;padding:24px}.kicker a{color:#c0392b;
font:700 13px Helvetica,Arial,sans-serif;text-transform:uppercase}.headline{font-size:40px;
margin:6px 0 10px}.story-meta{font:14px Helvetica,Arial,sans-serif;color:#555;border-bottom:
1px solid #ddd;padding-bottom:10px}.story-body p{margin:0 0 1em}.rail-box{background:#f4f6f8;
padding:14px;margin-bottom:20px;font:14px Helvetica,Arial,sans-serif}.rail-box h3{margin-top:0}
.headline-list{list-style:none;padding:0}.headline-list li{padding:10px 0;border-bottom:1px
dotted #bbb}.summary{color:#555;margin:2px 0 0;font-size:15px}.top-story h2{font-size:28px}
#colophon{border-top:4px solid #0d2b45;padding:24px;font:13px Helvetica,Arial,sans-serif}
.footer-links{list-style:none;padding:0;display:flex;gap:16px;flex-wrap:wrap}
"""

    def html_title(self, headline: str, category: str = "") -> str:
        return f"{headline} - {self.name}"

    def header(self) -> str:
        items = "\n".join(
            f'<li class="menu-item"><a href="{c.path}">{esc(c.label)}</a></li>'
            for c in self.categories
        )
        return (
            f'<div id="masthead">\n<div class="brand"><a href="/">{self.name}</a></div>\n'
            f'<ul class="menu" id="primary-menu">\n{items}\n</ul>\n</div>'
        )

    def sidebar(self) -> str:
        return (
            '<div id="rail">\n<div class="rail-box latest">\n'
            f"<h3>Latest stories</h3>\n{self.latest_links('ol')}\n</div>\n"
            '<div class="rail-box subscribe"><h3>Subscribe</h3><p>Get unlimited access to '
            "local news you can trust for less than the price of a coffee a week.</p></div>\n"
            "</div>"
        )

    def footer(self) -> str:
        sections = "\n".join(
            f'<li><a href="{c.path}">{esc(c.label)}</a></li>' for c in self.categories
        )
        return (
            '<div id="colophon">\n<ul class="footer-links">\n'
            f'<li><a href="{self.about}">About the Tribune</a></li>\n'
            f'<li><a href="{self.contact}">Contact us</a></li>\n{sections}\n</ul>\n'
            f'<p class="copyright">Copyright {self.edition.year} {self.name} Media Co. '
            "Use of this site constitutes acceptance of our terms.</p>\n</div>"
        )

    def article_main(self, article: Article) -> str:
        cat = self.category(article.category)
        related = "\n".join(
            f'<li><a href="{a.path}">{esc(a.headline)}</a></li>' for a in self.more_from(article)
        )
        stamp = f"{article.published:%d %b %Y %H:%M} GMT"
        return (
            '<div class="story">\n'
            f'<div class="kicker"><a href="{cat.path}">{esc(cat.label)}</a></div>\n'
            f'<h1 class="headline">{esc(article.headline)}</h1>\n'
            f'<div class="story-meta"><span class="byline">By {esc(article.author)}, '
            f'Tribune staff</span> | <span class="dateline" '
            f'data-published="{article.published.isoformat()}">Published {stamp}</span></div>\n'
            f'<div class="story-body">\n{self.paragraphs(article.paragraphs)}\n</div>\n'
            "</div>\n"
            f'<div class="related"><h3>Related coverage</h3>\n<ul>\n{related}\n</ul></div>'
        )

    def listing_main(
        self, heading: str, items: list[Article], pager: Pager | None, extra: str
    ) -> str:
        top, rest = items[:1], items[1:]
        lead = "".join(
            f'<div class="top-story"><h2><a href="{a.path}">{esc(a.headline)}</a></h2>'
            f'<p class="summary">{esc(a.teaser)}</p></div>\n'
            for a in top
        )
        rows = "\n".join(
            f'<li><a class="hl" href="{a.path}">{esc(a.headline)}</a>'
            f'<p class="summary">{esc(a.teaser)}</p></li>'
            for a in rest
        )
        return (
            f'<div class="section-front">\n<h1 class="section-title">{esc(heading)}</h1>\n'
            f'{extra}{lead}<ul class="headline-list">\n{rows}\n</ul>\n'
            f"{self.pager_html(pager)}\n</div>"
        )

    def frame(self, main: str, body_class: str) -> str:
        return (
            f'<body class="tribune {body_class}">\n{self.header()}\n<div id="page" class="wrap">'
            f'\n<div id="main-column">\n{main}\n</div>\n{self.sidebar()}\n</div>\n'
            f"{self.footer()}\n</body>"
        )


class FarmLayout(Layout):
    """Job Recruitment Website: a content farm with ads, analytics and an Atom feed.

    The class attributes below are what another farm of the same operator changes (see
    :class:`VisasLayout`): name, title pattern, feed, ad slots and the theme's fixed texts.
    """

    name = "Job Recruitment Website"
    title_format = "{name} - {category} - {headline}"
    feed_path = "/atom.xml"
    feed_type = "application/atom+xml"
    feed_label = "Atom"
    tagline = ""
    latest_heading = "Latest stories"
    categories_heading = "Categories"
    related_heading = "Related posts"
    disclaimer = (
        "Statement: this article is reproduced from the Internet for the purpose of conveying "
        "more information. If there is any infringement, please contact us and we will delete "
        "it."
    )
    copyright_line = "Copyright © {year} {name}. All Rights Reserved."
    # Ad slots: sidebar, above and below the article, top of a listing.
    ad_slots = ("8812345670", "4412345678", "5512345679", "7712345671")
    extra_css = """
.td-header-wrap{background:#222;padding:14px 20px}.td-logo a{color:#f6c700;font:700 28px
Verdana,sans-serif}.sf-menu{list-style:none;margin:8px 0 0;padding:0}.sf-menu li{display:
inline-block;margin-right:16px}.sf-menu a{color:#fff;font:13px Verdana,sans-serif}.td-container{
max-width:1100px;margin:0 auto;padding:20px;display:flex;gap:30px}.td-main-content{flex:1}
.td-main-sidebar{width:300px;font:13px Verdana,sans-serif}.entry-crumbs{font:12px Verdana,
sans-serif;color:#999}.entry-title{font-size:30px}.td-module-meta-info{font:12px Verdana,
sans-serif;color:#888}.td-module-meta-info span{margin-right:12px}.adsbygoogle{display:block;
min-height:90px;background:#fafafa;margin:16px 0}.copyright-notice{font-size:13px;color:#999;
border-top:1px solid #eee;margin-top:20px}.td-block-row{list-style:none;padding:0}
.td-block-row li{padding:8px 0;border-bottom:1px solid #eee}.td-excerpt{color:#777;margin:0}
.td-footer-wrap{background:#111;color:#aaa;padding:24px;font:13px Verdana,sans-serif}
.td-footer-wrap a{color:#ddd;margin-right:12px}
"""

    def html_title(self, headline: str, category: str = "") -> str:
        return self.title_format.format(name=self.name, category=category, headline=headline)

    def head_extra(self) -> str:
        return (
            f'<link rel="alternate" type="{self.feed_type}" '
            f'title="{self.name} {self.feed_label}" href="{self.feed_path}">\n'
            '<script async src="https://pagead2.googlesyndication.com/pagead/js/adsbygoogle.js'
            f'?client={ADSENSE_CLIENT}" crossorigin="anonymous"></script>\n'
            f"{gtag_snippet(GA_MEASUREMENT_ID)}"
        )

    def ad_slot(self, slot: str) -> str:
        return (
            f'<ins class="adsbygoogle" data-ad-client="{ADSENSE_CLIENT}" '
            f'data-ad-slot="{slot}" data-ad-format="auto" data-full-width-responsive="true">'
            "</ins>\n<script>(adsbygoogle=window.adsbygoogle||[]).push({});</script>"
        )

    def header(self) -> str:
        items = "\n".join(
            f'<li class="menu-item"><a href="{c.path}">{esc(c.label)}</a></li>'
            for c in self.categories
        )
        tagline = f'<div class="td-tagline">{esc(self.tagline)}</div>\n' if self.tagline else ""
        return (
            f'<div class="td-header-wrap">\n<div class="td-logo"><a href="/">{self.name}</a>'
            f'</div>\n{tagline}<div class="td-header-menu"><ul id="menu-main" class="sf-menu">\n'
            f'<li class="menu-item"><a href="/">Home</a></li>\n{items}\n</ul></div>\n</div>'
        )

    def sidebar(self) -> str:
        cats = "\n".join(f'<li><a href="{c.path}">{esc(c.label)}</a></li>' for c in self.categories)
        return (
            '<div class="td-pb-span4 td-main-sidebar">\n<aside class="widget td-latest">\n'
            f'<h3 class="block-title">{esc(self.latest_heading)}</h3>\n{self.latest_links()}\n'
            f"</aside>\n{self.ad_slot(self.ad_slots[0])}\n"
            '<aside class="widget widget_categories"><h3 class="block-title">'
            f"{esc(self.categories_heading)}</h3>\n<ul>\n{cats}\n</ul></aside>\n</div>"
        )

    def footer(self) -> str:
        line = self.copyright_line.format(year=self.edition.year, name=self.name)
        return (
            '<div class="td-footer-wrap">\n<div class="td-footer-links">'
            f'<a href="{self.about}">About us</a><a href="{self.contact}">Contact us</a>'
            f'<a href="{self.feed_path}">Subscribe</a></div>\n'
            f'<div class="td-footer-cats">{self.category_links(" ")}</div>\n'
            f"<p>{esc(line)}</p>\n</div>"
        )

    def article_main(self, article: Article) -> str:
        cat = self.category(article.category)
        related = "\n".join(
            f'<li><a href="{a.path}">{esc(a.headline)}</a></li>' for a in self.more_from(article, 6)
        )
        views = 1000 + (sum(map(ord, article.path)) * 37) % 9000
        return (
            f'<div class="entry-crumbs"><a href="/">Home</a> » <a href="{cat.path}">'
            f"{esc(cat.label)}</a> » <span>{esc(article.headline)}</span></div>\n"
            '<article class="post type-post status-publish">\n<header class="td-post-title">\n'
            f'<h1 class="entry-title">{esc(article.headline)}</h1>\n'
            '<div class="td-module-meta-info"><span class="td-post-author-name">By '
            f"{esc(article.author)}</span>"
            f'<span class="td-post-date"><time class="entry-date" '
            f'datetime="{article.published.isoformat()}">{article.published:%Y-%m-%d %H:%M}'
            f'</time></span><span class="td-post-views">{views} views</span></div>\n</header>\n'
            f"{self.ad_slot(self.ad_slots[1])}\n"
            f'<div class="td-post-content">\n{self.paragraphs(article.paragraphs)}\n</div>\n'
            f"{self.ad_slot(self.ad_slots[2])}\n"
            f'<div class="copyright-notice">{esc(self.disclaimer)}</div>\n</article>\n'
            f'<div class="td-related"><h4>{esc(self.related_heading)}</h4>\n<ul>\n{related}\n'
            "</ul></div>"
        )

    def listing_main(
        self, heading: str, items: list[Article], pager: Pager | None, extra: str
    ) -> str:
        rows = "\n".join(
            f'<li><h3 class="entry-title td-module-title"><a href="{a.path}">'
            f'{esc(a.headline)}</a></h3><p class="td-excerpt">{esc(a.teaser)}</p></li>'
            for a in items
        )
        return (
            f'<h1 class="td-page-title">{esc(heading)}</h1>\n{extra}'
            f"{self.ad_slot(self.ad_slots[3])}"
            f'\n<ul class="td-block-row">\n{rows}\n</ul>\n{self.pager_html(pager)}'
        )

    def frame(self, main: str, body_class: str) -> str:
        return (
            f'<body class="{body_class} td-standard-pack">\n{self.header()}\n'
            '<div class="td-container">\n<div class="td-pb-span8 td-main-content">\n'
            f"{main}\n</div>\n{self.sidebar()}\n</div>\n{self.footer()}\n</body>"
        )


class VisasLayout(FarmLayout):
    """Overseas Visa Jobs: the same operator's second farm (same theme, ad and GA4 accounts),
    with its own name, title pattern, fixed texts, ad slots and an RSS feed."""

    name = "Overseas Visa Jobs"
    title_format = "{name} » {category} » {headline}"
    feed_path = "/rss.xml"
    feed_type = "application/rss+xml"
    feed_label = "RSS"
    tagline = "Work abroad, visa updates and migration news every day"
    latest_heading = "Recent posts"
    categories_heading = "Browse topics"
    related_heading = "You may also like"
    disclaimer = (
        "Disclaimer: the content on this page was collected from public sources for reference "
        "only and does not represent the views of this site. Copyright belongs to the original "
        "author; write to us and it will be removed."
    )
    copyright_line = (
        "© {year} {name} · Your gateway to jobs and visas abroad. We are not affiliated with "
        "any embassy or government agency."
    )
    ad_slots = ("3390412785", "6620918374", "1187365520", "9054172368")
    extra_css = FarmLayout.extra_css.replace("#f6c700", "#3ddc84").replace("#222", "#0b3954") + (
        ".td-tagline{color:#cde;font:italic 13px Verdana,sans-serif;margin-top:4px}\n"
    )
