"""Site-level boilerplate learning: recurring lines and title parts, order-independent."""

from __future__ import annotations

import random

import pytest

from extractors.boilerplate import SiteProfile

DISCLAIMER = "Disclaimer: this article is reproduced from the Internet, contact us to delete it."
ADVERT = "ADVERTISEMENT"


def page(n: int, *, tags: bool = True) -> str:
    own = [
        f"Story {n} opens with paragraph {n}.{k} about the harbour number {n * 7 + k}."
        for k in range(4)
    ]
    extra = [ADVERT, DISCLAIMER] + ([f"Tags: harbour, story{n}, port{n % 3}"] if tags else [])
    return "\n".join(own[:2] + [extra[0]] + own[2:] + extra[1:])


def learned(texts: list[str], titles: list[list[str]] | None = None) -> SiteProfile:
    profile = SiteProfile("farm.example")
    for index, text in enumerate(texts):
        profile.learn(text, titles[index] if titles else ())
    return profile


def test_recurring_lines_and_templates_are_stripped() -> None:
    profile = learned([page(n) for n in range(20)])
    cleaned = profile.clean_text(page(3))
    assert ADVERT not in cleaned and DISCLAIMER not in cleaned and "Tags:" not in cleaned
    assert cleaned.count("\n") == 3 and "paragraph 3.0" in cleaned and "paragraph 3.3" in cleaned


def test_a_line_on_one_page_only_is_never_stripped() -> None:
    profile = learned([page(n) for n in range(50)])
    for line in page(7).split("\n")[:2]:
        assert not profile.is_boilerplate(line)
    for unique in (
        "Tags: the minister said this page is the only one with it.",  # a sentence, not tags
        "Q: what did the council decide?",
        "14:30 The minister resigned at the start of the session",
    ):
        assert profile.clean_text(page(7) + "\n" + unique).endswith(unique)


def test_two_pages_are_not_enough() -> None:
    profile = learned([page(1), page(2)])
    assert profile.clean_text(page(1)) == page(1)


def test_rare_lines_are_kept_on_large_sites() -> None:
    texts = [page(n, tags=False) for n in range(100)]
    texts[:4] = [t + "\nA correction note that four pages share." for t in texts[:4]]
    profile = learned(texts)
    assert "correction note" in profile.clean_text(texts[0])  # 4 of 100 pages: < 10 %


def test_learning_is_order_independent() -> None:
    texts = [page(n, tags=n % 2 == 0) for n in range(30)]
    titles = [["Job Site", "Visa tips", f"Headline {n}"] for n in range(30)]
    forward = learned(texts, titles)
    shuffled = list(zip(texts, titles, strict=True))
    random.Random(1).shuffle(shuffled)
    backward = learned([t for t, _ in shuffled], [h for _, h in shuffled])
    assert forward.to_json() == backward.to_json()
    assert [forward.clean_text(t) for t in texts] == [backward.clean_text(t) for t in texts]


def test_title_affixes_and_site_name() -> None:
    titles = [
        ["Job Site", "Visa tips" if n % 2 else "Work abroad", f"Headline {n}"] for n in range(20)
    ]
    profile = learned([f"text {n}" for n in range(20)], titles)
    assert profile.title_affixes() == ["Job Site", "Visa tips", "Work abroad"]
    assert profile.site_name() == "Job Site"


def test_profile_round_trips_through_json() -> None:
    profile = learned([page(n) for n in range(5)], [["Site", f"H{n}"] for n in range(5)])
    again = SiteProfile.from_json(profile.to_json())
    assert again == profile


def test_a_page_is_learned_once() -> None:
    profile = SiteProfile("farm.example")
    text = "A line only this page has, whatever how often it is crawled."
    for _ in range(5):
        profile.learn(text, (), page="http://farm.example/1")
    assert profile.pages == 1 and not profile.is_boilerplate(text)


def test_a_story_posted_again_keeps_its_text() -> None:
    story = [f"Paragraph {k} of the budget story, long enough to be real article text about "
             f"how the council voted on the harbour, the schools and the roads in year {k}."
             for k in range(5)]  # fmt: skip
    texts = [page(n) for n in range(9)]
    texts += ["\n".join([*story, f"Updated {n} hours ago", DISCLAIMER]) for n in range(3)]
    profile = learned(texts)
    cleaned = profile.clean_text(texts[-1])
    assert all(paragraph in cleaned for paragraph in story)
    assert DISCLAIMER not in cleaned
    assert profile.pages == 12
    assert learned([*texts, texts[-1]]).pages == 12  # the very same text is learned once


def test_headlines_of_other_pages_go_only_as_link_lists() -> None:
    titles = [["Site", f"Headline number {n}"] for n in range(20)] + [["Site", "Background"]]
    texts = [page(n, tags=False) for n in range(20)] + ["Background explained at length."]
    profile = learned(texts, titles)
    own = ["Site", "Headline number 3"]
    alone = "Lead paragraph of the story.\nBackground\nThe war began long ago."
    assert profile.clean_text(alone, own) == alone  # a subheading, not a link
    listed = "Lead paragraph.\nHeadline number 5\nHeadline number 6\nThe end of the story."
    assert profile.clean_text(listed, own) == "Lead paragraph.\nThe end of the story."


def test_title_spelling_does_not_depend_on_order() -> None:
    texts = [f"text {n}" for n in range(10)]
    titles = [["Daily Post" if n % 2 else "DAILY POST", f"H{n}"] for n in range(10)]
    forward = learned(texts, titles)
    backward = learned(texts[::-1], titles[::-1])
    assert forward.to_json() == backward.to_json()
    assert forward.site_name() == "DAILY POST"


@pytest.mark.parametrize(
    "line",
    [
        "  - • Tags:\u00a0Politics\u2003 Europe\t ",
        "*  Read more\x1c\x1fhere\u3000now",
        "-no space after the marker",
        "▪ ► ·  nested markers",
        "",
        " \n\t",
        "Ünïcode   LINE\u2028two",
    ],
)
def test_normalized_is_the_regex_definition(line: str) -> None:
    import re

    from extractors.boilerplate import LIST_MARKER_RE, normalize, normalized

    expected = re.sub(r"\s+", " ", LIST_MARKER_RE.sub("", line.strip())).strip().lower()
    assert normalized(line) == normalize(line) == expected


def test_a_lesson_computed_elsewhere_teaches_what_the_page_would() -> None:
    import pickle

    from extractors.boilerplate import lesson_of

    pages = [
        (f"Tags: news, world\nStory {n} starts.\n- Share this\nRead more", [f"Story {n}", "Site"])
        for n in range(6)
    ]
    direct, taught = SiteProfile("example.com"), SiteProfile("example.com")
    for n, (text, title) in enumerate(pages):
        assert direct.learn(text, title, page=f"http://example.com/{n}")
        lesson = pickle.loads(pickle.dumps(lesson_of(text, title, page=f"http://example.com/{n}")))
        assert taught.learn_lesson(lesson)
    assert taught.to_json() == direct.to_json()
    assert taught.templates == {"tags": 6} and taught.title_affixes() == ["Site"]
    assert not taught.learn_lesson(lesson_of(pages[0][0]))  # the same text again


@pytest.mark.parametrize("spilled", [False, True])
def test_the_cleaning_view_cleans_as_the_whole_profile(
    spilled: bool, tmp_path, monkeypatch
) -> None:
    from extractors import counts
    from extractors.counts import Spill

    monkeypatch.setattr(counts, "COMPACT_AT", 16)
    monkeypatch.setattr(counts, "SPILL_BYTES", 64)  # the counts go to files as they grow
    rng = random.Random(7)
    lines = [f"Line {n} of the site" for n in range(60)]  # each on 1 to 60 pages
    sections = ["World", "Sport", "Money", "Tech"]
    profile = SiteProfile("example.com")
    if spilled:
        profile.spill_to(Spill(tmp_path))
    pages = []
    for n in range(120):
        text = "\n".join(
            [line for at, line in enumerate(lines) if rng.random() < at / 60]
            + [f"Story {n} begins.", f"Author: Writer {n % 7}", f"Headline of story {n - 1}"]
        )
        title = [f"Headline of story {n}", rng.choice(sections), "Example News"]
        profile.learn(text, title, page=f"http://example.com/{n}")
        pages.append((text, title))
    assert spilled == (profile.lines.spilled_nbytes() > 0)
    view = profile.cleaning_view()
    assert len(view.seen) == 0 and len(view.lines) < len(profile.lines)
    assert view.title_affixes() == profile.title_affixes() and view.title_affixes()
    assert view.site_name() == profile.site_name() == "Example News"
    for text, title in pages:
        own = [title[0]]
        assert view.clean_text(text, own) == profile.clean_text(text, own)
    cleaned = [profile.clean_text(text, [title[0]]) for text, title in pages]
    assert any("Headline of story" not in text for text in cleaned)  # other pages' headlines
    assert SiteProfile.from_json(view.to_json()).clean_text(pages[5][0]) == view.clean_text(
        pages[5][0]
    )


def test_squashed_is_joining_the_split_words() -> None:
    import random
    import sys

    from extractors.boilerplate import squashed

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    pieces = ["a", "Zoë", "·", "-", "  ", " ", "", "\u200b", *spaces]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert squashed(text) == " ".join(text.split()), repr(text)
