"""``GET /healthz``: the process answers, its database answers, and whether its cache is shared.

A Redis cache that is down makes the answer ``"degraded"`` with HTTP 200, not 503: the server still
serves every read and page (rate limits and caches fall back to process memory, see
:mod:`openbch.core.cache`), so a load balancer must keep sending it traffic — pulling every server
because their shared Redis is down would turn a degraded service into an outage. A database that
does not answer is 503: nothing can be served then.
"""

from django.db import connection
from django.http import HttpRequest, JsonResponse

from openbch.core.cache import cache_health


def healthz(request: HttpRequest) -> JsonResponse:
    cache = cache_health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # the check's whole point is to report any failure, not raise it
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__, "cache": cache}, status=503)
    status = "ok" if cache["status"] == "ok" else "degraded"
    return JsonResponse({"status": status, "database": connection.vendor, "cache": cache})
