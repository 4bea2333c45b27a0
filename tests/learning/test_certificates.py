"""The certificate PDF: drawn with the shipped fonts (never the system's), for any script."""

from __future__ import annotations

import pytest
from django.utils import timezone

from openbch.learning.certificates import certificate_pdf, fonts_folder
from openbch.learning.models import Certificate

URL = "http://127.0.0.1:8000/en/verify/ABCDE-FGHJK-MNPQR-STVWX/"


def certificate(name: str, **extra: object) -> Certificate:
    return Certificate(
        code="ABCDE-FGHJK-MNPQR-STVWX", course="customs-test", name_printed=name, issued_at=timezone.now(), **extra
    )


def in_title(name: str, data: bytes) -> bool:
    """Whether the PDF's title (information dictionary) names ``name``: as ASCII text, or as the
    UTF-16 hex string fpdf2 writes for other text."""
    return name.encode("ascii", "ignore") in data if name.isascii() else name.encode("utf-16-be").hex().encode() in data


def test_the_fonts_are_shipped_with_their_licences() -> None:
    names = {p.name for p in fonts_folder().iterdir()}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DroidSansFallbackFull.ttf"} <= names
    assert {"LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt", "APACHE-2.0.txt"} <= names


@pytest.mark.parametrize("name", ["Amina Diallo", "Олег Петров", "Ελένη Παπαδοπούλου", "张伟", "José Ñúñez"])
def test_a_certificate_is_a_pdf_naming_its_holder(name: str) -> None:
    data = certificate_pdf(certificate(name), verify_url=URL)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert in_title(name, data)
    assert b"/Subtype /Image" in data  # the QR code
    assert (b"DroidSansFallback" in data) == (name == "张伟")  # the CJK font only when needed


def test_a_revoked_certificate_says_so() -> None:
    valid = certificate_pdf(certificate("Amina Diallo"), verify_url=URL)
    revoked = certificate_pdf(certificate("Amina Diallo", revoked_at=timezone.now()), verify_url=URL)
    assert valid != revoked and len(revoked) > len(valid)
