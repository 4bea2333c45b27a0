"""URL map: the API and the health check."""

from django.urls import include, path

from openbch.api import api
from openbch.api.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/", api.urls),
    path("accounts/", include("openbch.accounts.urls")),
]

handler404 = "openbch.api.errors.not_found_view"
handler500 = "openbch.api.errors.server_error_view"
