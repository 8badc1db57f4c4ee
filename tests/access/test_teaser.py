"""The paywall: a non-subscriber reads the opening of a subscriber-only article and nothing
after it, whatever the body's line endings and Markdown, anywhere the site shows it.

Bodies are generated with a unique marker word per word ("m0000x", "m0001x", …) so that
every public page can be searched for words that come after the opening."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from store.access.services import TEASER_PARAGRAPHS, teaser
from store.catalog.models import Billing
from tests.properties.strategies import FAST

MARKER = re.compile(r"m(\d{4})x")
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
#: what separates two blocks: blank lines, possibly holding spaces or tabs
BLANK_LINES = st.sampled_from(["\n\n", "\r\n\r\n", "\r\r", "\n  \n", "\r\n \t\r\n", "\n\n\n"])


@st.composite
def bodies(draw) -> str:
    """A Markdown body of several blocks of many kinds, every word a unique marker."""
    counter = iter(range(10_000))

    def words(low=1, high=12) -> str:
        return " ".join(f"m{next(counter):04d}x" for _ in range(draw(st.integers(low, high))))

    def block() -> list[str]:
        kind = draw(
            st.sampled_from(
                [
                    "paragraph",
                    "heading",
                    "list",
                    "ordered",
                    "quote",
                    "fence",
                    "table",
                    "html",
                    "indented",
                ]
            )
        )
        if kind == "paragraph":
            return [words() for _ in range(draw(st.integers(1, 4)))]
        if kind == "heading":
            return [f"{'#' * draw(st.integers(1, 4))} {words(1, 5)}"]
        if kind in ("list", "ordered"):
            bullet = (lambda i: f"{i + 1}.") if kind == "ordered" else (lambda i: "-")
            return [f"{bullet(i)} {words(1, 6)}" for i in range(draw(st.integers(1, 8)))]
        if kind == "quote":
            return [f"> {words()}" for _ in range(draw(st.integers(1, 3)))]
        if kind == "fence":
            return ["```", *[words(1, 5) for _ in range(draw(st.integers(1, 5)))], "```"]
        if kind == "indented":
            return [f"    {words(1, 5)}" for _ in range(draw(st.integers(1, 4)))]
        if kind == "table":
            return [
                f"| {words(1, 1)} | {words(1, 1)} |",
                "|---|---|",
                *[f"| {words(1, 2)} | {words(1, 2)} |" for _ in range(draw(st.integers(1, 6)))],
            ]
        # Raw HTML is shown as text: each word of it carries one marker, as elsewhere.
        return [f"<div>{words(1, 1)} <script>alert('{words(1, 1)}')</script></div>"]

    blocks = [block() for _ in range(draw(st.integers(1, 8)))]
    if draw(st.booleans()):  # one huge paragraph
        blocks.insert(draw(st.integers(0, len(blocks))), [words(300, 600)])
    newline = draw(NEWLINES)
    parts = [newline.join(lines) for lines in blocks]
    body = "".join(part + draw(BLANK_LINES) for part in parts).rstrip()
    # Number the words in reading order, whatever order they were drawn in.
    reading_order = iter(range(10_000))
    return MARKER.sub(lambda _: f"m{next(reading_order):04d}x", body)


def markers(text: str) -> list[int]:
    return [int(number) for number in MARKER.findall(text)]


@given(body=bodies())
@FAST
def test_the_teaser_is_an_opening_of_at_most_a_third_of_the_words(body):
    words = markers(body)
    shown = markers(teaser(body))
    assert shown == sorted(set(shown)), "the teaser keeps the body's order, nothing twice"
    assert not shown or shown == list(range(len(shown))), "the teaser is an opening"
    assert len(shown) <= len(words) // 3, f"{len(shown)} of {len(words)} words shown"
    if len(words) >= 3:
        assert words[-1] not in shown


def test_crlf_and_blank_lines_holding_spaces_still_cut_the_body():
    paragraphs = [f"Paragraphe {n} " + "mot " * 20 for n in range(1, 7)]
    for separator in ("\r\n\r\n", "\r\r", "\n \n", "\r\n\t\r\n"):
        cut = teaser(separator.join(paragraphs))
        assert "Paragraphe 1" in cut and "Paragraphe 2" in cut
        assert "Paragraphe 3" not in cut and "Paragraphe 6" not in cut


def test_the_teaser_counts_paragraphs_not_headings():
    body = "\n\n".join(["# Titre", "Un " * 30, "## Sous-titre", "Deux " * 30] + ["Fin " * 30] * 6)
    cut = teaser(body)
    assert cut.count("Un ") == 30 and cut.count("Deux ") == 30 and "Fin" not in cut
    assert TEASER_PARAGRAPHS == 2


def test_one_huge_paragraph_gives_its_opening_words_only():
    body = " ".join(f"m{n:04d}x" for n in range(900))
    shown = markers(teaser(body))
    assert 0 < len(shown) <= 300 and shown == list(range(len(shown)))
    assert teaser(body).endswith("…")


def test_a_huge_code_block_or_table_gives_plain_words_not_markup():
    fence = "```\n" + "\n".join(f"m{n:04d}x = 1" for n in range(300)) + "\n```"
    cut = teaser(fence)
    assert "```" not in cut and "m0299x" not in cut and "m0000x" in cut


# --- every page a non-subscriber can read -----------------------------------------------


@pytest.fixture
def paid_article(create_article, create_product):
    plan = create_product(name="Accès à GPT 4", billing=Billing.MONTHLY, price_cents=700)
    return create_article(
        slug="enquete",
        title="Enquête exclusive",
        excerpt="Le chapô, libre.",
        subscribers_only=True,
        access_products=[plan],
    )


def public_pages(client, article, probes: list[int]) -> str:
    """Everything a visitor without a subscription can fetch about the article."""
    urls = [
        f"/articles/{article.slug}",
        "/",
        f"/category/{article.category.slug}",
        "/feed.xml",
        "/sitemap.xml",
        "/sitemap-pages.xml",
        "/sitemap-articles-1.xml",
        "/search?q=enqu%C3%AAte",
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
    for number in probes:  # the results page repeats the query: leave that echo out
        query = f"m{number:04d}x"
        response = client.get(f"/search?q={query}")
        assert response.status_code == 200
        pages.append(response.get_data(as_text=True).replace(query, ""))
    return "\n".join(pages)


@given(body=bodies())
@FAST
def test_nothing_after_the_opening_reaches_a_visitor(db, client, paid_article, body):
    paid_article.body = body
    db.session.commit()
    words = markers(body)
    seen = set(markers(public_pages(client, paid_article, [words[-1], words[len(words) // 2]])))
    assert max(seen, default=-1) < len(words) // 3, f"{len(seen)} of {len(words)} shown"
    if len(words) >= 3:
        assert words[-1] not in seen


def test_a_customer_without_a_subscription_reads_the_opening_only(
    db, client, paid_article, login_as
):
    paid_article.body = "\r\n\r\n".join(f"Paragraphe {n} " + "mot " * 20 for n in range(1, 7))
    db.session.commit()
    login_as("lecteur@example.org", admin=False)
    page = client.get(f"/articles/{paid_article.slug}").get_data(as_text=True)
    assert "Paragraphe 1" in page and "Paragraphe 6" not in page
    assert "Cet article est réservé aux abonnés" in page
