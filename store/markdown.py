"""Markdown to sanitised HTML: article bodies and product descriptions, one pipeline."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off; nh3 then removes anything unsafe that remains
# (e.g. `javascript:` links), so no article and no product description can carry a script.
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
_ALLOWED_TAGS = {
    "a",
    "p",
    "h2",
    "h3",
    "h4",
    "strong",
    "em",
    "blockquote",
    "ul",
    "ol",
    "li",
    "code",
    "pre",
    "hr",
    "br",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str) -> Markup:
    """Render Markdown (an article body, a product description) to sanitised HTML."""
    html = MARKDOWN.render(text or "")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 sanitised the HTML just above, so it may be marked safe.
    return Markup(clean)  # nosec B704


#: The `markdown` filter of templates (product descriptions): the same text gives the same HTML,
#: and a product page shows the same description on every view, so the last 256 are kept;
#: parsing and sanitising one cost a fifth of that page's render. Article bodies, far larger,
#: are rendered once when saved (Article.body_html) and do not go through here.
render_markdown_kept = lru_cache(maxsize=256)(render_markdown)
