"""The border check's interface catalogue (openbch/customs/locale): French and Spanish complete, .mo current."""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import pytest

from tests.web.test_i18n import _entries

LOCALE = Path(__file__).resolve().parents[2] / "src" / "openbch" / "customs" / "locale"
JURISDICTIONS = LOCALE.parent / "data" / "jurisdictions.json"


@pytest.mark.parametrize("language", ["fr", "es", "ar", "zh", "ru"])
def test_the_catalogue_is_compiled_and_the_mo_matches(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for _, msgid, forms in _entries(po):
        if len(forms) == 1 and forms[0]:
            assert catalogue.gettext(msgid) == forms[0], f"{language}: the .mo is older than the .po for {msgid!r}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_are_complete_and_cover_the_jurisdiction_notes(language: str) -> None:
    entries = {msgid: forms for _, msgid, forms in _entries(LOCALE / language / "LC_MESSAGES" / "django.po")}
    assert all(all(forms) for forms in entries.values())
    for rule in json.loads(JURISDICTIONS.read_text(encoding="utf-8"))["jurisdictions"].values():
        for text in (rule.get("note"), rule.get("stacks_basis")):
            if text:
                assert text in entries, text[:60]


@pytest.mark.parametrize("language", ["ar", "zh", "ru"])
def test_the_other_languages_have_the_verdicts_and_the_form(language: str) -> None:
    translated = {m for _, m, forms in _entries(LOCALE / language / "LC_MESSAGES" / "django.po") if all(forms)}
    required = {
        "Border check",
        "Authorised",
        "Not authorised",
        "No decision found",
        "Importing country",
        "Intended use",
    }
    assert required <= translated
