"""Reading what the store serves as a crawler or a browser would (shared by several folders)."""

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap_files(client) -> list[str]:
    """The paths of the sitemaps `/sitemap.xml` (a sitemap index) names, in its order."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    index = ET.fromstring(response.data)
    assert index.tag == f"{{{SITEMAP['s']}}}sitemapindex"
    return [urlsplit(loc.text).path for loc in index.findall("s:sitemap/s:loc", SITEMAP)]


def sitemap_entries(client) -> dict[str, dict]:
    """Every URL of the whole sitemap (each file the index names, read as a crawler reads
    it) → {"lastmod": …, "alternates": {hreflang: href}}."""
    entries: dict[str, dict] = {}
    for path in sitemap_files(client):
        response = client.get(path)
        assert response.status_code == 200, path
        for entry in ET.fromstring(response.data).findall("s:url", SITEMAP):
            loc = entry.findtext("s:loc", namespaces=SITEMAP)
            assert loc not in entries, loc  # listed once
            entries[loc] = {
                "lastmod": entry.findtext("s:lastmod", namespaces=SITEMAP),
                "alternates": {
                    link.get("hreflang"): link.get("href")
                    for link in entry.findall("x:link", SITEMAP)
                },
            }
    return entries
