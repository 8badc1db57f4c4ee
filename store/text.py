"""What enters the store, at the door: one line-ending convention, and no body cut short.

Browsers send a textarea's line breaks as CRLF (the HTML standard says so); old Macs and
some tools send a lone CR. Everything the store keeps and cuts (Markdown bodies, comments,
descriptions) is written with LF only, so that code splitting or parsing text never meets
the other two.

A body sent in chunks (`Transfer-Encoding: chunked`, no Content-Length) is only known to be
too large once it has been read past the limit. Werkzeug reads such a body whole (`get_data`)
up to the limit and stops there without a word: the webhook read a cut body. Here one byte
more than the limit is a 413, as a Content-Length over the limit is.
"""

import typing as t

from flask import Request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream


class BoundedStream(LimitedStream):
    """A body of unknown length, read up to a maximum: reading all of it raises 413 when more
    was sent (Werkzeug 3.1's LimitedStream returns the first `limit` bytes)."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class StoreRequest(Request):
    """Flask's request, whose form values arrive with LF line endings only, and whose body is
    never cut at the size limit without a 413."""

    @cached_property
    def stream(self) -> t.IO[bytes]:
        # Werkzeug's own, but for a body the server ends itself (chunked): bounded strictly.
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True'.")
        if (
            self.content_length is None
            and "wsgi.input_terminated" in self.environ
            and self.max_content_length is not None
        ):
            return t.cast(
                t.IO[bytes],
                BoundedStream(self.environ["wsgi.input"], self.max_content_length, is_max=True),
            )
        return get_input_stream(self.environ, max_content_length=self.max_content_length)

    def _load_form_data(self) -> None:
        # Werkzeug parses the body here, whatever is read first (form, files, values); the
        # normalised form replaces the parsed one before any view or form sees it.
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any("\r" in value for value in form.values()):
            self.__dict__["form"] = type(form)(
                [(key, normalise_newlines(value)) for key, value in form.items(multi=True)]
            )
