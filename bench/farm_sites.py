"""A generated evaluation set of content-farm sites, with the truth for every page.

    from farm_sites import generate
    pages = generate(n_sites=12, pages_per_site=40, seed=0)

Each site has its own title style (`Site - Category - Headline`, `Headline | Site`, ...), its own
way of showing the headline (a single `<h1>`, no `<h1>` at all, or an `<h1>` that is the logo),
its own metadata (og:site_name, og:title or neither), layout and wording of the boilerplate that
it pads every article with, inside the article container: an inline advert, a disclaimer, "Tags:",
"Previous / Next" links, "Recommended reading", "Follow us", "Source:". The fixed blocks (advert,
disclaimer, follow, source prefix) read the same on every page of a site; tags, previous/next
and recommended lists name other articles. Some stories are copied from one site to another.
The same arguments always give the same pages (a seeded `random.Random`, no set iteration).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape

from newsarc.demo import prose, vocab

TITLE_STYLES = (
    "{site} - {category} - {headline}",
    "{headline} | {site}",
    "{headline} - {site}",
    "{site} | {headline}",
    "{headline}_{site}",
    "{headline} _ {category} _ {site}",
    "【{category}】{headline} - {site}",
    "{site} :: {headline}",
    "{headline} — {site}",
)
H1_MODES = ("headline", "none", "logo")
BLOCK_KINDS = ("advert", "disclaimer", "tags", "prevnext", "recommended", "follow", "source")
LAYOUTS = ("classic", "html5", "legacy")
COPY_RATE = 0.15

# fmt: off
NAME_PREFIXES = [
    "Global", "Daily", "Overseas", "World", "Smart", "Golden", "Pacific", "Metro", "Bright",
    "Prime", "Happy", "Future", "Atlas", "Summit",
]
NAME_TOPICS = [
    "Job Recruitment", "Visa", "Career", "Migration", "Money", "News", "Info", "Study Abroad",
    "Life", "Travel", "Trend", "Headline", "Expat", "Opportunity",
]
NAME_SUFFIXES = [
    "Website", "Times", "Network", "Hub", "Portal", "Daily", "Online", "Express", "Digest",
    "Post", "Weekly", "Station",
]
TLDS = [".com", ".net", ".info", ".org", ".news", ".co"]
ADVERTS = [
    "ADVERTISEMENT", "Advertisement", "- Advertisement -", "Sponsored: {offer}", "AD: {offer}",
    "Sponsored content: {offer}",
]
OFFERS = [
    "Apply for a work visa in 7 days, free assessment", "Earn $500 a day from home, click to "
    "learn more", "Cheap flights to Meridia from $199", "Top-rated immigration lawyers, book a "
    "call today", "Learn English online: your first lesson is free", "Best VPN deals this month, "
    "up to 80% off",
]
DISCLAIMERS = [
    "Disclaimer: this article is reproduced from the Internet, if there is any infringement, "
    "please contact us to delete it.",
    "Statement: the content of this article comes from the Internet and is for reference only. "
    "If there is any infringement, please contact {email} to delete it.",
    "Copyright notice: this article was contributed by a netizen and does not represent the "
    "position of {site}. Please indicate the source when reprinting.",
    "Disclaimer: the views in this article belong to the author alone. {site} only provides "
    "information storage space services.",
    "Note: some content on this site comes from the Internet. If it infringes your rights, "
    "please contact {email} and we will delete it within 24 hours.",
    "Reprint statement: this article is reprinted from other media to convey more information "
    "and does not mean that this site agrees with its views or vouches for its accuracy.",
]
TAG_PREFIXES = ["Tags:", "Keywords:", "Related tags:", "Tag:", "Topics:"]
PREV_NEXT = [
    ("Previous:", "Next:"), ("Previous article:", "Next article:"), ("Prev:", "Next:"),
    ("« Previous post:", "Next post: »"), ("Last article:", "Next article:"),
]
RECOMMENDED = [
    "Recommended reading", "You may also like", "Related articles", "Recommended for you",
    "More from {site}", "Hot recommendations",
]
FOLLOWS = [
    "Follow us on Facebook and Twitter for more news like this.",
    "Follow {site} on Telegram for daily updates.",
    "Follow us on WeChat: {slug}",
    "Like this article? Follow us on Facebook, Twitter and YouTube.",
    "Follow {site} on Google News to never miss a story.",
]
SOURCES = [
    "Source: {agency}", "Article source: {agency}", "Source: {site} compilation from {agency}",
    "Source of this article: {agency}",
]
AGENCIES = [
    "Global Wire Service", "Pacific News Agency", "the Daily Ledger", "Metro Tribune",
    "World Press Digest", "Internet", "comprehensive network news", "Harbour Courier",
]
CONTENT_CLASSES = [
    "content", "article-content", "entry-content", "post-body", "art_con", "news-text",
    "detail-body", "TRS_Editor", "article-body", "con_txt",
]
BLOCK_CLASSES = ["", "", "", "center", "gg", "mid", "note", "txt-box"]
EDITORS = ["Editor Li", "Admin", "Zhang Wei", "Staff writer", "Web editor", "Mary Chen"]
HEADLINE_FORMS = [
    "{headline}: what next", "Explainer: {headline}", "{headline}: what we know so far",
    "{a}-{b} talks on {thing}: what next", "{headline} after mid-{month} review",
]
# fmt: on


@dataclass
class FarmPage:
    """One generated page and the truth about it."""

    site: str
    url: str
    html: str
    title: str
    site_name: str
    category: str | None
    body: str
    boilerplate: list[str] = field(default_factory=list)


@dataclass
class Story:
    topic: str
    headline: str
    paragraphs: list[str]
    protagonist: str
    keywords: list[str]


@dataclass
class Site:
    """How one farm site looks: everything fixed for all its pages."""

    index: int
    host: str
    name: str
    style: str
    h1_mode: str
    layout: str
    rng: random.Random
    labels: dict[str, str] = field(default_factory=dict)
    show_category: bool = False
    og_site_name: bool = False
    og_title: str = "none"
    headline_tag: str | None = None
    logo_text: bool = True
    content_class: str = "content"
    url_form: str = ""
    blocks: dict[str, float] = field(default_factory=dict)
    wording: dict[str, str] = field(default_factory=dict)
    block_tag: dict[str, tuple[str, str]] = field(default_factory=dict)
    bottom_order: list[str] = field(default_factory=list)
    advert_after: int = 2
    recommended_as: str = "p"


@dataclass
class PagePlan:
    """One page of a site before it is rendered."""

    story: Story
    url: str
    day: date
    category: str | None
    number: int


def generate(n_sites: int = 12, pages_per_site: int = 40, seed: int = 0) -> list[FarmPage]:
    """`n_sites` × `pages_per_site` farm pages, site after site, the same for the same seed."""
    rng = random.Random(seed)
    sites = make_sites(rng, n_sites)
    taken: set[str] = set()
    library: list[Story] = []
    pages: list[FarmPage] = []
    for site in sites:
        stories = site_stories(rng, pages_per_site, library, taken)
        plans = [plan_page(site, story, n) for n, story in enumerate(stories)]
        pages += [render_page(site, plans, n) for n in range(len(plans))]
        library += stories
    return pages


# -- sites -------------------------------------------------------------------------------------


def make_sites(rng: random.Random, n_sites: int) -> list[Site]:
    styles = shuffled(rng, list(TITLE_STYLES))
    modes = shuffled(rng, list(H1_MODES))
    names: list[str] = []
    sites = []
    for index in range(n_sites):
        name = site_name(rng, names)
        names.append(name)
        site = Site(
            index=index,
            host=host_for(rng, name),
            name=name,
            style=styles[index % len(styles)],
            h1_mode=modes[index % len(modes)],
            layout=LAYOUTS[index % len(LAYOUTS)],
            rng=random.Random(rng.getrandbits(64)),
        )
        dress_site(site, rng)
        sites.append(site)
    return sites


def shuffled(rng: random.Random, items: list[str]) -> list[str]:
    rng.shuffle(items)
    return items


def site_name(rng: random.Random, taken: list[str]) -> str:
    while True:
        topic, suffix = rng.choice(NAME_TOPICS), rng.choice(NAME_SUFFIXES)
        name = f"{topic} {suffix}"
        if rng.random() < 0.4:
            name = f"{rng.choice(NAME_PREFIXES)} {name}"
        if name not in taken and not topic.endswith(suffix):
            return name


def host_for(rng: random.Random, name: str) -> str:
    words = [w.lower() for w in name.split()]
    stem = "".join(words) if rng.random() < 0.6 else "".join(w[0] for w in words) + "news"
    www = "www." if rng.random() < 0.5 else ""
    return f"{www}{stem}{rng.choice(TLDS)}"


def dress_site(site: Site, rng: random.Random) -> None:
    """Metadata, markup and category choices of one site."""
    site.labels = category_labels(rng)
    site.show_category = "{category}" in site.style or rng.random() < 0.5
    site.og_site_name = site.index % 2 == int(site.style.startswith("{headline}"))
    site.og_title = ("none", "headline", "full")[(site.index // 2) % 3]
    site.headline_tag = headline_tag(rng, site.h1_mode)
    site.logo_text = site.h1_mode == "logo" or rng.random() < 0.7
    site.content_class = rng.choice(CONTENT_CLASSES)
    site.url_form = rng.choice(URL_FORMS)
    site.recommended_as = rng.choice(["p", "li"])
    site.advert_after = rng.randint(1, 3)
    choose_blocks(site, rng)


def category_labels(rng: random.Random) -> dict[str, str]:
    """Each news topic's label on this site: the usual names or a farm's odd ones."""
    topics = list(vocab.CATEGORIES)
    if rng.random() < 0.5:
        return {topic: vocab.NEWS_CATEGORY_LABELS[topic] for topic in topics}
    farm = rng.sample(vocab.FARM_CATEGORIES, 4)
    return {topic: farm[n % len(farm)] for n, topic in enumerate(topics)}


def headline_tag(rng: random.Random, h1_mode: str) -> str | None:
    if h1_mode == "headline":
        return "h1"
    if h1_mode == "logo":
        return rng.choice(["h2.title", "div.art-title"])
    return rng.choice(["div.title", "div.title", None])


def choose_blocks(site: Site, rng: random.Random) -> None:
    """Which boilerplate blocks the site uses, how often, in which words and markup."""
    others = [k for k in BLOCK_KINDS if k != BLOCK_KINDS[site.index % len(BLOCK_KINDS)]]
    kinds = [BLOCK_KINDS[site.index % len(BLOCK_KINDS)], *rng.sample(others, rng.randint(2, 5))]
    site.blocks = {kind: rng.uniform(0.8, 1.0) for kind in BLOCK_KINDS if kind in kinds}
    site.wording = block_wording(site, rng)
    site.block_tag = {kind: (rng.choice(["p", "div"]), rng.choice(BLOCK_CLASSES)) for kind in kinds}
    bottom = [k for k in BLOCK_KINDS if k in kinds and k != "advert"]
    site.bottom_order = shuffled(rng, bottom)


def block_wording(site: Site, rng: random.Random) -> dict[str, str]:
    slug = site.host.removeprefix("www.").split(".")[0]
    fill = {"site": site.name, "email": f"service@{slug}.com", "slug": slug}
    fill["offer"] = rng.choice(OFFERS)
    prev, nxt = rng.choice(PREV_NEXT)
    return {
        "advert": rng.choice(ADVERTS).format_map(fill),
        "disclaimer": rng.choice(DISCLAIMERS).format_map(fill),
        "tags": rng.choice(TAG_PREFIXES),
        "prev": prev,
        "next": nxt,
        "recommended": rng.choice(RECOMMENDED).format_map(fill),
        "follow": rng.choice(FOLLOWS).format_map(fill),
        "source": rng.choice(SOURCES).replace("{site}", site.name),
        "agencies": "\n".join(rng.sample(AGENCIES, 3)),
    }


# -- stories -----------------------------------------------------------------------------------


def site_stories(
    rng: random.Random, count: int, library: list[Story], taken: set[str]
) -> list[Story]:
    """The site's stories: mostly its own, some copied (maybe spun) from earlier sites."""
    stories: list[Story] = []
    for _ in range(count):
        used = {story.headline for story in stories}
        candidates = [story for story in library if story.headline not in used]
        if candidates and rng.random() < COPY_RATE:
            stories.append(copy_story(rng, rng.choice(candidates)))
        else:
            stories.append(write_story(rng, taken))
    return stories


def copy_story(rng: random.Random, story: Story) -> Story:
    if rng.random() < 0.5:
        return story
    paragraphs = prose.spin(story.paragraphs, rng, story.protagonist)
    return Story(story.topic, story.headline, paragraphs, story.protagonist, story.keywords)


def write_story(rng: random.Random, taken: set[str]) -> Story:
    topic = rng.choice(list(vocab.CATEGORIES))
    bank = vocab.CATEGORIES[topic]
    for _attempt in range(50):
        cast = prose.make_cast(rng, topic)
        headline = dress_headline(rng, prose.expand(rng.choice(bank["headlines"]), rng, cast), cast)
        if headline not in taken:
            break
    taken.add(headline)
    paragraphs = prose.write_paragraphs(rng, topic, cast)[: rng.randint(4, 10)]
    keywords = [cast["last"], cast["city"], cast["thing"], cast["country"].removeprefix("the ")]
    return Story(topic, headline, paragraphs, cast["last"], keywords)


def dress_headline(rng: random.Random, headline: str, cast: dict[str, str]) -> str:
    """Now and then a headline with a colon or a hyphen of its own."""
    if rng.random() > 0.3:
        return headline
    a, b = rng.sample([c for c in vocab.COUNTRIES if " " not in c], 2)
    form = rng.choice(HEADLINE_FORMS)
    return form.format(headline=headline, a=a, b=b, thing=cast["thing"], month=cast["month"])


# -- pages -------------------------------------------------------------------------------------

URL_FORMS = [
    "/{cat}/{ymd}/{n}.html",
    "/news/{n}.html",
    "/{y}/{m}/{d}/{slug}/",
    "/article/{n}",
    "/a/{n}.shtml",
    "/?p={n}",
]


def plan_page(site: Site, story: Story, index: int) -> PagePlan:
    rng = site.rng
    day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
    label = site.labels[story.topic]
    number = 10_000 + site.index * 1_000 + index * 7 + rng.randint(0, 6)
    fill = {
        "cat": slugify(label),
        "ymd": day.strftime("%Y%m%d"),
        "y": day.strftime("%Y"),
        "m": day.strftime("%m"),
        "d": day.strftime("%d"),
        "n": number,
        "slug": slugify(story.headline),
    }
    url = f"https://{site.host}{site.url_form.format_map(fill)}"
    category = label if site.show_category else None
    return PagePlan(story, url, day, category, number)


def slugify(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:80]


def render_page(site: Site, plans: list[PagePlan], index: int) -> FarmPage:
    plan = plans[index]
    blocks = page_blocks(site, plans, index)
    content = content_html(site, plan, blocks)
    title = html_title(site, plan)
    page = LAYOUT_RENDERERS[site.layout](site, plans, index, content)
    html = f'<!DOCTYPE html>\n<html lang="en">\n{head_html(site, plan, title)}\n{page}\n</html>\n'
    return FarmPage(
        site=site.host,
        url=plan.url,
        html=html,
        title=plan.story.headline,
        site_name=site.name,
        category=plan.category,
        body="\n".join(plan.story.paragraphs),
        boilerplate=[text for _kind, text, _markup in blocks],
    )


def html_title(site: Site, plan: PagePlan) -> str:
    label = plan.category or site.labels[plan.story.topic]
    return site.style.format(site=site.name, category=label, headline=plan.story.headline)


# -- boilerplate -------------------------------------------------------------------------------


def page_blocks(site: Site, plans: list[PagePlan], index: int) -> list[tuple[str, str, str]]:
    """(kind, text, markup) of the blocks this page carries, advert first."""
    rng = site.rng
    blocks = []
    for kind in ["advert", *site.bottom_order]:
        if kind not in site.blocks or rng.random() > site.blocks[kind]:
            continue
        made = BLOCK_MAKERS[kind](site, plans, index)
        if made:
            blocks.append((kind, *made))
    return blocks


def wrap(site: Site, kind: str, inner: str) -> str:
    tag, css = site.block_tag[kind]
    attr = f' class="{css}"' if css else ""
    return f"<{tag}{attr}>{inner}</{tag}>"


def link(href: str, text: str) -> str:
    return f'<a href="{escape(href)}">{escape(text)}</a>'


def advert_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str]:
    text = site.wording["advert"]
    head, sep, rest = text.partition(": ")
    inner = f"{escape(head)}{sep}{link('/go/offer', rest)}" if sep else escape(text)
    return text, wrap(site, "advert", inner)


def disclaimer_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str]:
    text = site.wording["disclaimer"]
    head, _, rest = text.partition(": ")
    return text, wrap(site, "disclaimer", f"<strong>{escape(head)}:</strong> {escape(rest)}")


def tags_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str]:
    story = plans[index].story
    tags = [*story.keywords[: site.rng.randint(2, 4)], site.labels[story.topic]]
    prefix = site.wording["tags"]
    links = ", ".join(link(f"/tag/{slugify(t)}/", t) for t in tags)
    return f"{prefix} {', '.join(tags)}", wrap(site, "tags", f"{escape(prefix)} {links}")


def prevnext_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str] | None:
    pairs = [(site.wording["prev"], index - 1), (site.wording["next"], index + 1)]
    pairs = [(label, n) for label, n in pairs if 0 <= n < len(plans)]
    if not pairs:
        return None
    lines = [f"{label} {plans[n].story.headline}" for label, n in pairs]
    inner = [f"{escape(label)} {link(plans[n].url, plans[n].story.headline)}" for label, n in pairs]
    if site.block_tag["prevnext"][0] == "p":  # one paragraph, a line break between the links
        return "\n".join(lines), "<p>" + "<br>\n".join(inner) + "</p>"
    return "\n".join(lines), wrap(site, "prevnext", "".join(f"<p>{x}</p>" for x in inner))


def recommended_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str] | None:
    others = [plan for n, plan in enumerate(plans) if n != index]
    if len(others) < 3:
        return None
    picks = site.rng.sample(others, min(len(others), site.rng.randint(3, 5)))
    heading = site.wording["recommended"]
    lines = [heading, *(plan.story.headline for plan in picks)]
    items = [link(plan.url, plan.story.headline) for plan in picks]
    if site.recommended_as == "li":
        listing = "".join(f"<li>{item}</li>" for item in items)
        markup = f"<h3>{escape(heading)}</h3>\n<ul>{listing}</ul>"
    else:
        markup = f"<p><strong>{escape(heading)}</strong></p>\n" + "\n".join(
            f"<p>{item}</p>" for item in items
        )
    return "\n".join(lines), markup


def follow_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str]:
    text = site.wording["follow"]
    return text, wrap(site, "follow", f"<em>{escape(text)}</em>")


def source_block(site: Site, plans: list[PagePlan], index: int) -> tuple[str, str]:
    agency = site.rng.choice(site.wording["agencies"].split("\n"))
    text = site.wording["source"].replace("{agency}", agency)
    return text, wrap(site, "source", escape(text))


BLOCK_MAKERS = {
    "advert": advert_block,
    "disclaimer": disclaimer_block,
    "tags": tags_block,
    "prevnext": prevnext_block,
    "recommended": recommended_block,
    "follow": follow_block,
    "source": source_block,
}


def content_html(site: Site, plan: PagePlan, blocks: list[tuple[str, str, str]]) -> str:
    """The article container: paragraphs with the advert among them, the rest below."""
    parts = [f"<p>{escape(p)}</p>" for p in plan.story.paragraphs]
    markups = {kind: markup for kind, _text, markup in blocks}
    if "advert" in markups:
        parts.insert(min(site.advert_after, len(parts) - 1), markups.pop("advert"))
    if "source" in markups and site.index % 2:
        parts.insert(0, markups.pop("source"))
    parts += markups.values()
    body = "\n".join(parts)
    return f'<div class="{site.content_class}">\n{body}\n</div>'


# -- page skeletons ----------------------------------------------------------------------------


def head_html(site: Site, plan: PagePlan, title: str) -> str:
    story = plan.story
    description = story.paragraphs[0].split(". ")[0][:150]
    meta = [
        '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="keywords" content="{escape(", ".join(story.keywords))}">',
        f'<meta name="description" content="{escape(description)}">',
    ]
    if site.og_title != "none":
        og_title = title if site.og_title == "full" else story.headline
        meta += ['<meta property="og:type" content="article">']
        meta += [f'<meta property="og:title" content="{escape(og_title)}">']
        meta += [f'<meta property="og:url" content="{escape(plan.url)}">']
    if site.og_site_name:
        meta.append(f'<meta property="og:site_name" content="{escape(site.name)}">')
    meta += [
        '<link rel="stylesheet" href="/static/css/style.css">',
        '<script async src="/static/js/ads.js"></script>',
    ]
    return "<head>\n" + "\n".join(meta) + "\n</head>"


def logo_html(site: Site) -> str:
    name = escape(site.name)
    inner = name if site.logo_text else f'<img src="/logo.png" alt="{name}">'
    if site.h1_mode == "logo":
        return f'<h1 class="logo"><a href="/">{inner}</a></h1>'
    return f'<div class="logo"><a href="/">{inner}</a></div>'


def headline_html(site: Site, plan: PagePlan) -> str:
    if site.headline_tag is None:
        return ""
    tag, _, css = site.headline_tag.partition(".")
    attr = f' class="{css}"' if css else ""
    return f"<{tag}{attr}>{escape(plan.story.headline)}</{tag}>"


def nav_html(site: Site) -> str:
    labels = list(dict.fromkeys(site.labels.values()))
    items = "".join(f"<li>{link(f'/{slugify(x)}/', x)}</li>" for x in labels)
    return f'<ul class="menu"><li><a href="/">Home</a></li>{items}</ul>'


def crumbs_html(site: Site, plan: PagePlan) -> str:
    if plan.category is None:
        return ""
    label = escape(plan.category)
    return (
        f'<div class="crumbs"><a href="/">Home</a> &gt; '
        f'<a href="/{slugify(plan.category)}/">{label}</a> &gt; Text</div>'
    )


def info_html(site: Site, plan: PagePlan) -> str:
    editor = EDITORS[(site.index + plan.number) % len(EDITORS)]
    views = 100 + plan.number % 9000
    return (
        f'<div class="info"><span class="time">{plan.day.isoformat()}</span> '
        f'<span class="author">{editor}</span> <span class="views">Views: {views}</span></div>'
    )


def sidebar_html(site: Site, plans: list[PagePlan], index: int) -> str:
    picks = [plans[(index + step) % len(plans)] for step in (3, 5, 8, 13, 21)]
    picks = [p for p in picks if p is not plans[index]]
    hot = "".join(f"<li>{link(p.url, p.story.headline)}</li>" for p in picks)
    return (
        f'<div class="box"><h3>Hot articles</h3><ul>{hot}</ul></div>\n'
        '<div class="box"><h3>Contact</h3><p>Advertising and cooperation: '
        f"ads@{site.host.removeprefix('www.')}</p></div>"
    )


def footer_html(site: Site) -> str:
    return (
        '<p><a href="/about/">About us</a> | <a href="/contact/">Contact us</a> | '
        '<a href="/privacy/">Privacy policy</a> | <a href="/sitemap.xml">Sitemap</a></p>\n'
        f"<p>Copyright © 2019-2025 {escape(site.name)} All Rights Reserved</p>"
    )


def article_top(site: Site, plan: PagePlan) -> str:
    return f"{crumbs_html(site, plan)}\n{headline_html(site, plan)}\n{info_html(site, plan)}"


def classic_page(site: Site, plans: list[PagePlan], index: int, content: str) -> str:
    plan = plans[index]
    return f"""<body>
<div class="top"><div class="wrap">Welcome to {escape(site.name)}!
<a href="/login">Login</a> | <a href="/register">Register</a></div></div>
<div class="header wrap">{logo_html(site)}
<form class="search" action="/search"><input name="q" placeholder="Search"></form></div>
<div class="nav">{nav_html(site)}</div>
<div class="wrap main">
<div class="left">
<div class="article">
{article_top(site, plan)}
{content}
<div class="share">Share to: <a href="#">Facebook</a> <a href="#">Twitter</a></div>
</div>
</div>
<div class="right">{sidebar_html(site, plans, index)}</div>
</div>
<div class="footer">{footer_html(site)}</div>
</body>"""


def html5_page(site: Site, plans: list[PagePlan], index: int, content: str) -> str:
    plan = plans[index]
    return f"""<body>
<header class="site-header">{logo_html(site)}
<nav class="main-nav">{nav_html(site)}</nav></header>
<main class="container">
<article class="post">
{article_top(site, plan)}
{content}
</article>
<aside class="sidebar">{sidebar_html(site, plans, index)}</aside>
</main>
<footer class="site-footer">{footer_html(site)}</footer>
</body>"""


def legacy_page(site: Site, plans: list[PagePlan], index: int, content: str) -> str:
    plan = plans[index]
    return f"""<body>
<div id="wrapper">
<div id="header">{logo_html(site)}<div id="nav">{nav_html(site)}</div></div>
<div id="container">
<div id="main">
{article_top(site, plan)}
{content}
</div>
<div id="sidebar">{sidebar_html(site, plans, index)}</div>
</div>
<div id="footer">{footer_html(site)}</div>
</div>
</body>"""


LAYOUT_RENDERERS = {"classic": classic_page, "html5": html5_page, "legacy": legacy_page}
