"""Reading rendered pages the way a browser would, to find markup a payload injected."""

import json
import re
from html.parser import HTMLParser

#: elements that run code or load a document; the site renders none of them
ACTIVE_ELEMENTS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
#: attributes a browser resolves as a URL (and would run as script with `javascript:`)
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
    "poster",
    "srcset",
    "ping",
}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "livescript:", "data:text/html")
#: the site's own scripts: an empty element loading a file of static/js/ by its versioned URL
OWN_SCRIPT = re.compile(r"/static/js/[a-z][a-z-]*\.js\?v=[0-9a-f]{12}")
_CONTROL_AND_SPACE = "".join(chr(code) for code in range(0x21))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        #: (attributes, content) of each <script>
        self.scripts: list[tuple[list, str]] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag == "script":
            self._script = []
            self.scripts.append((attrs, ""))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts[-1] = (self.scripts[-1][0], "".join(self._script))
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        else:
            self.text.append(data)


def parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def scheme_as_browser_reads(url: str) -> str:
    """What a browser sees at the start of a URL attribute: no surrounding controls or
    spaces, no tab or newline anywhere, lower case."""
    return re.sub(r"[\t\n\r]", "", url.strip(_CONTROL_AND_SPACE)).lower()


def is_json_data_block(attrs, content: str) -> bool:
    """A <script type="application/ld+json"> holding only JSON: data a browser never runs
    (structured data for search engines). A payload that broke out of it would leave
    truncated JSON behind, or elements of its own."""
    if dict(attrs) != {"type": "application/ld+json"} or "<!--" in content:
        return False
    try:
        json.loads(content)
    except ValueError:
        return False
    return True


def is_own_script(attrs, content: str) -> bool:
    """A <script src="/static/js/….js?v=…" defer></script> the templates write: the site's own
    code, which a payload could only load, not change."""
    attributes = dict(attrs)
    return (
        content == ""
        and set(attributes) == {"src", "defer"}
        and OWN_SCRIPT.fullmatch(attributes["src"] or "") is not None
    )


def injected_markup(page: str) -> list[str]:
    """Every element or attribute in `page` that could run a script, described."""
    parsed = parse(page)
    found = [
        f"<script {attrs}>{content[:80]}"
        for attrs, content in parsed.scripts
        if not is_json_data_block(attrs, content) and not is_own_script(attrs, content)
    ]
    for tag, attrs in parsed.elements:
        if tag in ACTIVE_ELEMENTS - {"script"}:
            found.append(f"<{tag} {attrs}>")
        if tag == "meta" and any(name == "http-equiv" for name, _ in attrs):
            found.append(f"<meta {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                found.append(f"<{tag}> with {name}={value!r}")
            elif name == "srcdoc":
                found.append(f"<{tag}> with srcdoc={value!r}")
            elif name in URL_ATTRIBUTES and value:
                if scheme_as_browser_reads(value).startswith(SCRIPT_SCHEMES):
                    found.append(f"<{tag}> with {name}={value!r}")
            elif name == "style" and value and "expression(" in value.lower():
                found.append(f"<{tag}> with style={value!r}")
    return found


def shows(page: str, text: str) -> bool:
    """True when `text` reaches the reader as text (or as a form field's value)."""
    parsed = parse(page)
    if text in "".join(parsed.text):
        return True
    return any(
        text == value or text in (value or "") for _, attrs in parsed.elements for _, value in attrs
    )


def badge(page: str) -> int:
    """The number on the header's cart badge."""
    return int(re.search(r'data-testid="cart-count">(\d+)<', page).group(1))
