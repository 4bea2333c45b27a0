"""URL map: the API, the health check, accounts, and the web pages under a language prefix."""

from django.urls import include, path

from openbch.api import api
from openbch.api.health import healthz
from openbch.web_mount import urlpatterns as web_urlpatterns

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("accounts/", include("openbch.accounts.urls")),
    *web_urlpatterns,
]

# HTML for pages, the API's problem body under /api/
handler404 = "openbch.web.views.errors.not_found"
handler500 = "openbch.web.views.errors.server_error"
