"""Django settings: composition and configuration only; every value comes from the environment.

| variable | default | meaning |
|---|---|---|
| OPENBCH_DATA_DIR | ./openbch-data | data folder: SQLite database, search index, secret key |
| OPENBCH_DATABASE_URL | sqlite in the data folder | ``postgresql://user@host:port/name`` or ``sqlite:////abs/path.db`` |
| OPENBCH_SECRET_KEY | generated once into the data folder | Django's secret key |
| OPENBCH_DEBUG | 0 | Django debug pages (never in production) |
| OPENBCH_ALLOWED_HOSTS | 127.0.0.1,localhost | comma-separated host names |
| OPENBCH_INSTANCE_ID | local | this instance's id, kept on its records when they federate |
| OPENBCH_RECORD_TYPE_DIRS | (none) | extra folders of record-type definitions |
| OPENBCH_CACHE_URL | (per-process memory) | ``redis://host:port/db`` to share rate-limit counters between processes (while it is down, each process counts in its own memory; /healthz says ``degraded``) |
| OPENBCH_RATE_LIMIT_PER_IP | 1200 | API requests per client IP per window |
| OPENBCH_RATE_LIMIT_PER_KEY | 6000 | API requests per API key per window |
| OPENBCH_RATE_LIMIT_WINDOW | 60 | rate-limit window, seconds |
| OPENBCH_HARVEST_ALLOWED_HOSTS | (none) | comma-separated hosts a harvest may reach although they resolve to loopback/private addresses (e.g. 127.0.0.1) |
| OPENBCH_SEARCH_CACHE_MB | 64 | memory each server process may use to keep API search pages while nothing is published (0: off) |
| OPENBCH_WEB_CACHE_SECONDS | 60 | how long pages reuse a search answer or a record page while nothing is published (0: off) |
| OPENBCH_SECURE_COOKIES | 0 | 1 behind HTTPS: session and CSRF cookies get ``Secure`` and the ``__Host-`` prefix (0 for the local http demo) |
| OPENBCH_SESSION_AGE | 43200 | seconds a web session lasts (12 hours) |
| OPENBCH_LOGIN_LIMIT_PER_ACCOUNT | 5 | failed logins for one account name within the window before further attempts get 429 |
| OPENBCH_LOGIN_LIMIT_PER_IP | 20 | failed logins from one client IP within the window before further attempts get 429 |
| OPENBCH_LOGIN_LIMIT_WINDOW | 900 | login-limit window, seconds, counted from the first failure |
| OPENBCH_POST_LIMIT_PER_ACCOUNT | 6 | forum and debate posts (and edits) one account may make per window before 429 |
| OPENBCH_POST_LIMIT_PER_IP | 30 | posts (and edits) from one client IP per window before 429 |
| OPENBCH_POST_LIMIT_WINDOW | 60 | posting-limit window, seconds |
| OPENBCH_TRUSTED_AFTER_POSTS | 3 | approved posts after which an account's posts appear without waiting for a moderator |
| OPENBCH_NEW_ACCOUNT_MAX_LINKS | 2 | links to other sites allowed in one post of an account not yet trusted (link spam) |
| OPENBCH_ATTACHMENT_MAX_BYTES | 5242880 | largest file attached to a post (5 MB); at most 3 per post |
| OPENBCH_REGISTER_LIMIT_PER_IP | 10 | self-service registrations (and new confirmation links) from one client IP per window before 429 |
| OPENBCH_REGISTER_LIMIT_WINDOW | 3600 | registration-limit window, seconds |
| OPENBCH_REGISTRATION_CONFIRM_HOURS | 48 | how long an e-mailed confirmation link works |
| OPENBCH_EMAIL_HOST | (none) | SMTP server; without it e-mail is printed on the worker's console (demo) |
| OPENBCH_EMAIL_PORT | 25 | SMTP port (587 with STARTTLS, 465 with implicit TLS) |
| OPENBCH_EMAIL_USER / OPENBCH_EMAIL_PASSWORD | (none) | SMTP login |
| OPENBCH_EMAIL_USE_TLS | 0 | 1: STARTTLS; ``ssl``: implicit TLS (port 465) |
| OPENBCH_EMAIL_FROM | openbch@localhost | the From address of notifications |
| OPENBCH_EMAIL_MAX_ATTEMPTS | 8 | delivery attempts before a message is marked failed |
| OPENBCH_EMAIL_RETRY_SECONDS | 60 | wait after the first failure, doubled after each further one (at most 6 hours) |
| OPENBCH_SITE_URL | http://127.0.0.1:8000 | the site's public address, for links in e-mail |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("OPENBCH_DATA_DIR", "openbch-data")).resolve()
INDEX_DIR = DATA_DIR / "index"
INSTANCE_ID = os.environ.get("OPENBCH_INSTANCE_ID", "local")


def _secret_key() -> str:
    if os.environ.get("OPENBCH_SECRET_KEY"):
        return os.environ["OPENBCH_SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def database_from_url(url: str | None) -> dict[str, Any]:
    """Translate ``OPENBCH_DATABASE_URL`` into a Django DATABASES entry."""
    if not url:
        return _sqlite(DATA_DIR / "openbch.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return _sqlite(Path(unquote(parts.path)))
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "openbch",
            "USER": unquote(parts.username or "postgres"),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "127.0.0.1",
            "PORT": str(parts.port or 5432),
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": f"test_{unquote(parts.path.lstrip('/')) or 'openbch'}"},
        }
    raise ValueError(f"OPENBCH_DATABASE_URL: unsupported scheme {parts.scheme!r} (sqlite or postgresql)")


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of
            # deadlocking on a read-to-write upgrade; WAL lets readers go on meanwhile.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; PRAGMA mmap_size=1073741824;"
            ),
        },
        # keep each server thread's connection: opening one (and its PRAGMAs) per request cost more
        # than the request itself in the record-by-UID benchmark
        "CONN_MAX_AGE": 60,
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("OPENBCH_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("OPENBCH_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")]
ALLOWED_HOSTS += ["testserver"]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "ninja",
    "openbch.records",
    # a consumer of the change log: registers itself in its AppConfig.ready()
    "openbch.search",
    "openbch.accounts",
    "openbch.interop",
    "openbch.learning",
    "openbch.customs",
    "openbch.participation",
    "openbch.federation",
    # after participation: fed by its event log and by the records change log
    "openbch.notifications",
    "openbch.web",
]

MIDDLEWARE = [
    # outermost: API answers are compressed once everything else has written them
    "openbch.api.compression.ApiGZipMiddleware",
    # first, so every HTML response (redirects, CSRF failures, error pages) gets CSP and the rest
    "openbch.web.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # sessions after whitenoise (static files need none) and before anything that reads them
    "django.contrib.sessions.middleware.SessionMiddleware",
    # the page language from the URL prefix (else Accept-Language)
    "openbch.web.language.PageLanguageMiddleware",
    "openbch.api.conventions.ApiConventionsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # request.user comes from the session, so after SessionMiddleware (Django requires it)
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "openbch.urls"
WSGI_APPLICATION = "openbch.wsgi.application"
DATABASES = {"default": database_from_url(os.environ.get("OPENBCH_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("zh", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
USE_I18N = True
TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "/static/"
# static files (the API docs' Swagger UI, later the web UI) are served from the installed apps
# by whitenoise, so no CDN is needed and the pages work offline and under a strict CSP
WHITENOISE_USE_FINDERS = True

# a node's pull reads and checks the pages ahead in a second process when it is at least this many
# changes behind central (federation/readahead.py); 0: never
OPENBCH_SYNC_READER_FROM = int(os.environ.get("OPENBCH_SYNC_READER_FROM", "20000"))
OPENBCH_SEARCH_CACHE_MB = int(os.environ.get("OPENBCH_SEARCH_CACHE_MB", "64"))
OPENBCH_WEB_CACHE_SECONDS = int(os.environ.get("OPENBCH_WEB_CACHE_SECONDS", "60"))
OPENBCH_RATE_LIMIT_PER_IP = int(os.environ.get("OPENBCH_RATE_LIMIT_PER_IP", "1200"))
OPENBCH_RATE_LIMIT_PER_KEY = int(os.environ.get("OPENBCH_RATE_LIMIT_PER_KEY", "6000"))
OPENBCH_RATE_LIMIT_WINDOW = int(os.environ.get("OPENBCH_RATE_LIMIT_WINDOW", "60"))
_cache_url = os.environ.get("OPENBCH_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "openbch.core.cache.RedisCache", "LOCATION": _cache_url}
        if _cache_url.startswith("redis://")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "openbch"}
    )
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# -- accounts: passwords, sessions, login limits (ASVS 6.x, 7.x) ------------------------------
# Argon2id only, through a subclass of Django's Argon2PasswordHasher with costs measured to meet ASVS
# (m >= 19 MiB, t >= 2, verify <= ~150 ms; see openbch/accounts/hashers.py).
# A weaker hasher listed after it would let weaker hashes verify; add one only to import old hashes.
PASSWORD_HASHERS = ["openbch.accounts.hashers.OpenBCHArgon2Hasher"]
# length, the common-password list (20k) and similarity to the user's own name and e-mail; no
# composition rules (ASVS 6.2.5); 64+ characters are accepted, never truncated (6.2.9)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
_secure_cookies = os.environ.get("OPENBCH_SECURE_COOKIES", "0") == "1"
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
# the __Host- prefix (ASVS 3.3.1) makes browsers refuse the cookie unless Secure, Path=/ and no
# Domain, so it can only be used when the site is served over HTTPS
SESSION_COOKIE_NAME = "__Host-openbch_session" if _secure_cookies else "openbch_session"
CSRF_COOKIE_NAME = "__Host-openbch_csrf" if _secure_cookies else "openbch_csrf"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("OPENBCH_SESSION_AGE", "43200"))
LOGIN_URL = "/accounts/login/"
# where a login without ?next= lands: the site's home page (the web UI's)
LOGIN_REDIRECT_URL = "/"
OPENBCH_LOGIN_LIMIT_PER_ACCOUNT = int(os.environ.get("OPENBCH_LOGIN_LIMIT_PER_ACCOUNT", "5"))
OPENBCH_LOGIN_LIMIT_PER_IP = int(os.environ.get("OPENBCH_LOGIN_LIMIT_PER_IP", "20"))
OPENBCH_LOGIN_LIMIT_WINDOW = int(os.environ.get("OPENBCH_LOGIN_LIMIT_WINDOW", "900"))
# -- public participation: posting limits and trust (openbch/participation/services.py) -----
OPENBCH_POST_LIMIT_PER_ACCOUNT = int(os.environ.get("OPENBCH_POST_LIMIT_PER_ACCOUNT", "6"))
OPENBCH_POST_LIMIT_PER_IP = int(os.environ.get("OPENBCH_POST_LIMIT_PER_IP", "30"))
OPENBCH_POST_LIMIT_WINDOW = int(os.environ.get("OPENBCH_POST_LIMIT_WINDOW", "60"))
OPENBCH_TRUSTED_AFTER_POSTS = int(os.environ.get("OPENBCH_TRUSTED_AFTER_POSTS", "3"))
OPENBCH_NEW_ACCOUNT_MAX_LINKS = int(os.environ.get("OPENBCH_NEW_ACCOUNT_MAX_LINKS", "2"))
OPENBCH_ATTACHMENT_MAX_BYTES = int(os.environ.get("OPENBCH_ATTACHMENT_MAX_BYTES", str(5 * 1024 * 1024)))
# -- self-service registration of members of the public (openbch/accounts/registration.py) --
OPENBCH_REGISTER_LIMIT_PER_IP = int(os.environ.get("OPENBCH_REGISTER_LIMIT_PER_IP", "10"))
OPENBCH_REGISTER_LIMIT_WINDOW = int(os.environ.get("OPENBCH_REGISTER_LIMIT_WINDOW", "3600"))
OPENBCH_REGISTRATION_CONFIRM_HOURS = int(os.environ.get("OPENBCH_REGISTRATION_CONFIRM_HOURS", "48"))
# -- e-mail: sent only by the outbox worker (``openbch notify work``, openbch/notifications) ------
EMAIL_HOST = os.environ.get("OPENBCH_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("OPENBCH_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("OPENBCH_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("OPENBCH_EMAIL_PASSWORD", "")
_email_tls = os.environ.get("OPENBCH_EMAIL_USE_TLS", "0").lower()
EMAIL_USE_TLS = _email_tls in ("1", "true", "starttls")
EMAIL_USE_SSL = _email_tls == "ssl"
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("OPENBCH_EMAIL_FROM", "openbch@localhost")
OPENBCH_EMAIL_MAX_ATTEMPTS = int(os.environ.get("OPENBCH_EMAIL_MAX_ATTEMPTS", "8"))
OPENBCH_EMAIL_RETRY_SECONDS = float(os.environ.get("OPENBCH_EMAIL_RETRY_SECONDS", "60"))
OPENBCH_SITE_URL = os.environ.get("OPENBCH_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OPENBCH_LOG_LEVEL", "WARNING")},
}
