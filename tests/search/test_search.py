"""Searching the published articles: GET /search?q=…"""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from store.database import utcnow
from store.search.services import HEADLINE_CHARS, bounded_query, fts5_query

RESULT = re.compile(r'<article class="card teaser search-result">(.*?)</article>', re.S)
TITLE = re.compile(r"<h2><a [^>]*>(.*?)</a></h2>", re.S)
SNIPPET = re.compile(r'<p class="snippet">(.*?)</p>', re.S)
MARKS = re.compile(r"</?mark>")


def search(client, q, **params):
    response = client.get("/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def titles(page: str) -> list[str]:
    """The titles of the results, in order, without their highlighting."""
    return [MARKS.sub("", TITLE.search(result).group(1)) for result in RESULT.findall(page)]


def snippets(page: str) -> list[str]:
    return [SNIPPET.search(result).group(1) for result in RESULT.findall(page)]


def test_the_header_has_a_search_form(client):
    page = client.get("/").get_data(as_text=True)
    assert '<form role="search" action="/search"' in page
    assert 'name="q"' in page


def test_an_empty_query_shows_the_empty_form(client, create_article):
    create_article(title="Un article")
    for q in ("", "   "):
        page = search(client, q)
        assert 'id="search-q"' in page
        assert titles(page) == []
        assert "résultat" not in page


def test_finds_an_article_by_its_title_and_marks_the_words(client, seeded):
    page = search(client, "musk")
    assert titles(page) == [
        "Les dessous du différend entre OpenAI et Elon Musk : "
        "une blague et il abandonne le procès ?"
    ]
    assert "<mark>Musk</mark>" in page
    assert "1 résultat pour « musk »" in page
    assert "Actualités" in page and "2 avril 2024" in page
    assert 'href="/articles/differend-openai-elon-musk-blague-proces"' in page


def test_finds_an_article_by_a_word_of_its_body_and_shows_it_in_context(client, create_article):
    create_article(
        title="Les semi-conducteurs",
        excerpt="Un résumé.",
        body="Le premier paragraphe.\n\n## Un intertitre\n\n"
        "TSMC grave ses puces en **photolithographie** extrême.",
    )
    page = search(client, "photolithographie")
    assert titles(page) == ["Les semi-conducteurs"]
    [snippet] = snippets(page)
    assert "<mark>photolithographie</mark> extrême" in snippet
    assert "**" not in snippet and "##" not in snippet


def test_accents_and_case_are_folded(db, client, seeded):
    for q in ("differend", "DIFFÉREND", "Différend"):
        page = search(client, q)
        assert len(titles(page)) == 1, q
    assert "<mark>différend</mark>" in search(client, "differend")
    if db.engine.dialect.name == "postgresql":  # French stemming; FTS5 matches whole words
        assert len(titles(search(client, "différends"))) == 1


def test_article_text_cannot_inject_html(client, create_article):
    create_article(
        title="<script>alert(1)</script> Quantique",
        excerpt='<img src=x onerror="alert(1)"> le calcul quantique',
        body="Un <b>ordinateur</b> quantique \x02piégé\x03 et \x02 seul.",
    )
    page = search(client, "quantique")
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Quantique</mark>" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; le calcul <mark>quantique</mark>" in page
    page = search(client, "ordinateur")
    [snippet] = snippets(page)
    # FTS5 shows the tags as text, PostgreSQL's headline leaves them out: never as HTML
    assert "<b>" not in snippet and "<mark>ordinateur</mark>" in snippet
    # the database's markers are escaped away or paired: the markup stays balanced
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert "\x02" not in page and "\x03" not in page


def test_results_paginate_ten_a_page(client, create_article):
    for number in range(25):
        create_article(
            title=f"Robotique {number:02d}", published_at=utcnow() - timedelta(hours=number)
        )
    first = search(client, "robotique")
    assert "25 résultats pour « robotique »" in first
    assert titles(first) == [f"Robotique {n:02d}" for n in range(10)]
    assert "Page 1 sur 3" in first and "Page suivante" in first and "Page précédente" not in first
    assert 'href="/search?q=robotique&amp;page=2"' in first
    second = search(client, "robotique", page=2)
    assert titles(second) == [f"Robotique {n:02d}" for n in range(10, 20)]
    assert "Page précédente" in second and "Page suivante" in second
    third = search(client, "robotique", page=3)
    assert titles(third) == [f"Robotique {n:02d}" for n in range(20, 25)]
    assert "Page suivante" not in third
    assert client.get("/search?q=robotique&page=4").status_code == 404
    assert client.get("/search?q=robotique&page=99999999999999999999999").status_code == 404
    for page in ("abc", "0", "-3", ""):
        assert titles(search(client, "robotique", page=page))[0] == "Robotique 00"


def test_results_are_ordered_by_relevance_then_date(client, create_article):
    now = utcnow()
    body = "Un paragraphe sur la fusion nucléaire et ses promesses."
    create_article(title="Ancien", body=body, published_at=now - timedelta(days=3))
    create_article(title="Récent", body=body, published_at=now - timedelta(days=1))
    create_article(title="La fusion nucléaire", body="Rien.", published_at=now - timedelta(days=9))
    assert titles(search(client, "fusion")) == ["La fusion nucléaire", "Récent", "Ancien"]


def test_drafts_and_scheduled_articles_are_not_found(client, create_article):
    create_article(title="Cryptographie publiée")
    create_article(title="Cryptographie brouillon", published_at=None)
    create_article(title="Cryptographie programmée", published_at=utcnow() + timedelta(hours=1))
    assert titles(search(client, "cryptographie")) == ["Cryptographie publiée"]


def test_subscriber_only_bodies_are_never_matched_nor_shown(db, client, create_article):
    paid = create_article(
        title="Enquête réservée",
        excerpt="Ce que cache la levée de fonds.",
        body="Le montant secretissime de la levée de fonds, et ses investisseurs.",
        subscribers_only=True,
    )
    assert titles(search(client, "secretissime")) == []
    page = search(client, "fonds")
    assert titles(page) == ["Enquête réservée"]
    assert snippets(page) == ["Ce que cache la levée de <mark>fonds</mark>."]
    assert "secretissime" not in page and "investisseurs" not in page
    assert "Abonnés" in page

    # An article moved behind the paywall leaves the body index; back in the open, it returns.
    free = create_article(title="Article libre", body="Le mot confidentialissime.")
    assert titles(search(client, "confidentialissime")) == ["Article libre"]
    free.subscribers_only = True
    db.session.commit()
    assert titles(search(client, "confidentialissime")) == []
    paid.subscribers_only = False
    db.session.commit()
    assert titles(search(client, "secretissime")) == ["Enquête réservée"]


def test_edits_and_deletions_reach_the_index(db, client, create_article):
    article = create_article(title="Les drones livreurs")
    article.title = "Les dirigeables livreurs"
    db.session.commit()
    assert titles(search(client, "drones")) == []
    assert titles(search(client, "dirigeables")) == ["Les dirigeables livreurs"]
    db.session.delete(article)
    db.session.commit()
    assert titles(search(client, "dirigeables")) == []


@pytest.mark.parametrize(
    "q",
    [
        "a" * 10_000,
        "musk " * 2_000,
        '"unbalanced',
        '"musk',
        "'",
        '""',
        "musk OR",
        "OR",
        "OR OR musk",
        "-",
        "-musk",
        "--musk",
        "musk -",
        "*",
        "musk*",
        "NEAR(musk openai",
        "NEAR(musk, 2)",
        "^musk",
        "title:musk",
        "body : musk",
        "{title body}: musk",
        "(musk",
        "musk)",
        "AND NOT",
        "%",
        "_",
        "%musk%",
        "\\",
        "Écran 🚀 日本語 \u202e ﷽",
        "' OR 1=1 --",
        '"; DROP TABLE article; --',
        "<script>alert(1)</script>",
    ],
)
def test_hostile_queries_are_answered(client, seeded, q):
    page = search(client, q)
    assert "<script>alert(1)</script>" not in page
    assert "résultat" in page or titles(page) == []


def test_a_nul_character_is_refused_with_a_clear_page(client, seeded):
    response = client.get("/search", query_string={"q": "musk\x00"})
    assert response.status_code == 400
    assert "n’est pas valide" in response.get_data(as_text=True)


def test_query_syntax_like_a_web_search(client, create_article):
    create_article(title="OpenAI rachète Microsoft")
    create_article(title="OpenAI rachète Google")
    create_article(title="Google rachète Microsoft")
    assert titles(search(client, "openai microsoft")) == ["OpenAI rachète Microsoft"]
    assert titles(search(client, "openai -google")) == ["OpenAI rachète Microsoft"]
    assert titles(search(client, '"rachète google"')) == ["OpenAI rachète Google"]
    assert sorted(titles(search(client, "openai or google"))) == [
        "Google rachète Microsoft",
        "OpenAI rachète Google",
        "OpenAI rachète Microsoft",
    ]


@pytest.mark.parametrize(
    "q, expression",
    [
        ("musk", '("musk")'),
        ('NEAR(musk, 2) ^x title:y "z', '("NEAR musk" AND "2" AND "x" AND "title y" AND "z")'),
        ("a OR b -c", '("a") OR (("b") NOT ("c"))'),
        ("e-mail", '("e mail")'),
        ("-a", None),
        ("%_*", None),
    ],
)
def test_queries_are_rewritten_into_quoted_fts5_phrases(q, expression):
    assert fts5_query(q) == expression


def test_the_search_runs_on_the_full_text_index(db, client, seeded):
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert len(titles(search(client, "musk"))) == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    searches = [s for s in statements if "article" in s]
    operator = "@@" if db.engine.dialect.name == "postgresql" else "MATCH"
    assert any(operator in s for s in searches), searches
    assert not any("LIKE" in s.upper() for s in statements)


def test_on_postgresql_the_gin_index_serves_the_search(db, seeded):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from store.search import schema

    with db.engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        plan = connection.scalars(
            sa.text(
                f"EXPLAIN SELECT id FROM article WHERE {schema.PG_COLUMN} "
                f"@@ websearch_to_tsquery('{schema.PG_CONFIG}'::regconfig, :q)"
            ),
            {"q": "musk"},
        ).all()
    assert any(schema.PG_INDEX in line for line in plan), plan


def test_the_results_page_speaks_english_too(client, seeded):
    page = client.get("/en/search?q=musk").get_data(as_text=True)
    assert "1 result for “musk”" in page


@pytest.mark.parametrize(
    "q, kept",
    [
        ("musk " * 40, '"musk"'),
        ("Musk MUSK musk", '"Musk"'),
        ('"elon musk" "Elon Musk" elon', '"elon musk" "elon"'),
        ("a -b or c or", '"a" -"b" or "c"'),
        ("or or a", '"a"'),
        # each alternative keeps its own terms: `cat or cat dog` is not `cat or dog`
        ("cat or cat dog", '"cat" or "cat" "dog"'),
        ("cat dog or cat", '"cat" "dog" or "cat"'),
        (" ".join(f"mot{n}" for n in range(100)), " ".join(f'"mot{n}"' for n in range(8))),
        ("%_* ()", ""),
    ],
)
def test_a_query_keeps_each_term_once_and_at_most_eight(q, kept):
    """What the database is asked, on SQLite and PostgreSQL alike: 200 characters of one word
    repeated are one term, and 100 distinct words the first eight (each costs the database
    a pass over every matching text, bench/search)."""
    assert bounded_query(q) == kept


def test_a_hundred_terms_search_like_their_first_eight(client, create_article):
    words = "lithium cobalt nickel manganese batteries voitures recharge rapide"
    create_article(title="Batteries au lithium", body=f"{words.capitalize()}.")
    assert titles(search(client, "lithium " * 20)) == ["Batteries au lithium"]
    # a ninth word is not searched: the article is found without it
    assert titles(search(client, f"{words} absent")) == ["Batteries au lithium"]
    assert titles(search(client, f"absent {words}")) == []  # kept first, and not in it
    many = " ".join(f"absent{n}" for n in range(100))
    assert titles(search(client, f"lithium {many}")) == []


def test_a_match_far_into_a_long_body_is_found_and_shown_safely(client, create_article):
    """Snippets are looked for in the first HEADLINE_CHARS characters of a body (PostgreSQL
    reads the whole text it is given for every term); an article whose words match further on
    is still found, and shows its excerpt or a bounded snippet."""
    body = ("Un paragraphe sans rien de particulier. " * 40 + "\n\n") * 20 + "Le mot perdu."
    assert len(body) > HEADLINE_CHARS
    create_article(title="Très long", excerpt="Le résumé.", body=body)
    page = search(client, "perdu")
    assert titles(page) == ["Très long"]
    assert len(snippets(page)[0]) < 1_000


@pytest.mark.parametrize("app_config", [{"SEARCH_LIMIT": "3 per minute"}])
def test_searches_are_limited_per_client(app, seeded):
    """Each search runs the full-text machinery: one client cannot keep the workers busy."""
    from tests.conftest import visitor

    client = visitor(app).client
    statuses = [client.get("/search?q=musk").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = app.test_client()
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    assert other.get("/search?q=musk", environ_base=other_address).status_code == 200


def test_a_word_in_more_articles_than_are_ranked_shows_the_newest_first(
    client, create_article, monkeypatch
):
    """Counting and ranking 78,000 matches read every one of them: past MAX_RESULTS the page
    says "more than", lists the newest first, and pages through MAX_RESULTS at most."""
    from store.search import services

    monkeypatch.setattr(services, "MAX_RESULTS", 4)
    monkeypatch.setattr(services, "PER_PAGE", 2)
    now = utcnow()
    for days in range(5):
        # only the oldest has the word in its title: ranked by relevance, it comes first
        title = "Le lithium en Europe" if days == 4 else f"Batteries {days}"
        create_article(title=title, body="Le lithium.", published_at=now - timedelta(days=days))
    first = search(client, "lithium")
    assert "Plus de 4 résultats pour « lithium » : les plus récents d’abord" in first
    assert titles(first) == ["Batteries 0", "Batteries 1"]
    assert "Page 1" in first and "Page 1 sur" not in first
    assert titles(search(client, "lithium", page=2)) == ["Batteries 2", "Batteries 3"]
    assert client.get("/search?q=lithium&page=3").status_code == 404

    monkeypatch.setattr(services, "MAX_RESULTS", 10)  # all counted: ranked by relevance
    ranked = search(client, "lithium")
    assert "5 résultats pour « lithium »" in ranked
    assert titles(ranked)[0] == "Le lithium en Europe"
