"""The screening page: a laboratory's screening results in, the LMOs that explain them out."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape

from tests.interop.conftest import harvested  # noqa: F401  # the bundled sources, as `openbch demo` has them

# the demo data as `openbch demo` serves it: records and the harvested external databases
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("harvested")]

SCREEN = {"positive": ["P-35S", "T-nos"], "negative": ["bar"], "country": "CA"}


def api(client: Client, params: dict[str, Any]) -> dict[str, Any]:
    response = client.get("/api/v1/screening", params)
    assert response.status_code == 200, response.content
    answer: dict[str, Any] = response.json()
    return answer


def page(client: Client, params: dict[str, Any], *, language: str = "en", status: int = 200) -> str:
    response = client.get(f"/{language}/screening/", params)
    assert response.status_code == status, response.content[:2000]
    return response.content.decode()


def section(html: str, start: str, end: str | None = None) -> str:
    body = html.split(start, 1)[1]
    return body.split(end, 1)[0] if end else body


def test_the_empty_form_offers_the_common_screening_targets(client: Client) -> None:
    html = page(client, {})
    for target in ("P-35S", "T-nos", "P-FMV", "bar", "pat", "cp4 epsps"):
        assert f'name="positive" value="{target}"' in html
        assert f'name="negative" value="{target}"' in html
    assert '<option value="CA">Canada</option>' in html
    assert "Results" not in html


def test_the_page_lists_what_the_api_answers_with_links_status_and_methods(client: Client) -> None:
    expected = api(client, SCREEN)
    html = page(client, SCREEN)
    counts = expected["counts"]
    assert (
        f"{counts['consistent']} consistent, {counts['partial']} partially consistent, "
        f"{counts['excluded']} excluded by a negative result, of {counts['lmos']} LMOs." in html
    )
    consistent = section(html, "Consistent with every positive result", "<details>")
    assert expected["consistent"], "the demo data has an LMO consistent with P-35S, T-nos, not bar"
    for lmo in expected["consistent"]:
        assert escape(lmo["name"]) in consistent
        status = lmo["authorisation"]["status"]
        assert f'class="status status-{status.replace(" ", "-")}"' in consistent
        for method in lmo["confirmation_methods"]:
            assert f">{method['method_code']}</a>" in consistent
    rows = re.findall(r'<th scope="row"><a href="([^"]+)">', consistent)
    assert len(rows) == len(expected["consistent"])
    for href in rows:
        assert client.get(unescape(href)).status_code == 200, href
    partial = section(html, "<details>")
    assert partial.count('<th scope="row">') == len(expected["partial"])
    # the same answer as JSON, one click away
    json_link = unescape(re.search(r'<a href="(/api/v1/screening\?[^"]+)">', html).group(1))  # type: ignore[union-attr]
    assert client.get(json_link).json()["counts"] == counts


def test_an_approved_lmo_links_the_countrys_decisions(client: Client) -> None:
    answer = api(client, {"positive": ["cry1Ab"], "country": "CA"})
    approved = [e for e in answer["consistent"] if e["authorisation"]["status"] == "approved"]
    assert approved, "Canada approved LMOs carrying cry1Ab (MON810 among them)"
    html = page(client, {"positive": ["cry1Ab"], "country": "CA"})
    decision = approved[0]["authorisation"]["decisions"][0]
    number = decision["uid"].rsplit("-", 1)[0]
    assert f"/en/records/{number}/" in html
    assert "Status in Canada" in html


def test_free_text_elements_count_as_ticked_ones(client: Client) -> None:
    ticked = page(client, {"positive": ["P-35S", "T-nos"]})
    typed = page(client, {"positive_other": "P-35S; T-nos"})
    pattern = r"\d+ consistent, \d+ partially consistent"
    assert re.search(pattern, ticked).group(0) == re.search(pattern, typed).group(0)  # type: ignore[union-attr]
    # the typed names are ticked when the form comes back
    assert 'value="P-35S" id="pos-1" checked' in typed


def test_without_partial_matches_only_the_consistent_ones_are_listed(client: Client) -> None:
    html = page(client, {**SCREEN, "partial": ["0", "1"][:1]})
    assert "<details>" not in html
    assert " 0 partially consistent" in html


def test_bad_input_is_named_and_nothing_is_run(client: Client) -> None:
    both = page(client, {"positive": ["P-35S"], "negative": ["P-35S"]}, status=400)
    assert "marked both positive and negative: P-35S" in both and "Results" not in both
    unknown = page(client, {"positive_other": "no-such-element"}, status=400)
    assert "no genetic element named &#x27;no-such-element&#x27;" in unknown
    country = page(client, {"positive": ["P-35S"], "country": "XX"}, status=400)
    assert "no country with the code XX" in country
    nothing = page(client, {"submitted": "1", "negative": ["bar"]}, status=400)
    assert "mark at least one positive assay" in nothing


def test_hostile_element_names_are_escaped(client: Client) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    html = page(client, {"positive_other": payload}, status=400)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert escape(payload[:60]) in html or "&lt;script&gt;" in html


def test_the_page_speaks_french(client: Client) -> None:
    html = page(client, SCREEN, language="fr")
    assert "Quels OVM expliquent les résultats de criblage" in html
    assert 'lang="fr"' in html
