"""The certificate as a PDF (fpdf2): the name printed, the course, the date, a code and its QR code.

The PDF is drawn from the :class:`~openbch.learning.models.Certificate` row whenever it is
downloaded, so a revoked certificate's file says so too. The verification address printed and
encoded in the QR code (``/<lang>/verify/<code>/``) is the proof; the file is only a copy of it.

Fonts are shipped in ``fonts/`` (never read from the system at run time): DejaVu Sans (Bitstream
Vera licence) covers Latin, Greek, Cyrillic and Arabic letters; Droid Sans Fallback (Apache 2.0)
covers Chinese, Japanese and Korean. fpdf2 switches to the fallback per character. Arabic is drawn
letter by letter without contextual shaping (that needs HarfBuzz, which openbch does not depend
on): names stay legible to a machine and to the verification page, which shows them as text.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import segno
from django.utils.translation import gettext
from fpdf import FPDF

from openbch.core.multilingual import localized_text
from openbch.learning.catalogue import Catalogue, catalogue, package_folder
from openbch.learning.models import Certificate

__all__ = ["certificate_pdf", "fonts_folder"]


def fonts_folder() -> Path:
    return package_folder() / "fonts"


@functools.cache
def _dejavu_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # fpdf2's own dependency, untyped

    with TTFont(str(fonts_folder() / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


def _needs_fallback(texts: Iterable[str]) -> bool:
    """Whether some character is not in DejaVu (loading the CJK font costs more than the rest)."""
    covered = _dejavu_characters()
    return any(ord(ch) not in covered for text in texts for ch in text if not ch.isspace())


def _qr_png(url: str) -> io.BytesIO:
    out = io.BytesIO()
    segno.make_qr(url.encode("utf-8"), error="m", mode="byte").save(out, kind="png", scale=8, border=2)
    out.seek(0)
    return out


def _modules(course_modules: Sequence[str], cat: Catalogue, language: str) -> list[str]:
    titles = []
    for slug in course_modules:
        module = cat.modules.get(slug)
        titles.append((localized_text(module.title, language) if module else None) or slug)
    return titles


def certificate_pdf(certificate: Certificate, *, verify_url: str, language: str = "en") -> bytes:
    """The PDF of ``certificate``; ``verify_url`` is the absolute address of its verification page."""
    cat = catalogue()
    course = cat.course(certificate.course)
    course_title = (localized_text(course.title, language) if course else None) or certificate.course
    folder = fonts_folder()
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(f"{course_title}: {certificate.name_printed}")
    pdf.set_author("openbch Biosafety Clearing-House")
    pdf.set_creator("openbch")
    pdf.add_font("dejavu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("dejavu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    modules = _modules(course.modules, cat, language) if course else []
    if _needs_fallback([certificate.name_printed, course_title, *modules]):
        pdf.add_font("droid", "", str(folder / "DroidSansFallbackFull.ttf"))
        pdf.set_fallback_fonts(["droid"], exact_match=False)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    pdf.set_draw_color(31, 92, 77)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, pdf.w - 22, pdf.h - 22)

    pdf.set_text_color(31, 92, 77)
    pdf.set_font("dejavu", "B", 12)
    pdf.set_y(20)
    pdf.cell(
        width, 8, gettext("openbch — Biosafety Clearing-House e-learning"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("dejavu", "B", 30)
    pdf.ln(6)
    pdf.cell(width, 14, gettext("Certificate of completion"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("dejavu", "", 13)
    pdf.ln(6)
    pdf.cell(width, 8, gettext("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "B", 24)
    pdf.ln(2)
    pdf.multi_cell(width, 12, certificate.name_printed, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 13)
    pdf.ln(2)
    pdf.cell(width, 8, gettext("has completed the course"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "B", 17)
    pdf.multi_cell(width, 9, course_title, align="C", new_x="LMARGIN", new_y="NEXT")
    if modules:
        pdf.set_font("dejavu", "", 9.5)
        pdf.ln(1)
        pdf.multi_cell(width, 5, " · ".join(modules), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 11)
    pdf.ln(3)
    issued = certificate.issued_at.date().isoformat()
    pdf.cell(width, 7, gettext("Issued on %(date)s") % {"date": issued}, align="C", new_x="LMARGIN", new_y="NEXT")
    if certificate.revoked_at is not None:
        pdf.set_text_color(170, 0, 0)
        pdf.set_font("dejavu", "B", 16)
        revoked = certificate.revoked_at.date().isoformat()
        pdf.cell(width, 9, gettext("REVOKED on %(date)s") % {"date": revoked}, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)

    qr_size = 38
    bottom = pdf.h - 18
    pdf.image(_qr_png(verify_url), x=pdf.w - 18 - qr_size, y=bottom - qr_size, w=qr_size, h=qr_size)
    pdf.set_xy(20, bottom - 24)
    pdf.set_font("dejavu", "", 10)
    pdf.cell(0, 6, gettext("Verification code"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font("dejavu", "B", 15)
    pdf.cell(0, 8, certificate.code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font("dejavu", "", 9)
    pdf.cell(0, 6, gettext("Check it at %(url)s") % {"url": verify_url}, link=verify_url)
    return bytes(pdf.output())
