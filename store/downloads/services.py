"""Files sold as downloads: storing what the admin uploads, and handing it to buyers.

Files live in DOWNLOADS_FOLDER (instance/downloads by default), outside static/, under a
random name: no URL leads to them. A buyer gets links from /account that are signed for them,
expire (DOWNLOAD_LINK_HOURS) and count against DOWNLOAD_LIMIT downloads per order; each
download checks again that the order (or its subscription) still gives the file.
"""

import logging
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from babel.units import format_unit
from flask import current_app, url_for
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.utils import secure_filename

from store.catalog.models import Product
from store.database import utcnow
from store.downloads.models import DownloadCount
from store.extensions import db

logger = logging.getLogger(__name__)

#: what may be sold, recognised by the first bytes of the file, never by its name
_PDF = ("pdf", "application/pdf")
_ZIP = ("zip", "application/zip")
_EPUB = ("epub", "application/epub+zip")


class UploadError(ValueError):
    """The uploaded file cannot be sold (its message says why, for the admin)."""


@dataclass(frozen=True)
class StoredFile:
    key: str
    name: str
    size: int
    type: str


def sniff_type(head: bytes, stream: IO[bytes]) -> tuple[str, str] | None:
    """(extension, media type) of a PDF, EPUB or ZIP file from its content, else None."""
    if head.startswith(b"%PDF-"):
        return _PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
                if "mimetype" in names and archive.read("mimetype") == b"application/epub+zip":
                    return _EPUB
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
            return None
        return _ZIP
    return None


def check_upload(stream: IO[bytes], max_bytes: int) -> tuple[int, tuple[str, str]]:
    """The size and kind of an uploaded file; UploadError when it is empty, too large or not a
    PDF, EPUB or ZIP file."""
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadError("empty")
    if size > max_bytes:
        raise UploadError("too_large")
    kind = sniff_type(stream.read(8), stream)
    stream.seek(0)
    if kind is None:
        raise UploadError("type")
    return size, kind


def safe_name(original: str, fallback: str, extension: str) -> str:
    """The name the buyer receives: ASCII letters, digits, dots, dashes; the right extension."""
    stem = secure_filename(original or "").rsplit(".", 1)[0]
    # secure_filename keeps the ".." of a path ("a/../b" -> "a_.._b"): drop them, and the
    # runs of separators left where brackets or slashes were.
    stem = re.sub(r"[._-]*\.\.[._-]*", "_", stem)
    stem = re.sub(r"([._-])[._-]+", r"\1", stem)[:100].strip("._-")
    return f"{stem or fallback}.{extension}"


def folder() -> Path:
    path = Path(current_app.config["DOWNLOADS_FOLDER"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_file(stream: IO[bytes], original_name: str, fallback_name: str) -> StoredFile:
    """Check an uploaded file and keep it under a random name; returns what the product keeps."""
    size, (extension, media_type) = check_upload(stream, current_app.config["DOWNLOAD_MAX_BYTES"])
    key = f"{secrets.token_hex(16)}.{extension}"
    target = folder() / key
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            out.write(chunk)
    partial.replace(target)
    logger.info("download file %s stored (%d bytes, %s)", key, size, media_type)
    return StoredFile(key, safe_name(original_name, fallback_name, extension), size, media_type)


def attach_file(product: Product, stored: StoredFile) -> str | None:
    """Make `stored` the product's file; returns the key of the file it replaces, if any."""
    old = product.file_key
    product.file_key = stored.key
    product.file_name = stored.name
    product.file_size = stored.size
    product.file_type = stored.type
    return old if old != stored.key else None


def delete_stored(key: str | None) -> None:
    """Remove a file no product uses any more (after the change was committed)."""
    if key and "/" not in key and "\\" not in key:
        (folder() / key).unlink(missing_ok=True)


def path_of(product: Product) -> Path:
    return folder() / (product.file_key or "")


def format_file_size(size: int | None) -> str:
    """A file size as people read it, in the page's language: "13 ko", "2,4 MB"."""
    size = size or 0
    if size < 1024 * 1024:
        return format_unit(
            max(1, round(size / 1024)), "digital-kilobyte", length="short", locale=get_locale()
        )
    return format_unit(
        size / 1024 / 1024,
        "digital-megabyte",
        length="short",
        locale=get_locale(),
        format="#,##0.0",
    )


# --- links and counts ------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="download-link")


def download_url(order_id: int, product_id: int, user_id: int) -> str:
    """A link for this buyer to this order's file, valid DOWNLOAD_LINK_HOURS."""
    token = _serializer().dumps([order_id, product_id, user_id])
    return url_for("downloads.download", token=token)


class LinkExpired(Exception):
    """The link was genuine but is too old."""


def read_link(token: str) -> tuple[int, int, int] | None:
    """(order id, product id, user id) of a genuine, unexpired link; None for a forged one."""
    max_age = int(current_app.config["DOWNLOAD_LINK_HOURS"] * 3600)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpired() from None
    except (BadSignature, ValueError, UnicodeError):
        return None
    if (
        isinstance(data, list)
        and len(data) == 3
        and all(isinstance(n, int) and not isinstance(n, bool) for n in data)
    ):
        return data[0], data[1], data[2]
    return None


def downloads_of_orders(order_ids: list[int]) -> dict[tuple[int, int], int]:
    """(order id, product id) → downloads used, for these orders, in one query."""
    rows = db.session.execute(
        sa.select(DownloadCount.order_id, DownloadCount.product_id, DownloadCount.downloads).where(
            DownloadCount.order_id.in_(order_ids)
        )
    )
    return {(order_id, product_id): used for order_id, product_id, used in rows}


def downloads_used(order_id: int, product_id: int) -> int:
    count = db.session.scalar(
        sa.select(DownloadCount.downloads).where(
            DownloadCount.order_id == order_id, DownloadCount.product_id == product_id
        )
    )
    return count or 0


def take_download(order_id: int, product_id: int) -> bool:
    """Count one download if the order has any left (atomically: concurrent clicks cannot pass
    the limit); False when the limit is reached."""
    limit = current_app.config["DOWNLOAD_LIMIT"]
    for _ in range(2):
        taken = db.session.execute(
            sa.update(DownloadCount)
            .where(
                DownloadCount.order_id == order_id,
                DownloadCount.product_id == product_id,
                DownloadCount.downloads < limit,
            )
            .values(downloads=DownloadCount.downloads + 1, last_download_at=utcnow())
            .returning(DownloadCount.downloads)
        ).first()
        if taken is not None:
            return True
        if downloads_used(order_id, product_id) or limit <= 0:
            return False
        try:
            with db.session.begin_nested():
                db.session.add(
                    DownloadCount(
                        order_id=order_id,
                        product_id=product_id,
                        downloads=1,
                        last_download_at=utcnow(),
                    )
                )
            return True
        except IntegrityError:
            continue  # a concurrent first download created the row: count against it
    return False


def downloads_by_product(order_id: int) -> dict[int, int]:
    """How many times each file of an order was downloaded, by product id."""
    counts = db.session.scalars(sa.select(DownloadCount).where(DownloadCount.order_id == order_id))
    return {count.product_id: count.downloads for count in counts}
