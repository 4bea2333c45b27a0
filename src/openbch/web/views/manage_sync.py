"""The administrators' synchronisation page: a national node's mirror of central, its pushes, its keys.

Parse nothing, call :func:`openbch.federation.status.sync_status` (which decides who may see it),
render.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from openbch.core.actors import Actor
from openbch.federation.status import sync_status
from openbch.web.manage.common import management_view, render_page

__all__ = ["sync_page"]


@require_GET
@management_view
def sync_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render_page(request, "web/manage/sync.html", {"status": sync_status(actor, history=True)})
