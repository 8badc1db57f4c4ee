"""Two visitors browsing at the same time each see their own cart and their own language.

What a request loads for its visitor (the cart, the language) lives in that request's app
context, and nothing in the store clears it by hand: these tests alternate two browsers on
one app to show that none of it reaches the other visitor.
"""

import re

from tests.conftest import visitor
from tests.security.pages import badge


def language(response) -> str:
    return re.search(r'<html lang="(\w+)">', response.get_data(as_text=True)).group(1)


def test_each_visitor_sees_their_own_cart_count(app, create_product):
    guide = create_product(name="Guide")
    alice, bob = visitor(app), visitor(app)
    assert alice.post("/cart/add", {"product_id": guide.id, "quantity": 2}).status_code == 303
    for url in ("/cart", "/", "/shop", "/cart"):
        assert badge(alice.client.get(url).get_data(as_text=True)) == 2, url
        assert badge(bob.client.get(url).get_data(as_text=True)) == 0, url
    bob.post("/cart/add", {"product_id": guide.id})
    assert badge(bob.client.get("/cart").get_data(as_text=True)) == 1
    assert badge(alice.client.get("/cart").get_data(as_text=True)) == 2
    alice.post("/cart/clear")
    assert badge(alice.client.get("/").get_data(as_text=True)) == 0
    assert badge(bob.client.get("/").get_data(as_text=True)) == 1


def test_each_visitor_reads_the_language_of_the_url_they_open(app, create_product):
    create_product(name="Guide")
    reader, other = visitor(app), visitor(app)
    for url in ("/", "/shop", "/cart", "/"):
        assert language(reader.client.get(f"/en{url}")) == "en", url
        assert language(other.client.get(url)) == "fr", url
    # what one read before never changes what a URL gives the other
    assert language(other.client.get("/en/")) == "en"
    assert language(reader.client.get("/")) == "fr"
