"""A URL map for the account tests while the token routes are not yet mounted in openbch.api.app.

The same routers and error handlers as the product's API, plus the account pages; once
``routes_accounts.mount(api)`` is in app.py the tests use the product's own URL map instead
(see ``conftest.urlconf``).
"""

from django.urls import include, path

from openbch.api.app import OpenBCHApi
from openbch.api.errors import install_error_handlers
from openbch.api.routes_accounts import mount

api = OpenBCHApi(title="openbch accounts (tests)", version="1", urls_namespace="accounts-test-api")
install_error_handlers(api)
mount(api)

urlpatterns = [
    path("api/", api.urls),
    path("accounts/", include("openbch.accounts.urls")),
]

handler404 = "openbch.api.errors.not_found_view"
handler500 = "openbch.api.errors.server_error_view"
