"""The administrators' synchronisation page: a national node's mirror of central, its pushes, its
conflicts, its keys; and the form where the owner resolves a conflict.

Parse nothing but the form, call :func:`openbch.federation.status.sync_status` and
:func:`openbch.federation.conflicts.resolve` (which decide who may see and do what), render.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_http_methods

from openbch.core.actors import Actor
from openbch.federation.conflicts import resolve
from openbch.federation.status import sync_status
from openbch.recordtypes import get_record_type
from openbch.web.display import diff_rows
from openbch.web.manage.common import management_view, render_page
from openbch.web.views.common import page_language

__all__ = ["sync_page"]


def _with_rows(conflict: dict[str, Any], language: str) -> dict[str, Any]:
    """A conflict with its diff as readable rows (field labels, term labels, referenced titles)."""
    return {**conflict, "rows": diff_rows(get_record_type(conflict["type"]), conflict["diff"], language)}


@require_http_methods(["GET", "HEAD", "POST"])
@management_view
def sync_page(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        resolve(actor, request.POST.get("identifier", ""), keep=request.POST.get("keep", ""))
        return HttpResponseRedirect(request.path, status=303)
    status = sync_status(actor, history=True)
    language = page_language()
    status["conflicts"] = [_with_rows(c, language) for c in status["conflicts"]]
    return render_page(request, "web/manage/sync.html", {"status": status})
