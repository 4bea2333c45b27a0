"""Six interface languages, Arabic right to left, record content in the page language with marked fallbacks."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django.test import Client

from openbch.web.labels import RECORD_TYPE_LABELS

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "src" / "openbch" / "web" / "locale"
MON810 = quote("MON-ØØ81Ø-6")
#: the navigation, in every language
NAVIGATION = {
    "en": ("Search", "Countries", "Sign in"),
    "fr": ("Recherche", "Pays", "Se connecter"),
    "es": ("Buscar", "Países", "Iniciar sesión"),
    "ar": ("بحث", "البلدان", "تسجيل الدخول"),
    "zh": ("搜索", "国家", "登录"),
    "ru": ("Поиск", "Страны", "Войти"),
}


@pytest.mark.parametrize("language", sorted(NAVIGATION))
def test_every_interface_language_has_its_navigation_lang_and_direction(client: Client, language: str) -> None:
    response = client.get(f"/{language}/")
    assert response.status_code == 200
    page = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page
    for label in NAVIGATION[language]:
        assert label in page, (language, label)


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("fr", "Organismes vivants modifiés"),  # from the record-type definition
        ("es", "Organismos vivos modificados"),
        ("ar", "الكائنات الحية المحورة"),  # definitions have no Arabic: the interface catalogue's
        ("zh", "改性活生物体"),
        ("ru", "Живые измененные организмы"),
    ],
)
def test_record_type_labels_are_in_the_page_language(client: Client, language: str, label: str) -> None:
    assert label in client.get(f"/{language}/").content.decode()


def test_record_text_missing_in_the_page_language_falls_back_to_english_marked(client: Client) -> None:
    page = client.get(f"/fr/lmo/{MON810}/").content.decode()
    # decision titles exist in English only: shown in English, with lang="en" and the language named
    assert re.search(r'<span lang="en" dir="ltr" class="fallback">MON810 \(Corn\)[^<]*</span>', page)
    assert re.search(r'class="fallback-note">\(anglais\)</small>', page, re.I)
    # vocabulary labels the vocabulary has in French are not marked
    assert "Alimentation humaine" in page or "Nourriture" in page or "Food" not in page


def test_fallback_text_in_arabic_pages_keeps_its_own_direction(client: Client) -> None:
    page = client.get(f"/ar/lmo/{MON810}/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert '<span lang="en" dir="ltr" class="fallback">' in page


def test_the_language_links_keep_the_page_and_its_query(client: Client) -> None:
    page = client.get("/en/search/", {"q": "maize", "type": "LMO"}).content.decode()
    nav = page.split('id="languages"')[1].split("</nav>")[0]
    for code in ("ar", "zh", "fr", "ru", "es"):
        assert f'href="/{code}/search/?q=maize&amp;type=LMO" lang="{code}" hreflang="{code}"' in nav
    assert 'aria-current="true">English</a>' in nav


def test_the_search_page_speaks_the_page_language(client: Client) -> None:
    page = client.get("/fr/search/", {"q": "maize", "type": "LMO"}).content.decode()
    assert re.search(r"\d+ résultats", page)
    assert "Télécharger ces résultats" in page


# ---------------------------------------------------------------------------------------------
# the catalogues


def _entries(path: Path) -> list[tuple[str, str, list[str]]]:
    """(context, msgid, translations) of each entry of a .po file; the header is left out."""
    entries: list[tuple[str, str, list[str]]] = []
    values: dict[str, str] = {}
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if values.get("msgid"):
                forms = [v for k, v in sorted(values.items()) if k.startswith("msgstr")]
                entries.append((values.get("msgctxt", ""), values["msgid"], forms))
            values = {}
        elif line.startswith('"'):
            values[key] += ast.literal_eval(line)
        else:
            key, _, literal = line.partition(" ")
            values[key] = ast.literal_eval(literal)
    return entries


@pytest.mark.parametrize("language", ["fr", "es", "ar", "zh", "ru"])
def test_the_catalogues_are_compiled_and_the_mo_files_match(language: str) -> None:
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), f"compile {po} (django-admin compilemessages) and commit the .mo"
    with mo.open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for context, msgid, forms in _entries(po):
        if not forms[0]:
            continue
        if len(forms) == 1:
            shown = catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)
            assert shown == forms[0], f"{language}: the .mo is older than the .po for {msgid!r}"


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_are_complete(language: str) -> None:
    untranslated = [m for _, m, forms in _entries(LOCALE / language / "LC_MESSAGES" / "django.po") if not all(forms)]
    assert untranslated == []


@pytest.mark.parametrize("language", ["ar", "zh", "ru"])
def test_the_other_languages_have_at_least_the_navigation_and_record_type_labels(language: str) -> None:
    translated = {m for _, m, forms in _entries(LOCALE / language / "LC_MESSAGES" / "django.po") if all(forms)}
    required = {*RECORD_TYPE_LABELS, "Home", "Search", "Decisions", "Countries", "Sign in", "Language"}
    assert required <= translated


def test_every_record_type_label_is_in_the_catalogue() -> None:
    from openbch.recordtypes import record_types

    for record_type in record_types().values():
        assert record_type.label["en"] in RECORD_TYPE_LABELS
        assert record_type.label_plural["en"] in RECORD_TYPE_LABELS


def test_every_facet_label_is_in_the_catalogue_and_shown_translated(client: Client) -> None:
    from openbch.search.query import facet_catalogue
    from openbch.web.labels import FACET_LABELS

    for spec in facet_catalogue().facets.values():
        assert spec.label["en"] in FACET_LABELS
    page = client.get("/ar/search/", {"q": "maize"}).content.decode()
    assert "<h3>نوع السجل</h3>" in page and "<h3>السمات المحورة</h3>" in page
