"""Files attached to posts: what is allowed, how it is checked, where the bytes are kept.

Allowed are PDF, PNG, JPEG, plain text and the office formats ODT and DOCX, at most
``OPENBCH_ATTACHMENT_MAX_BYTES`` each (default 5 MB) and ``MAX_PER_POST`` (3) per post.

The type is found from the file's first bytes, never from its name or from what the browser
says: a program renamed ``report.pdf`` is refused. No content-sniffing library is installed here
(python-magic needs libmagic, puremagic/filetype are not kept), and the allow-list is five formats
whose signatures are fixed and documented, so the few magic numbers are checked here:

* PDF ``%PDF-``; PNG ``\\x89PNG\\r\\n\\x1a\\n``; JPEG ``\\xff\\xd8\\xff``;
* ODT and DOCX are ZIP files (``PK\\x03\\x04``): ODT's first entry is the uncompressed
  ``mimetype`` file holding ``application/vnd.oasis.opendocument.text``; a DOCX is told by its
  ``[Content_Types].xml`` naming the WordprocessingML main part (read with :mod:`zipfile`);
* plain text: valid UTF-8 without NUL bytes or other control characters than tab, CR, LF and FF
  (so a binary with a ``.txt`` name is refused).

The bytes are stored in the data folder (``DATA_DIR/attachments/ab/abcdef…``) under their SHA-256:
a name a user gave never becomes a path, and one file attached to many posts is kept once. The
name shown is cleaned (:func:`safe_filename`): no directories, no control or bidirectional-override
characters, no quotes, at most 200 characters, with the extension of the type found.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from openbch.core.errors import Issue

__all__ = [
    "ALLOWED",
    "MAX_PER_POST",
    "Upload",
    "detect_type",
    "max_bytes",
    "path_of",
    "safe_filename",
    "store",
    "upload_issues",
]

MAX_PER_POST = 3
MAX_FILENAME = 200
#: content type -> the extension a file of that type is given when its name has another
ALLOWED = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_EXTENSIONS = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "text/plain": {".txt", ".text", ".md", ".csv"},
    "application/vnd.oasis.opendocument.text": {".odt"},
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {".docx"},
}
_ODT = b"mimetypeapplication/vnd.oasis.opendocument.text"
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
#: control characters allowed in plain text
_TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}
#: characters never kept in a shown name: path separators, quotes (Content-Disposition), and
#: what could hide the real extension (bidirectional overrides and isolates, zero-width marks)
_UNSAFE_NAME = re.compile(r"[\\/\"'`<>:|?*;\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as given and its bytes."""

    filename: str
    data: bytes


def max_bytes() -> int:
    return int(getattr(settings, "OPENBCH_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def _zip_type(data: bytes) -> str | None:
    if data[30:30 + len(_ODT)] == _ODT:  # fmt: skip
        return "application/vnd.oasis.opendocument.text"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("[Content_Types].xml") as types:
            # the table is small; a bomb posing as one is cut at 1 MB
            listing = types.read(1024 * 1024).decode("utf-8", "replace")
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, ValueError, EOFError):
        return None
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document" if _DOCX_MAIN in listing else None


def _is_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text)


def detect_type(data: bytes) -> str | None:
    """The allowed content type ``data`` is, from its first bytes; None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if data and _is_text(data):
        return "text/plain"
    return None


def safe_filename(name: str, content_type: str) -> str:
    """``name`` fit to show and to put in a Content-Disposition header, ending as ``content_type`` does."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE_NAME.sub("_", base).strip(" ._") or "attachment"
    stem, extension = os.path.splitext(base)
    if extension.lower() not in _EXTENSIONS[content_type]:
        stem, extension = base, ALLOWED[content_type]
    return stem[: MAX_FILENAME - len(extension)] + extension.lower()


def upload_issues(uploads: list[Upload], *, already: int = 0, path: str = "/attachments") -> list[Issue]:
    """Every problem with ``uploads`` (too many, too big, a type not allowed), each naming its field."""
    issues: list[Issue] = []
    if already + len(uploads) > MAX_PER_POST:
        issues.append(Issue(path, "too_many_files", f"at most {MAX_PER_POST} files per post"))
    limit = max_bytes()
    for n, upload in enumerate(uploads):
        where = f"{path}/{n}"
        label = upload.filename[:100] or "the file"
        if len(upload.data) > limit:
            issues.append(Issue(where, "file_too_large", f"{label!r} is larger than {limit // (1024 * 1024)} MB"))
        elif not upload.data:
            issues.append(Issue(where, "empty_file", f"{label!r} is empty"))
        elif detect_type(upload.data) is None:
            issues.append(
                Issue(where, "file_type_not_allowed", f"{label!r} is not a PDF, PNG, JPEG, text, ODT or DOCX file")
            )
    return issues


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def path_of(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a SHA-256")
    return _folder() / sha256[:2] / sha256


def store(data: bytes) -> str:
    """Keep ``data`` under its SHA-256 (once); the digest. Written aside and renamed, so a reader
    never sees half a file; a file left by a failed transaction is harmless (it is only content)."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_of(digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{digest}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)
    return digest
