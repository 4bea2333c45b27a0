"""The participation pages' interface catalogue (openbch/participation/locale): French and Spanish
complete, the .mo files current, the pages in the reader's language."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.test import Client

from tests.web.test_i18n import _entries

from .conftest import World

LOCALE = Path(__file__).resolve().parents[2] / "src" / "openbch" / "participation" / "locale"


@pytest.mark.parametrize("language", ["fr", "es", "ar", "zh", "ru"])
def test_the_catalogue_is_compiled_and_the_mo_matches(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for _, msgid, forms in _entries(po):
        if len(forms) == 1 and forms[0]:
            assert catalogue.gettext(msgid) == forms[0], f"{language}: the .mo is older than the .po for {msgid!r}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_are_complete(language: str) -> None:
    untranslated = [m for _, m, forms in _entries(LOCALE / language / "LC_MESSAGES" / "django.po") if not all(forms)]
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", ["Forums et débats", "Débats en ligne"]), ("es", ["Foros y debates"]), ("ar", ["المنتديات"])],
)
def test_the_forums_page_speaks_the_page_language(
    world: World, client: Client, language: str, words: list[str]
) -> None:
    page = client.get(f"/{language}/forums/").content.decode()
    for word in words:
        assert word in page
