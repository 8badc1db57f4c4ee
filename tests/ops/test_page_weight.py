"""Each main page, with everything it loads, weighs at most 60 KB before compression."""

import re

import pytest

BUDGET = 60 * 1024
ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/static/[^"]+)"')


@pytest.mark.parametrize(
    "url", ["/", "/articles/differend-openai-elon-musk-blague-proces", "/shop", "/cart"]
)
def test_page_weight_budget(client, seeded, forms, url):
    forms.post("/cart/add", {"product_id": 1})  # the side cart and /cart with one line
    page = client.get(url)
    total = len(page.data)
    for asset in set(ASSET.findall(page.get_data(as_text=True))):
        response = client.get(asset)
        assert response.status_code == 200, asset
        total += len(response.data)
    assert total <= BUDGET, f"{url} weighs {total} bytes"
