"""API answers are gzip-compressed for clients that ask (a node's pulls over a slow line); pages are not."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_change_feed_is_gzipped_when_asked_and_says_so(client: Client) -> None:
    url = "/api/v1/changes?after=0&limit=200&include=record"
    plain = client.get(url)
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)
    assert len(packed.content) * 4 < len(plain.content)


def test_an_api_error_is_gzipped_too_and_stays_readable(client: Client) -> None:
    answer = client.get("/api/v1/changes?after=-5", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code in (400, 422)
    if answer.headers.get("Content-Encoding") == "gzip":  # short answers are left as they are
        body = json.loads(gzip.decompress(answer.content))
    else:
        body = json.loads(answer.content)
    assert body["status"] == answer.status_code


def test_html_pages_are_not_compressed_by_the_application(client: Client) -> None:
    page = client.get("/en/", HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200 and "Content-Encoding" not in page.headers


def test_the_etag_of_a_gzipped_answer_still_gives_304(client: Client) -> None:
    from openbch.records.models import Record

    record = Record.objects.filter(type="LMO", state="published").first()
    assert record is not None
    url = f"/api/v1/records/{record.uid}"
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "gzip"
    again = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first.headers["ETag"])
    assert again.status_code == 304
