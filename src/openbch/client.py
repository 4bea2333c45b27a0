"""A Python client for the openbch API (httpx), for third parties, national nodes and our own tests.

    from openbch.client import OpenBCHClient
    with OpenBCHClient("http://127.0.0.1:8000") as bch:
        lmo = bch.lmo("mon-00810-6")
        for change in bch.iter_changes(after=0):
            ...

Errors come back as :class:`ApiError` carrying the server's problem details (``code``, ``errors``).
Pass ``transport=httpx.WSGITransport(app=application)`` to talk to an app in process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

__all__ = ["ApiError", "OpenBCHClient"]


class ApiError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code = str(problem.get("code", "error"))
        super().__init__(f"{status} {self.code}: {problem.get('detail', '')}")


class OpenBCHClient:
    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        language: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if language:
            headers["Accept-Language"] = language
        self._http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> OpenBCHClient:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    @staticmethod
    def _answer(response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"detail": response.text[:500]}
            raise ApiError(response.status_code, problem)
        return response.json()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._answer(self._http.get(path, params={k: v for k, v in (params or {}).items() if v is not None}))

    def _post(self, path: str, payload: Any) -> Any:
        return self._answer(self._http.post(path, json=payload))

    def push_changes(self, page: dict[str, Any]) -> dict[str, Any]:
        """A national node's own changes (a change-feed page with records) to central; its answer."""
        result: dict[str, Any] = self._post("/api/v1/federation/changes", page)
        return result

    def register_key(self, instance: str, public_key: str, country: str = "") -> dict[str, Any]:
        """A national node's signing key, registered at central under the node's credentials."""
        payload = {"instance": instance, "public_key": public_key, "country": country}
        result: dict[str, Any] = self._post("/api/v1/federation/keys", payload)
        return result

    def key_chain(self, instance: str) -> dict[str, Any]:
        """An instance's current signing key and its rotation statements (public)."""
        result: dict[str, Any] = self._get(f"/api/v1/federation/keys/{instance}")
        return result

    def conflicts(self, *, open_only: bool = False) -> dict[str, Any]:
        """Synchronisation conflicts (needs a token)."""
        result: dict[str, Any] = self._get("/api/v1/federation/conflicts", {"open_only": open_only})
        return result

    def numbers(self, country: str) -> dict[str, Any]:
        """The highest record number central holds in ``country``'s block (``highest``, or None)."""
        result: dict[str, Any] = self._get(f"/api/v1/federation/numbers/{country}")
        return result

    # -- reading -------------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """The API root: version and ``api_feature_level``."""
        result: dict[str, Any] = self._get("/api/v1/")
        return result

    def get(self, uid: str, *, revision: int | None = None, expand: str | None = None) -> dict[str, Any]:
        """A published record by UID (with or without revision) or identifier."""
        result: dict[str, Any] = self._get(f"/api/v1/records/{uid}", {"revision": revision, "expand": expand})
        return result

    def revisions(self, uid: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._get(f"/api/v1/records/{uid}/revisions")["revisions"]
        return result

    def diff(self, uid: str, from_revision: int, to_revision: int) -> list[dict[str, Any]]:
        params = {"from_revision": from_revision, "to_revision": to_revision}
        result: list[dict[str, Any]] = self._get(f"/api/v1/records/{uid}/diff", params)["changes"]
        return result

    def lmo(self, unique_identifier: str) -> dict[str, Any]:
        """An LMO by any spelling of its OECD unique identifier, with decisions and detection methods."""
        result: dict[str, Any] = self._get(f"/api/v1/lmos/{unique_identifier}")
        return result

    def search(self, q: str | None = None, **filters: Any) -> dict[str, Any]:
        """One page of search results: ``{total, results, facets, next}``."""
        result: dict[str, Any] = self._get("/api/v1/search", {"q": q, **filters})
        return result

    def iter_search(self, q: str | None = None, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every result of a search, following the cursor page by page."""
        page = self.search(q, **filters)
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.search(q, **{**filters, "cursor": page["next"]})

    def changes(self, after: int = 0, limit: int = 500, *, records: bool = False) -> dict[str, Any]:
        """One page of the change feed; ``records``: each change carries the revision it names."""
        params: dict[str, Any] = {"after": after, "limit": limit, **({"include": "record"} if records else {})}
        result: dict[str, Any] = self._get("/api/v1/changes", params)
        return result

    def iter_changes(self, after: int = 0, limit: int = 500, *, records: bool = False) -> Iterator[dict[str, Any]]:
        """Every change after ``after``, in order, until the feed is exhausted."""
        while True:
            page = self.changes(after, limit, records=records)
            if not page["changes"]:
                return
            yield from page["changes"]
            after = page["changes"][-1]["seq"]

    def export(self, destination: Path, *, type: str, format: str = "csv", **filters: Any) -> int:
        """Stream an export to ``destination``; returns the bytes written."""
        params = {k: v for k, v in {"type": type, "format": format, **filters}.items() if v is not None}
        written = 0
        # an XLSX export sends its first byte only once the workbook is complete (search/xlsx.py), which
        # takes minutes for a whole register: wait for it instead of failing at the usual read timeout
        timeout = httpx.Timeout(self._http.timeout.connect, read=None) if format == "xlsx" else self._http.timeout
        with self._http.stream("GET", "/api/v1/export", params=params, timeout=timeout) as response:
            if response.status_code >= 400:
                response.read()
                raise ApiError(response.status_code, response.json())
            with destination.open("wb") as out:
                for chunk in response.iter_bytes():
                    out.write(chunk)
                    written += len(chunk)
        return written

    def vocabulary(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._get(f"/api/v1/vocabularies/{name}")
        return result

    def record_type(self, code: str) -> dict[str, Any]:
        result: dict[str, Any] = self._get(f"/api/v1/record-types/{code}")
        return result
