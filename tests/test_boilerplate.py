"""Site-level boilerplate learning: recurring lines and title parts, order-independent."""

from __future__ import annotations

import random

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
    unique = "Tags: this page is the only one that says so"  # a template, but its own text
    text = page(7) + "\n" + unique
    profile_with_it = learned([page(n) for n in range(50)] + [text])
    for line in page(7).split("\n")[:2]:
        assert not profile.is_boilerplate(line)
    assert "paragraph 7.0" in profile_with_it.clean_text(text)


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
    profile = learned(["x"] * 20, titles)
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
