"""The NinjaAPI instance: routers, error handlers, spec post-processing. No logic here."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from openbch.api.catalogue import router as catalogue
from openbch.api.changes import router as changes
from openbch.api.errors import install_error_handlers
from openbch.api.records import router as records
from openbch.api.routes_accounts import mount as mount_accounts
from openbch.api.routes_customs import mount as mount_customs
from openbch.api.routes_federation import mount as mount_federation
from openbch.api.routes_interop import mount as mount_interop
from openbch.api.routes_learning import mount as mount_learning
from openbch.api.routes_notifications import mount as mount_notifications
from openbch.api.routes_participation import mount as mount_participation
from openbch.api.routes_search import mount as mount_search
from openbch.api.v1 import router as v1
from openbch.api.workflow import history_router
from openbch.api.workflow import router as workflow

__all__ = ["api"]


class OpenBCHApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """Errors are RFC 9457 problem details: say so in the spec, with their media type."""
        spec = super().get_openapi_schema(*args, **kwargs)
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).isdigit() and int(status) >= 400 and "application/json" in content:
                        content["application/problem+json"] = content.pop("application/json")
        return spec


api = OpenBCHApi(
    title="openbch API",
    version="1",
    description=(
        "The public API of an openbch Biosafety Clearing-House: every published record and revision, "
        "LMOs by any spelling of their OECD unique identifier, search with facets, bulk export and a "
        "change feed to mirror everything. Errors are RFC 9457 problem details "
        "(`application/problem+json`) with a stable `code`. Reads are open to anyone (CORS `*`) and "
        "rate-limited per IP and per API key (429 with `Retry-After`)."
    ),
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/v1", v1)
api.add_router("/v1", records)
api.add_router("/v1", catalogue)
api.add_router("/v1", changes)
api.add_router("/v1", history_router)
api.add_router("/v1", workflow)
mount_search(api)
mount_accounts(api)
mount_interop(api)
mount_customs(api)
mount_federation(api)
mount_learning(api)
mount_participation(api)
mount_notifications(api)
