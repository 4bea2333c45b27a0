"""The notification pages' interface catalogue (openbch/notifications/locale): French and Spanish
complete, the .mo files current, every string the app marks found at run time in the five other
languages, the pages in the reader's language."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from tests.participation.conftest import World
from tests.web.test_i18n import _entries

APP = Path(__file__).resolve().parents[2] / "src" / "openbch" / "notifications"
LOCALE = APP / "locale"
LANGUAGES = ["fr", "es", "ar", "zh", "ru"]


def _marked_strings() -> set[str]:
    """The strings the app's templates and modules mark for translation (no plurals there)."""
    found: set[str] = set()
    for path in [*APP.glob("templates/**/*.html"), *APP.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        found.update(a or b for a, b in re.findall(r"""\{%\s*translate\s+(?:"([^"]+)"|'([^']+)')""", text))
        found.update(re.findall(r"""\bgettext(?:_lazy)?\(\s*"([^"]+)"\s*\)""", text))
        for block in re.findall(r"\{%\s*blocktranslate[^%]*%\}(.*?)\{%\s*endblocktranslate\s*%\}", text, re.S):
            found.add(re.sub(r"\{\{\s*(\w+)\s*\}\}", r"%(\1)s", block))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_of_the_app_is_found_at_run_time(language: str) -> None:
    marked = _marked_strings()
    assert "My subscriptions" in marked and "Stop e-mail about %(what)s?" in marked  # the scan finds them
    # the merged catalogue Django builds from every app's locale folder, as the pages use it
    merged = translation.trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    missing = sorted(m for m in marked if not merged.get(m))
    assert missing == []


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["Mes abonnements", "Vous ne suivez encore rien."]),
        ("es", ["Mis suscripciones", "Aún no sigue nada."]),
        ("ar", ["اشتراكاتي", "لا تتابع أي شيء حتى الآن."]),
        ("zh", ["我的订阅"]),
        ("ru", ["Мои подписки"]),
    ],
)
def test_my_subscriptions_speaks_the_page_language(world: World, language: str, words: list[str]) -> None:
    browser = Client()
    browser.force_login(User.objects.create(username="lectrice"))
    page = browser.get(f"/{language}/subscriptions/").content.decode()
    for word in words:
        assert word in page


def test_a_broken_unsubscribe_link_is_explained_in_french(world: World, client: Client) -> None:
    page = client.get("/fr/unsubscribe/not-a-token/").content.decode()
    assert "Lien non valide" in page
    assert "Rien n'a été changé." in page or "Rien n&#x27;a été changé." in page
