"""The account pages' interface catalogue (openbch/accounts/locale): French and Spanish complete, the
.mo files current, the registration and sign-in pages in the reader's language (Arabic right to left)."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.test import Client

from tests.web.test_i18n import _entries

LOCALE = Path(__file__).resolve().parents[2] / "src" / "openbch" / "accounts" / "locale"

pytestmark = pytest.mark.django_db


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
    [
        ("fr", ["Créer un compte", "Nom affiché", "Adresse électronique", "J'ai un compte : me connecter"]),
        ("es", ["Crear una cuenta", "Nombre visible", "Contraseña, otra vez"]),
        ("ar", ['dir="rtl"', "إنشاء حساب", "الاسم المعروض", "عنوان البريد الإلكتروني", "كلمة المرور مرة أخرى"]),
        ("zh", ["创建账户", "显示名称"]),
        ("ru", ["Создать учётную запись", "Отображаемое имя"]),
    ],
)
def test_the_registration_page_speaks_the_page_language(client: Client, language: str, words: list[str]) -> None:
    page = client.get(f"/{language}/accounts/register/").content.decode().replace("&#x27;", "'")
    for word in words:
        assert word in page, (language, word)


def test_a_wrong_password_is_refused_in_french(client: Client) -> None:
    page = client.post(
        "/accounts/login/", {"username": "nobody", "password": "wrong"}, headers={"accept-language": "fr"}
    ).content.decode()
    assert "Le nom d&#x27;utilisateur ou le mot de passe est incorrect." in page
