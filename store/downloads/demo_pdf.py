"""Build the demo "Guide pratique des prompts GPT 4" as a PDF, with the standard library only.

The seed ships a real PDF made by the project rather than a placeholder file. `guide_pdf()`
lays the French text of `demo_guide` out on A4 pages and writes a PDF 1.4 file by hand: the standard
Type1 fonts Helvetica and Helvetica-Bold with /WinAnsiEncoding (text encoded as cp1252, so
accents, « » and ’ render), lines wrapped with the fonts' widths, an xref table with exact
offsets. No timestamp is read: every call returns the same bytes.
"""

import unicodedata

from store.downloads.demo_guide import (
    CHECKLIST,
    CHECKLIST_TITLE,
    INTRO,
    INTRO_TITLE,
    SECTIONS,
    SITE_NAME,
    SUBTITLE,
    TAGLINE,
    TITLE,
)

# --- Page geometry, colours, fonts ---------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89  # A4 in points
MARGIN = 60
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
CONTENT_TOP = PAGE_HEIGHT - MARGIN
CONTENT_BOTTOM = 75  # the footer sits below this line
BODY_SIZE, BODY_LEADING, PARAGRAPH_GAP = 10.5, 15, 6
BOX_PAD, BOX_BAR = 11, 3  # example prompt boxes: inner padding, accent bar width

INK = (0.13, 0.15, 0.20)
MUTED = (0.42, 0.45, 0.50)
ACCENT = (0.11, 0.30, 0.62)
NAVY = (0.07, 0.13, 0.28)
PALE = (0.94, 0.95, 0.98)
RULE = (0.80, 0.82, 0.86)
WHITE = (1.0, 1.0, 1.0)

REGULAR, BOLD = "F1", "F2"
_BASE_FONTS = {REGULAR: "Helvetica", BOLD: "Helvetica-Bold"}

# Advance widths (1/1000 em) of the characters 32 to 126, from the fonts' AFM metrics.
_ASCII_WIDTHS = {
    REGULAR: (
        "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 "
        "556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 "
        "1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
        "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 "
        "333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 "
        "556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
    ),
    BOLD: (
        "278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 "
        "556 556 556 556 556 556 556 556 556 556 333 333 584 584 584 611 "
        "975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
        "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 "
        "333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 "
        "611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
    ),
}
_WIDTHS = {font: [int(w) for w in table.split()] for font, table in _ASCII_WIDTHS.items()}
# Non-ASCII characters of WinAnsiEncoding used by the text: (regular, bold) widths.
# Accented letters are measured as their base letter, which has the same width.
_EXTRA_WIDTHS = {
    "’": (222, 278),
    "«": (556, 556),
    "»": (556, 556),
    "–": (556, 556),
    "—": (1000, 1000),
    "…": (1000, 1000),
    "•": (350, 350),
    "\u00a0": (278, 278),
    "œ": (944, 944),
    "·": (278, 278),
}


def _char_width(char: str, font: str) -> int:
    if char in _EXTRA_WIDTHS:
        return _EXTRA_WIDTHS[char][font == BOLD]
    base = unicodedata.normalize("NFD", char)[0]
    if " " <= base <= "~":
        return _WIDTHS[font][ord(base) - 32]
    return 556


def text_width(text: str, font: str, size: float) -> float:
    """The width in points of `text` set in `font` at `size`."""
    return sum(_char_width(char, font) for char in text) * size / 1000


def french_spacing(text: str) -> str:
    """Put no-break spaces where French typography wants them, so lines never break there."""
    for before, after in (
        (" :", "\u00a0:"),
        (" ?", "\u00a0?"),
        (" !", "\u00a0!"),
        (" ;", "\u00a0;"),
        (" %", "\u00a0%"),
        ("« ", "«\u00a0"),
        (" »", "\u00a0»"),
    ):
        text = text.replace(before, after)
    return text


def wrap(
    text: str, font: str, size: float, width: float, first_width: float | None = None
) -> list[str]:
    """Split `text` into lines no wider than `width` (the first one: `first_width`)."""
    lines: list[str] = []
    current = ""
    limit = width if first_width is None else first_width
    for word in french_spacing(text).split(" "):
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, font, size) > limit:
            lines.append(current)
            current, limit = word, width
        else:
            current = candidate
    lines.append(current)
    return lines


# --- Drawing -------------------------------------------------------------------------------


def _num(value: float) -> bytes:
    return (f"{value:.2f}".rstrip("0").rstrip(".") or "0").encode("ascii")


def _color(rgb: tuple[float, float, float]) -> bytes:
    return b" ".join(_num(c) for c in rgb)


def pdf_string(text: str) -> bytes:
    """`text` as a PDF literal string in WinAnsiEncoding (cp1252), with \\ ( ) escaped."""
    data = text.encode("cp1252")
    data = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + data + b")"


class _Page:
    """The drawing operators of one page."""

    def __init__(self) -> None:
        self.ops: list[bytes] = []

    def text(
        self,
        x: float,
        y: float,
        text: str,
        font: str = REGULAR,
        size: float = 10.5,
        color: tuple[float, float, float] = INK,
    ) -> None:
        self.ops.append(
            b"BT /%s %s Tf %s rg %s %s Td %s Tj ET"
            % (font.encode(), _num(size), _color(color), _num(x), _num(y), pdf_string(text))
        )

    def text_right(
        self,
        right: float,
        y: float,
        text: str,
        font: str = REGULAR,
        size: float = 10.5,
        color: tuple[float, float, float] = INK,
    ) -> None:
        self.text(right - text_width(text, font, size), y, text, font, size, color)

    def rect(
        self, x: float, y: float, width: float, height: float, color: tuple[float, float, float]
    ) -> None:
        self.ops.append(
            b"%s rg %s %s %s %s re f" % (_color(color), _num(x), _num(y), _num(width), _num(height))
        )

    def hline(
        self,
        x1: float,
        x2: float,
        y: float,
        color: tuple[float, float, float],
        thickness: float = 0.6,
    ) -> None:
        self.ops.append(
            b"%s RG %s w %s %s m %s %s l S"
            % (_color(color), _num(thickness), _num(x1), _num(y), _num(x2), _num(y))
        )

    def content(self) -> bytes:
        return b"\n".join(self.ops) + b"\n"


class _Flow:
    """Flows headings, paragraphs and boxes down the pages, starting a page when one is full."""

    def __init__(self, pages: list[_Page]) -> None:
        self.pages = pages
        self.new_page()

    def new_page(self) -> None:
        self.page = _Page()
        self.pages.append(self.page)
        self.y = CONTENT_TOP

    def need(self, height: float) -> None:
        if self.y - height < CONTENT_BOTTOM:
            self.new_page()

    def heading(self, text: str) -> None:
        # Keep the heading with at least the first lines that follow it.
        if self.y != CONTENT_TOP:
            self.y -= 14
        self.need(26 + 3 * 15)
        self.page.text(MARGIN, self.y - 15, text, BOLD, 15, ACCENT)
        self.page.hline(MARGIN, MARGIN + 40, self.y - 22, ACCENT, 1.5)
        self.y -= 34

    @staticmethod
    def paragraph_lines(text: str) -> list[str]:
        return wrap(text, REGULAR, BODY_SIZE, TEXT_WIDTH)

    def paragraph(self, text: str) -> None:
        for line in self.paragraph_lines(text):
            self.need(BODY_LEADING)
            self.page.text(MARGIN, self.y - BODY_LEADING + 4, line, REGULAR, BODY_SIZE)
            self.y -= BODY_LEADING
        self.y -= PARAGRAPH_GAP

    @staticmethod
    def example_lines(prompt: str) -> list[str]:
        inner = TEXT_WIDTH - BOX_BAR - 2 * BOX_PAD
        return [line for part in prompt.split("\n") for line in wrap(part, REGULAR, 10, inner)]

    @classmethod
    def example_height(cls, prompt: str) -> float:
        return BOX_PAD + 14 + len(cls.example_lines(prompt)) * 14 + BOX_PAD

    def example(self, prompt: str) -> None:
        """An example prompt in a tinted box with an accent bar on its left."""
        pad, bar, size, leading = BOX_PAD, BOX_BAR, 10, 14
        lines = self.example_lines(prompt)
        height = self.example_height(prompt)
        self.y -= 2
        self.need(height)
        top = self.y
        self.page.rect(MARGIN, top - height, TEXT_WIDTH, height, PALE)
        self.page.rect(MARGIN, top - height, bar, height, ACCENT)
        x = MARGIN + bar + pad
        self.page.text(x, top - pad - 8, "EXEMPLE DE PROMPT", BOLD, 8, ACCENT)
        y = top - pad - 14
        for line in lines:
            self.page.text(x, y - leading + 4, line, REGULAR, size)
            y -= leading
        self.y = top - height - 8

    def bullet(self, lead: str, text: str, size: float = 10.5, leading: float = 16) -> None:
        indent = 16
        lead_width = text_width(lead + " ", BOLD, size)
        width = TEXT_WIDTH - indent
        lines = wrap(text, REGULAR, size, width, first_width=width - lead_width)
        self.need(leading * len(lines))
        for index, line in enumerate(lines):
            y = self.y - leading + 4
            if index == 0:
                self.page.text(MARGIN + 2, y, "•", BOLD, size, ACCENT)
                self.page.text(MARGIN + indent, y, lead, BOLD, size)
                self.page.text(MARGIN + indent + lead_width, y, line, REGULAR, size)
            else:
                self.page.text(MARGIN + indent, y, line, REGULAR, size)
            self.y -= leading


def _title_page() -> _Page:
    page = _Page()
    band_bottom = PAGE_HEIGHT - 330
    page.rect(0, band_bottom, PAGE_WIDTH, PAGE_HEIGHT - band_bottom, NAVY)
    page.rect(0, band_bottom, PAGE_WIDTH, 5, ACCENT)
    page.text(MARGIN, PAGE_HEIGHT - 70, SITE_NAME.upper(), BOLD, 13, WHITE)
    y = PAGE_HEIGHT - 160
    for line in wrap(TITLE, BOLD, 34, TEXT_WIDTH):
        page.text(MARGIN, y, line, BOLD, 34, WHITE)
        y -= 42
    page.text(MARGIN, y - 6, SUBTITLE, REGULAR, 16, (0.70, 0.80, 0.95))

    y = band_bottom - 55
    for line in wrap(TAGLINE, REGULAR, 13, TEXT_WIDTH):
        page.text(MARGIN, y, line, REGULAR, 13)
        y -= 19
    y -= 30
    page.text(MARGIN, y, "AU SOMMAIRE", BOLD, 10, ACCENT)
    page.hline(MARGIN, MARGIN + 40, y - 7, ACCENT, 1.5)
    y -= 30
    for title in [INTRO_TITLE] + [section[0] for section in SECTIONS] + [CHECKLIST_TITLE]:
        page.text(MARGIN, y, title, REGULAR, 12)
        y -= 21

    page.hline(MARGIN, PAGE_WIDTH - MARGIN, 78, RULE)
    page.text(MARGIN, 58, f"Un guide {SITE_NAME}", BOLD, 10, INK)
    page.text_right(PAGE_WIDTH - MARGIN, 58, SUBTITLE, REGULAR, 10, MUTED)
    return page


def _footer(page: _Page, number: int, count: int) -> None:
    page.hline(MARGIN, PAGE_WIDTH - MARGIN, 52, RULE)
    page.text(MARGIN, 36, f"{SITE_NAME} · {TITLE} · {SUBTITLE}", REGULAR, 8, MUTED)
    page.text_right(PAGE_WIDTH - MARGIN, 36, f"Page {number} / {count}", REGULAR, 8, MUTED)


def _layout() -> list[_Page]:
    pages = [_title_page()]
    flow = _Flow(pages)
    flow.heading(INTRO_TITLE)
    for paragraph in INTRO:
        flow.paragraph(paragraph)
    for title, paragraphs, prompt in SECTIONS:
        flow.heading(title)
        for paragraph in paragraphs[:-1]:
            flow.paragraph(paragraph)
        # Keep the last paragraph on the same page as the example that illustrates it.
        last = paragraphs[-1]
        flow.need(len(flow.paragraph_lines(last)) * BODY_LEADING + 8 + flow.example_height(prompt))
        flow.paragraph(last)
        flow.example(prompt)
    flow.heading(CHECKLIST_TITLE)
    for lead, text in CHECKLIST:
        flow.bullet(lead, text)
    for number, page in enumerate(pages[1:], start=2):
        _footer(page, number, len(pages))
    return pages


# --- PDF file ------------------------------------------------------------------------------


def _serialize(objects: list[bytes]) -> bytes:
    """Number `objects` from 1, then write the file with its xref table and trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_offset = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_offset,
    )
    return bytes(out)


def guide_pdf() -> bytes:
    """The demo guide as the bytes of a PDF 1.4 file (A4, deterministic)."""
    pages = _layout()
    first_page = 6  # objects 1-5: catalog, page tree, two fonts, document info
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Lang (fr-FR) >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
    ]
    for name in (REGULAR, BOLD):
        objects.append(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
            % _BASE_FONTS[name].encode()
        )
    objects.append(
        b"<< /Title %s /Author %s /Creator %s /Producer (store.downloads.demo_pdf) "
        b"/CreationDate (D:20260101000000Z) >>"
        % (pdf_string(TITLE), pdf_string(SITE_NAME), pdf_string(SITE_NAME))
    )
    for index, page in enumerate(pages):
        content = page.content()
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>"
            % (_num(PAGE_WIDTH), _num(PAGE_HEIGHT), first_page + 2 * index + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    return _serialize(objects)
