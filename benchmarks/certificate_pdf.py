"""Certificate PDF generation (fpdf2, shipped fonts, QR code): time per certificate, p50/p95.

Usage: python benchmarks/certificate_pdf.py [--runs 100] [--exercises 20]

In process, no server: draws the certificate of the shipped customs course for holders whose
names need only the Latin font, Cyrillic (still DejaVu), and Chinese (DejaVu plus the Droid Sans
Fallback font, loaded only for such names), ``--runs`` times each, and prints p50/p95 and the PDF's
size. With ``--exercises N`` it also loads the demo data into a fresh SQLite folder and times the
generation of N border-check exercises (a sample of the published LMOs asked of the border check,
the document written, the border check asked again for the answer): the work added to starting a
quiz attempt whose draw includes an exercise.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = {
    "latin": "Amina Diallo-Ngozi",
    "cyrillic": "Олег Петрович Смирнов",
    "chinese": "张伟 (Zhang Wei)",
}


def _quantiles(seconds: list[float]) -> tuple[float, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--exercises", type=int, default=0)
    args = parser.parse_args()

    os.environ.setdefault("OPENBCH_DATA_DIR", tempfile.mkdtemp(prefix="openbch-certificate-bench-"))
    os.environ.setdefault("OPENBCH_SECRET_KEY", "benchmark only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openbch.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.utils import timezone

    from openbch.learning.catalogue import catalogue
    from openbch.learning.certificates import certificate_pdf
    from openbch.learning.models import Certificate
    from openbch.learning.services import new_code

    course = next(c for c in catalogue().courses if c.audience == "customs")
    print(f"certificate PDF of course {course.slug!r}, {args.runs} runs per name (in process)")
    for kind, name in NAMES.items():
        certificate = Certificate(code=new_code(), course=course.slug, name_printed=name, issued_at=timezone.now())
        url = f"https://bch.example.org/en/verify/{certificate.code}/"
        certificate_pdf(certificate, verify_url=url)  # fonts parsed and cached by the first
        seconds = []
        size = 0
        for _ in range(args.runs):
            started = time.perf_counter()
            size = len(certificate_pdf(certificate, verify_url=url))
            seconds.append(time.perf_counter() - started)
        p50, p95 = _quantiles(seconds)
        print(f"  {kind:<9} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {size / 1024:6.1f} KiB")

    if args.exercises:
        from django.core.management import call_command

        from openbch.cli import demo_data_files
        from openbch.core.actors import SYSTEM
        from openbch.learning.exercises import make_exercise
        from openbch.records.load import load_files

        call_command("migrate", verbosity=0, interactive=False)
        load_files(SYSTEM, demo_data_files())
        questions = [q for m in catalogue().modules.values() for q in m.questions if q.kind == "border-check"]
        seconds = []
        for n in range(args.exercises):
            question = questions[n % len(questions)]
            started = time.perf_counter()
            make_exercise(question, random.Random(n))
            seconds.append(time.perf_counter() - started)
        p50, p95 = _quantiles(seconds)
        print(f"border-check exercise generation ({len(questions)} questions in the bank, demo data, SQLite)")
        print(f"  {args.exercises} exercises: p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")


if __name__ == "__main__":
    main()
