"""URLs for the interop API tests (``@pytest.mark.urls("tests.interop.urls")``).

Until ``openbch.api.app`` mounts the interop router, the tests serve it from an API of their own in
front of the project's URLs (ninja fixes an API's routes once its URLs are built, which other test
modules may already have done). Once it is mounted, this is just the project's URL map.
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from openbch.api.app import OpenBCHApi, api
from openbch.api.errors import install_error_handlers
from openbch.interop.api import router
from openbch.urls import urlpatterns as project

mounted = any(mounted_router is router for _, mounted_router in api._routers)
urlpatterns: list[Any] = list(project)
if not mounted:
    interop_api = OpenBCHApi(title="openbch interop API (tests)", version="1", urls_namespace="interop-tests")
    install_error_handlers(interop_api)
    interop_api.add_router("/v1", router)
    urlpatterns = [path("api/", interop_api.urls), *project]
