"""The NinjaAPI instance: routers, error handlers. No logic here."""

from ninja import NinjaAPI

from openbch.api.catalogue import router as catalogue
from openbch.api.changes import router as changes
from openbch.api.errors import install_error_handlers
from openbch.api.records import router as records
from openbch.api.v1 import router as v1

api = NinjaAPI(
    title="openbch API",
    version="1",
    description="The public API of an openbch Biosafety Clearing-House. Errors are RFC 9457 problem details.",
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/v1", v1)
api.add_router("/v1", records)
api.add_router("/v1", catalogue)
api.add_router("/v1", changes)
