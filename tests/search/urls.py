"""A URL map for the search tests while the search routes are not yet mounted in openbch.api.app.

The same error handlers as the product's API with the search router; once ``routes_search.mount(api)``
is in app.py the tests use the product's own URL map instead (see ``conftest.py``).
"""

from django.urls import path

from openbch.api.app import OpenBCHApi
from openbch.api.errors import install_error_handlers
from openbch.api.routes_search import mount

api = OpenBCHApi(title="openbch search (tests)", version="1", urls_namespace="search-test-api")
install_error_handlers(api)
mount(api)

urlpatterns = [path("api/", api.urls)]

handler404 = "openbch.api.errors.not_found_view"
handler500 = "openbch.api.errors.server_error_view"
