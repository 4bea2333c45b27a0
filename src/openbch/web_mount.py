"""How the web interface is wired into the project: its URL patterns and the settings it needs.

``urlpatterns`` are the web pages under a language prefix (``/en/``, ``/fr/`` …, Django's
``i18n_patterns``). Django allows ``i18n_patterns`` only in the root URLconf, so the root adds
them to its own list rather than ``include()``-ing them::

    from openbch.web_mount import urlpatterns as web_urlpatterns
    urlpatterns = [...] + web_urlpatterns
    handler404 = "openbch.web.views.errors.not_found"   # HTML for pages, the API's problem body under /api/

``WEB_SETTINGS`` says what settings.py must contain; :func:`apply_web_settings` applies it to a
settings namespace (the test settings use it until settings.py has the entries; on settings that
already have them it changes nothing).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from django.urls import URLPattern, URLResolver

__all__ = ["WEB_SETTINGS", "SettingChange", "apply_web_settings"]  # and ``urlpatterns``, built on first use


def _urlpatterns() -> list[URLPattern | URLResolver]:
    from django.conf.urls.i18n import i18n_patterns
    from django.urls import include, path

    return list(i18n_patterns(path("", include("openbch.web.urls")), prefix_default_language=True))


def __getattr__(name: str) -> Any:
    # built on first use: settings import this module (WEB_SETTINGS) before the apps are loaded
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class SettingChange:
    setting: str
    #: ``append`` to a list, insert ``before``/``after`` the ``anchor`` entry of a list, or ``default``
    #: (a setting of its own, from the environment in settings.py; the value given is the default)
    action: Literal["append", "before", "after", "default"]
    value: Any
    anchor: str | None = None
    why: str = ""


WEB_SETTINGS: list[SettingChange] = [
    SettingChange("INSTALLED_APPS", "append", "openbch.web", why="templates, static files, translations"),
    SettingChange(
        "MIDDLEWARE",
        "before",
        "openbch.web.security.SecurityHeadersMiddleware",
        anchor="django.middleware.security.SecurityMiddleware",
        why="first, so that every HTML response (redirects, CSRF failures, error pages) gets CSP and the rest",
    ),
    SettingChange(
        "MIDDLEWARE",
        "after",
        "django.middleware.locale.LocaleMiddleware",
        anchor="django.contrib.sessions.middleware.SessionMiddleware",
        why="the page language from the URL prefix (else Accept-Language); after sessions, before CommonMiddleware",
    ),
    SettingChange(
        "OPENBCH_WEB_CACHE_SECONDS",
        "default",
        60,
        why="OPENBCH_WEB_CACHE_SECONDS env var: how long pages reuse a search answer or a record's article "
        "while nothing is published (0: off); see openbch/web/cache.py",
    ),
]
# LOCALE_PATHS needs nothing: the catalogues live in the app (openbch/web/locale), which Django
# searches for every installed app.


def apply_web_settings(namespace: MutableMapping[str, Any]) -> None:
    """Apply :data:`WEB_SETTINGS` to a settings namespace (``globals()`` of a settings module)."""
    for change in WEB_SETTINGS:
        if change.action == "default":
            namespace.setdefault(change.setting, change.value)
            continue
        entries = list(namespace.get(change.setting, []))
        if change.value in entries:
            continue
        if change.action == "append":
            entries.append(change.value)
        else:
            at = entries.index(change.anchor)
            entries.insert(at if change.action == "before" else at + 1, change.value)
        namespace[change.setting] = entries
