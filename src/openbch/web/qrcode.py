"""The LMO page's QR code, made by segno: an identifier and a link for shipping documents, as SVG.

What is ours is the choice: byte mode over the UTF-8 bytes (segno would pick ISO 8859-1 for text
such as ``Ø``, which readers then show in their own guess of the encoding), error correction
level M, and at most version 10 (57 modules, :data:`MAX_BYTES` bytes), so the symbol printed at the
page's 160 pixels keeps modules of at least two pixels. The SVG is drawn on the server,
with no script in the page.
"""

from __future__ import annotations

import io

import segno

__all__ = ["MAX_BYTES", "encode", "to_svg"]

#: the bytes a version 10 symbol holds at level M in byte mode (ISO/IEC 18004, table 7)
MAX_BYTES = 213
_MAX_VERSION = 10
_QUIET_ZONE = 4


def encode(text: str | bytes) -> segno.QRCode:
    """The smallest level-M symbol (version 1–10) of ``text``'s UTF-8 bytes.

    Raises ValueError when it needs more than version 10 (more than :data:`MAX_BYTES` bytes).
    """
    payload = text.encode("utf-8") if isinstance(text, str) else text
    if len(payload) > MAX_BYTES:
        raise ValueError(f"{len(payload)} bytes do not fit in a version 1-10 QR code (at most {MAX_BYTES})")
    # boost_error=False: level M whatever the text (segno would raise the level where the version has room)
    code = segno.make_qr(payload, error="m", mode="byte", boost_error=False)
    assert code.version is not None and int(code.version) <= _MAX_VERSION  # MAX_BYTES says so
    return code


def to_svg(code: segno.QRCode, *, title: str = "") -> str:
    """A standalone SVG document with a white quiet zone; a viewBox and no size, so it scales sharp."""
    out = io.BytesIO()
    code.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        title=title or None,  # segno escapes it
        border=_QUIET_ZONE,
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass=None,
        lineclass=None,
        nl=False,
    )
    return out.getvalue().decode("utf-8")
