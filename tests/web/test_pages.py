"""The web pages through Django's test client, on the real demo data: what each page shows."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import quote, unquote

import pytest
from django.test import Client
from django.utils.html import escape

from openbch.records.models import Record, RecordState
from openbch.records.queries import latest_revisions
from openbch.recordtypes import record_types

pytestmark = pytest.mark.django_db

MON810 = "MON-ØØ81Ø-6"
MON810_PATH = f"/en/lmo/{quote(MON810)}/"


def html(response: object) -> str:
    content = getattr(response, "content", b"")
    return content.decode("utf-8")


def text_of(page: str) -> str:
    """The page's visible text, roughly: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


# ---------------------------------------------------------------------------------------------
# home


def test_root_sends_to_the_language_of_the_browser(client: Client) -> None:
    response = client.get("/", headers={"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"})
    assert response.status_code == 302 and response["Location"] == "/fr/"


def test_home_has_one_search_box_counts_per_type_and_the_latest_decisions(client: Client) -> None:
    response = client.get("/en/")
    assert response.status_code == 200
    page = html(response)
    assert page.count('type="search"') == 1 and 'name="q"' in page
    lmos = Record.objects.filter(type="LMO", state=RecordState.PUBLISHED).count()
    assert re.search(rf'href="/en/search/\?type=LMO"><span class="count">{lmos}</span>', page)
    assert "Latest decisions" in page
    assert page.count('class="result"') == 8  # the latest decisions
    assert 'href="/accounts/login/?next=/en/"' in page  # the frame's sign-in link


# ---------------------------------------------------------------------------------------------
# search


def test_any_spelling_of_a_unique_identifier_lands_on_the_lmo_page(client: Client) -> None:
    for spelling in ("mon-00810-6", "MON 00810 6", "MON00810-6", "MON-ØØ81Ø-6"):
        response = client.get("/en/search/", {"q": spelling})
        assert response.status_code == 302, spelling
        assert unquote(response["Location"]) == f"/en/lmo/{MON810}/"


def test_a_record_uid_lands_on_the_record(client: Client) -> None:
    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).first()
    assert decision is not None
    base = f"BCH-DEC-{decision.owner}-{decision.number}"
    response = client.get("/en/search/", {"q": base.lower()})
    assert response.status_code == 302 and response["Location"] == f"/en/records/{base}/"


def test_search_shows_results_facets_highlights_and_paging(client: Client) -> None:
    response = client.get("/en/search/", {"q": "maize"})
    assert response.status_code == 200
    page = html(response)
    assert re.search(r"\d+ results", page)
    assert "<mark>maize</mark>" in page.lower() or "<mark>Maize</mark>" in page
    for facet in ("Record type", "Country", "Modified traits"):
        assert f"<h3>{facet}</h3>" in page
    # a facet value is a link that adds the filter, keeping the query in the URL
    assert re.search(r'href="\?q=maize&amp;type=LMO"', page)
    next_link = re.search(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', page)
    assert next_link is not None
    second = client.get("/en/search/" + next_link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "Page 2" in html(second)
    assert html(second).count('class="result"') == 20


def test_filters_stay_in_the_url_and_narrow_the_counts(client: Client) -> None:
    page = html(client.get("/en/search/", {"type": "DEC", "country": "CA", "uses": "food"}))
    decisions = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED, owner="CA")
    food = [p for p in latest_revisions(decisions) if {"identifier": "food"} in (p.body.get("uses") or [])]
    assert f"{len(food)} results" in page
    # each filter in force is shown with a link that removes it
    assert re.search(r'href="\?type=DEC&amp;country=CA"[^>]*>.*?LMOs for direct use as food', page, re.S)
    assert "Clear all filters" in page


def test_a_hierarchical_trait_facet_is_a_drill_down(client: Client) -> None:
    closed = html(client.get("/en/search/", {"type": "LMO"}))
    assert "Resistance to herbicides" in closed and "Glyphosate tolerance" not in closed
    opened = html(client.get("/en/search/", {"type": "LMO", "traits": "resistance-to-herbicides"}))
    assert "Glyphosate tolerance" in opened  # narrower terms of the chosen one, with their counts


def test_htmx_gets_the_results_region_only(client: Client) -> None:
    response = client.get("/en/search/", {"q": "maize"}, headers={"HX-Request": "true", "HX-Target": "search-region"})
    page = html(response)
    assert response.status_code == 200
    assert not page.lstrip().startswith("<!DOCTYPE") and 'id="search-region"' in page
    assert 'hx-swap-oob="true"' in page  # the language links follow the new address
    assert "HX-Request" in response["Vary"]


def test_export_buttons_appear_for_one_type_and_download_the_same_query(client: Client) -> None:
    mixed = html(client.get("/en/search/", {"q": "maize", "type": ["LMO", "DM"]}))
    assert "To download the results, choose at most one record type." in mixed
    page = html(client.get("/en/search/", {"q": "maize", "type": "LMO"}))
    links = re.findall(r'href="(/en/search/export/\?[^"]+)"', page)
    assert [re.search(r"format=(\w+)", link).group(1) for link in links] == ["csv", "xlsx", "jsonl"]  # type: ignore[union-attr]
    response = client.get(links[0].replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0][:3] == ["uid", "owner", "revision"]
    assert len(rows) > 10 and all(row[0].startswith("BCH-LMO-") for row in rows[1:])


def test_a_malformed_search_is_a_400_page_not_an_error(client: Client) -> None:
    for params in ({"type": "NOPE"}, {"country": "zz"}, {"q": 'a" OR ('}, {"date_from": "2020-99-01"}):
        response = client.get("/en/search/", params)
        assert response.status_code == 400, params
        assert "This search cannot be run" in html(response)


# ---------------------------------------------------------------------------------------------
# the LMO page


def test_the_lmo_page_shows_what_canada_decided_about_mon810(client: Client) -> None:
    response = client.get(MON810_PATH)
    assert response.status_code == 200
    page = html(response)
    visible = text_of(page)
    assert MON810 in visible and "verifier digit correct" in visible
    assert "Zea mays" in visible  # the crop
    assert "Lepidoptera" in visible  # the trait
    # the matrix: a row per country, a column per scope, with <th scope>
    matrix = page.split('<table class="matrix">')[1].split("</table>")[0]
    assert matrix.count('<th scope="col">') == 10
    assert re.search(r'<th scope="row"><a href="/en/countries/ca/">Canada</a></th>', matrix)
    canada = page.split('id="decisions-ca"')[1].split("</table>")[0]
    assert canada.count("<tr") == 4  # header + MON810's three Canadian decisions
    for scope in ("Food", "Feed", "Cultivation / environmental release"):
        assert scope in canada


def test_the_lmo_page_lists_detection_methods_with_primers_probe_and_amplicon(client: Client) -> None:
    page = html(client.get(MON810_PATH))
    methods = page.split('id="methods-title"')[1].split("</section>")[0]
    assert methods.count('<article class="method"') >= 3
    for label in ("Forward primer", "Reverse primer", "Probe", "Amplicon", "Source"):
        assert label in methods
    assert re.search(r'<code class="dna">[ACGTN]{15,}</code>', methods)
    assert "EUginius" in methods


def test_the_lmo_page_has_a_construct_stacks_a_qr_code_and_the_other_databases_hook(client: Client) -> None:
    page = html(client.get(MON810_PATH))
    assert 'id="construct-title"' in page and "Cry1Ab" in page
    assert "LMOs obtained by crossing this one (stacks)" in page
    assert 'data-hook="other-databases"' in page and "Information from other databases" in page
    qr = re.search(r'<img src="([^"]+qr\.svg)"', page)
    assert qr is not None
    svg = client.get(qr.group(1))
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.startswith(b"<svg") and b"<path" in svg.content
    assert "default-src 'none'" in svg["Content-Security-Policy"]
    download = client.get(qr.group(1) + "?download=1")
    assert download["Content-Disposition"].startswith('attachment; filename="lmo-MON-')


def test_the_other_databases_section_shows_what_providers_give(client: Client) -> None:
    from openbch.web.extensions import ExternalInfo, register_other_database, unregister_other_database

    def provider(lmo: object, language: str) -> list[ExternalInfo]:
        return [
            ExternalInfo("BioTradeStatus", "https://example.org/?event=MON810", "MON810", (("Food", "approved"),)),
            ExternalInfo("Bad link", "javascript:alert(1)", "never a link"),
        ]

    register_other_database(provider)
    try:
        page = html(client.get(MON810_PATH))
    finally:
        unregister_other_database(provider)
    section = page.split('data-hook="other-databases"')[1].split("</section>")[0]
    assert 'href="https://example.org/?event=MON810"' in section and "approved" in section
    assert "javascript:" not in section


def test_any_spelling_of_the_lmo_address_redirects_to_the_registered_one(client: Client) -> None:
    response = client.get("/en/lmo/mon-00810-6/")
    assert response.status_code == 302 and unquote(response["Location"]) == f"/en/lmo/{MON810}/"
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    by_uid = client.get(f"/en/records/BCH-LMO-SCBD-{lmo.number}/")
    assert by_uid.status_code == 302 and unquote(by_uid["Location"]) == f"/en/lmo/{MON810}/"


def test_an_unknown_lmo_is_a_404_page_with_a_hint(client: Client) -> None:
    response = client.get("/en/lmo/MON-ØØ81Ø-7/")
    assert response.status_code == 404
    assert "Not found" in html(response) and "MON-ØØ81Ø-6" in html(response)  # the verifier-typo hint


# ---------------------------------------------------------------------------------------------
# record pages


def test_every_record_type_in_the_demo_data_has_a_record_page_from_its_definition(client: Client) -> None:
    for code, record_type in record_types().items():
        record = Record.objects.filter(type=code, state=RecordState.PUBLISHED).order_by("number").first()
        if record is None:
            continue  # the XSS test publishes one of every type
        response = client.get(f"/en/records/BCH-{code}-{record.owner}-{record.number}/", follow=True)
        assert response.status_code == 200, code
        page = html(response)
        first_section = record_type.form[0]["label"]["en"]
        assert f">{escape(first_section)}</h2>" in page or code == "LMO", code
        assert escape(record_type.label["en"]) in page


def test_a_record_page_links_both_ways(client: Client) -> None:
    authority = Record.objects.filter(type="CNA", state=RecordState.PUBLISHED).first()
    assert authority is not None
    page = html(client.get(f"/en/records/BCH-CNA-{authority.owner}-{authority.number}/"))
    assert "Records that refer to this one" in page
    assert re.search(r"Countries&#x27; decisions and other communications — Competent National Authorit", page)
    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).first()
    assert decision is not None
    page = html(client.get(f"/en/records/BCH-DEC-{decision.owner}-{decision.number}/"))
    assert f'href="/en/records/BCH-CNA-{authority.owner}-' in page  # what it references
    assert 'href="/en/lmo/' in page  # its LMO, by unique identifier


def test_a_record_page_by_guid_or_lower_case_redirects_to_its_address(client: Client) -> None:
    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).first()
    assert decision is not None
    base = f"BCH-DEC-{decision.owner}-{decision.number}"
    for other in (decision.identifier, base.lower()):
        response = client.get(f"/en/records/{other}/")
        assert response.status_code == 302 and response["Location"] == f"/en/records/{base}/"
    assert client.get("/en/records/BCH-DEC-CA-999999/").status_code == 404
    assert client.get("/en/records/not-a-uid/").status_code == 404


def test_the_printable_view_has_the_record_without_navigation(client: Client) -> None:
    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).first()
    assert decision is not None
    page = html(client.get(f"/en/records/BCH-DEC-{decision.owner}-{decision.number}/print/"))
    assert 'class="print-view"' in page and "Printed from" in page
    assert 'class="main-nav"' not in page and "General information" in page


def test_history_and_differences_between_revisions(client: Client, tmp_path: object) -> None:
    from pathlib import Path

    from openbch.core.actors import SYSTEM
    from openbch.records.load import load_files
    from tests.web.xss import write_load_files

    first, second = write_load_files(Path(str(tmp_path)))
    load_files(SYSTEM, [first])
    load_files(SYSTEM, [second])
    law = Record.objects.get(source_key="xss/law")
    base = f"BCH-LAW-CA-{law.number}"
    history = html(client.get(f"/en/records/{base}/history/"))
    assert f"{base}-1" in history and f"{base}-2" in history and "Compare 1 → 2" in history
    diff = client.get(f"/en/records/{base}/diff/", {"from": "1", "to": "2"})
    page = html(diff)
    assert diff.status_code == 200 and "Changes from revision 1 to revision 2" in page
    assert "<del>" in page and "<ins>" in page and "Title" in page
    old = client.get(f"/en/records/{base}-1/")
    assert "This is revision 1; the latest is revision 2." in html(old)
    assert client.get(f"/en/records/{base}/diff/", {"from": "1", "to": "9"}).status_code == 404
    assert client.get(f"/en/records/{base}/diff/", {"from": "x"}).status_code == 400


def test_a_withdrawn_record_is_marked_with_its_reason(client: Client) -> None:
    from openbch.core.actors import SYSTEM
    from openbch.records.workflow import withdraw

    decision = Record.objects.filter(type="DEC", state=RecordState.PUBLISHED).first()
    assert decision is not None
    withdraw(SYSTEM, identifier=decision.identifier, reason="replaced by a newer decision")
    page = html(client.get(f"/en/records/BCH-DEC-{decision.owner}-{decision.number}/"))
    assert "This record was withdrawn." in page and "replaced by a newer decision" in page
    assert 'class="badge withdrawn"' in page


# ---------------------------------------------------------------------------------------------
# countries


def test_the_country_profile_shows_authorities_laws_and_decisions(client: Client) -> None:
    page = html(client.get("/en/countries/ca/"))
    assert "<h1>Canada</h1>" in page
    assert "Canadian Food Inspection Agency" in page and "Health Canada" in page
    decisions = Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).count()
    assert f"{decisions} decisions published." in page
    assert "No law or regulation has been published." in page


def test_countries_and_unknown_countries(client: Client) -> None:
    assert 'href="/en/countries/ca/">Canada</a>' in html(client.get("/en/countries/"))
    assert client.get("/en/countries/CA/")["Location"] == "/en/countries/ca/"
    assert client.get("/en/countries/xx/").status_code == 404


def test_an_unknown_page_is_an_html_404_and_the_api_keeps_its_problem_body(client: Client) -> None:
    page = client.get("/en/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
    api = client.get("/api/v1/no-such-route")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/problem+json")


def test_a_publication_shows_at_once_on_cached_pages(client: Client) -> None:
    from openbch.core.actors import SYSTEM
    from openbch.records.queries import linking_records
    from openbch.records.workflow import withdraw

    def article(page: str) -> str:
        return page.split("<article", 1)[1].split("</article>", 1)[0]

    first, second = html(client.get(MON810_PATH)), html(client.get(MON810_PATH))
    assert article(first) == article(second)  # the article comes from the cache the second time
    assert first != second  # but never the frame: each page has its own masked CSRF token
    lmo = Record.objects.get(keys__kind="oecd", keys__value="MON008106")
    decision = linking_records(lmo, types=["DEC"])["modifiedOrganisms"][0]
    withdraw(SYSTEM, identifier=decision.identifier, reason="superseded")
    after = html(client.get(MON810_PATH))
    canada = after.split('id="decisions-ca"')[1].split("</table>")[0]
    assert canada.count('class="badge withdrawn"') == 1


def test_the_pages_work_with_the_cache_off(client: Client, settings: object) -> None:
    settings.OPENBCH_WEB_CACHE_SECONDS = 0  # type: ignore[attr-defined]
    assert client.get(MON810_PATH).status_code == 200
    assert client.get("/en/search/", {"q": "maize"}).status_code == 200
    assert client.get("/en/").status_code == 200
