"""Text as it enters the store: one line-ending convention, applied once, at the door.

Browsers send a textarea's line breaks as CRLF (the HTML standard says so); old Macs and
some tools send a lone CR. Everything the store keeps and cuts (Markdown bodies, comments,
descriptions) is written with LF only, so that code splitting or parsing text never meets
the other two.
"""

from flask import Request


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class StoreRequest(Request):
    """Flask's request, whose form values arrive with LF line endings only."""

    def _load_form_data(self) -> None:
        # Werkzeug parses the body here, whatever is read first (form, files, values); the
        # normalised form replaces the parsed one before any view or form sees it.
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any("\r" in value for value in form.values()):
            self.__dict__["form"] = type(form)(
                [(key, normalise_newlines(value)) for key, value in form.items(multi=True)]
            )
