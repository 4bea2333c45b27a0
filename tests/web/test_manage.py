"""The management centre through Django's test client, on the demo data and real accounts.

Drafts are made, submitted, approved and rejected through the pages; the storage is checked after
each step. Permissions are per country: a publishing authority of France neither sees nor decides
Canada's drafts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from openbch.accounts.services import create_user, grant_role
from openbch.core.actors import SYSTEM
from openbch.records.models import Draft, PublicationRequest, Record, RecordState
from openbch.records.workflow import create_draft, publish

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def html(response: Any) -> str:
    return bytes(response.content).decode("utf-8")


def demo_identifier(source_key: str) -> str:
    return Record.objects.get(source_key=source_key).identifier


def make_user(username: str, *grants: tuple[str, str | None]) -> User:
    user = create_user(SYSTEM, username=username, password=PASSWORD)
    for role, country in grants:
        grant_role(SYSTEM, username=username, role=role, country=country)
    return user


@pytest.fixture
def users() -> dict[str, User]:
    return {
        "nau-ca": make_user("nau-ca", ("national-authorized-user", "CA")),
        "npa-ca": make_user("npa-ca", ("national-publishing-authority", "CA")),
        "npa-fr": make_user("npa-fr", ("national-publishing-authority", "FR")),
        "nobody": make_user("nobody"),
    }


def client_for(user: User, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def decision_form(**extra: str | list[str]) -> dict[str, Any]:
    """The POSTed form of a decision that is valid for publication (8.1 about MON810)."""
    data: dict[str, Any] = {
        "f.government": "ca",
        "f.authorities.0": demo_identifier("cna/ca/cfia"),
        "f.title.en": "Web decision",
        "f.date": "2024-05-01",
        "f.decisionTypes": ["8.1"],
        "f.isAmendment": "false",
        "f.expires": "true",
        "f.modifiedOrganisms.0": demo_identifier("lmo/MON-ØØ81Ø-6"),
        "_lang": ["en"],
    }
    data.update(extra)
    return data


def decision_body(title: str = "Web decision") -> dict[str, Any]:
    return {
        "government": {"identifier": "ca"},
        "authorities": [{"identifier": demo_identifier("cna/ca/cfia")}],
        "title": {"en": title},
        "date": "2024-05-01",
        "decisionTypes": [{"identifier": "8.1"}],
        "isAmendment": False,
        "expires": True,
        "modifiedOrganisms": [{"identifier": demo_identifier("lmo/MON-ØØ81Ø-6")}],
    }


def ca_draft(title: str = "Web decision", **changes: Any) -> Draft:
    return create_draft(SYSTEM, record_type="DEC", owner="CA", body={**decision_body(title), **changes})


def edit_url(identifier: str) -> str:
    return f"/en/manage/drafts/{identifier}/"


# ---------------------------------------------------------------------------------------------
# access


@pytest.mark.parametrize(
    "path",
    [
        "/en/manage/",
        "/en/manage/new/",
        "/en/manage/new/decision/",
        "/en/manage/inbox/",
        "/en/manage/users/",
        "/en/manage/pick/?q=maize&for=x",
        "/en/manage/drafts/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page_and_back(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/en/manage/")
    assert "no-store" in response["Cache-Control"]


def test_the_header_offers_management_once_logged_in(users: dict[str, User]) -> None:
    page = html(client_for(users["nau-ca"]).get("/en/"))
    assert 'href="/en/manage/"' in page and "Management" in page
    assert 'href="/en/manage/"' not in html(Client().get("/en/"))


def test_management_pages_are_private_and_never_stored(users: dict[str, User]) -> None:
    response = client_for(users["nau-ca"]).get("/en/manage/")
    assert response.status_code == 200
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert 'name="csrfmiddlewaretoken"' in html(response)  # the header's sign-out form
    assert "Content-Security-Policy" in response


def test_every_post_needs_the_csrf_token(users: dict[str, User]) -> None:
    draft = ca_draft()
    client = client_for(users["npa-ca"], csrf=True)
    for path, data in [
        ("/en/manage/new/decision/", decision_form()),
        (edit_url(draft.record.identifier), {**decision_form(), "_etag": draft.etag}),
        (f"/en/manage/drafts/{draft.record.identifier}/submit/", {"message": "x"}),
        (f"/en/manage/drafts/{draft.record.identifier}/publish/", {}),
        ("/en/manage/users/create/", {"username": "eve", "password": PASSWORD}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert Draft.objects.get(pk=draft.pk).version == draft.version
    assert not User.objects.filter(username="eve").exists()
    assert Record.objects.get(pk=draft.record.pk).state == RecordState.DRAFT


# ---------------------------------------------------------------------------------------------
# the generated form


def test_the_new_decision_form_is_generated_from_the_definition(users: dict[str, User]) -> None:
    response = client_for(users["nau-ca"]).get("/en/manage/new/decision/")
    assert response.status_code == 200
    page = html(response)
    for section in (
        "Country and competent authority",
        "Subject of the decision or communication",
        "Result of the decision",
    ):
        assert section in page
    # vocabulary fields: a checkbox list of decision types, narrower terms indented
    assert 'type="checkbox" name="f.decisionTypes" value="8.1"' in page
    assert re.search(r'<li class="depth-1"><input type="checkbox" name="f.decisionTypes" value="8.1-aia"', page)
    # the government is the user's only country; text fields in the page language
    assert re.search(r'<option value="ca" selected>', page)
    assert 'name="f.title.en"' in page
    # fields that apply only to some decision types are marked for hiding until they apply
    assert re.search(r'class="form-field cond-off[^"]*" id="field-receiptDate"', page)
    assert re.search(r'class="form-field[^"]*" id="field-title"', page)
    # a reference field: a plain input with a picker that searches
    assert 'name="f.modifiedOrganisms.0"' in page and 'hx-get="/en/manage/pick/"' in page


def test_a_french_page_offers_french_text_first(users: dict[str, User]) -> None:
    page = html(client_for(users["nau-ca"]).get("/fr/manage/new/decision/"))
    assert page.index('name="f.title.fr"') < page.index('name="f.title.en"') if 'name="f.title.en"' in page else True
    assert 'name="f.title.fr"' in page
    assert "Pays et autorité compétente" in page


def test_changing_the_decision_type_re_renders_the_conditional_fields(users: dict[str, User]) -> None:
    client = client_for(users["nau-ca"])
    headers = {"HX-Request": "true"}
    as_81 = html(client.post("/en/manage/new/decision/", decision_form(), headers=headers))
    assert as_81.startswith('<div id="draft-fields"')  # only the region
    assert re.search(r'class="form-field[^"]*" id="field-addressesTransboundaryMovement"', as_81)
    assert 'class="form-field cond-off' not in re.search(
        r'<div class="form-field[^"]*" id="field-addressesTransboundaryMovement"', as_81
    ).group(0)  # type: ignore[union-attr]
    assert re.search(r'class="form-field cond-off[^"]*" id="field-releaseInformation"', as_81)
    as_86 = html(
        client.post("/en/manage/new/decision/", decision_form(**{"f.decisionTypes": ["8.6"]}), headers=headers)
    )
    assert re.search(r'class="form-field cond-off[^"]*" id="field-addressesTransboundaryMovement"', as_86)
    assert not re.search(r'class="form-field cond-off[^"]*" id="field-releaseInformation"', as_86)
    # the LMO is mandatory for 8.1, not for 8.6
    assert re.search(r'id="field-modifiedOrganisms".*?\(mandatory\)', as_81, re.S)
    assert not re.search(r'id="field-modifiedOrganisms-legend">[^<]*<span class="req">', as_86)
    assert Record.objects.filter(type="DEC", state=RecordState.DRAFT).count() == 0  # nothing saved


def test_adding_an_item_and_the_no_javascript_update_do_not_save(users: dict[str, User]) -> None:
    client = client_for(users["nau-ca"])
    before = Record.objects.count()
    page = html(
        client.post("/en/manage/new/decision/", {**decision_form(), "_add": "documents", "_lang": ["en", "fr"]})
    )
    assert 'name="f.documents.1.url"' in page  # one more empty item
    assert 'name="f.title.fr"' in page  # French added
    assert Record.objects.count() == before


def test_creating_a_draft_through_the_form_stores_the_parsed_body(users: dict[str, User]) -> None:
    client = client_for(users["nau-ca"])
    response = client.post(
        "/en/manage/new/decision/",
        decision_form(
            **{"f.title.fr": "Décision web", "f.documents.0.url": "https://example.org/d.pdf", "_lang": ["en", "fr"]}
        ),
    )
    assert response.status_code == 302
    identifier = response["Location"].split("/")[-2]
    draft = Draft.objects.get(record__identifier=identifier)
    assert draft.record.owner == "CA"
    assert draft.body == {
        **decision_body(),
        "title": {"en": "Web decision", "fr": "Décision web"},
        "documents": [{"url": "https://example.org/d.pdf"}],
    }
    page = html(client.get(response["Location"]))
    assert "The draft was saved." in page
    assert f'name="_etag" value="{draft.etag.replace(chr(34), "&quot;")}"' in page


def test_a_record_uid_in_a_reference_input_is_stored_as_the_records_guid(users: dict[str, User]) -> None:
    lmo = Record.objects.get(source_key="lmo/MON-ØØ81Ø-6")
    form = decision_form(**{"f.modifiedOrganisms.0": f"bch-lmo-scbd-{lmo.number}"})
    response = client_for(users["nau-ca"]).post("/en/manage/new/decision/", form)
    assert response.status_code == 302
    draft = Draft.objects.get(record__identifier=response["Location"].split("/")[-2])
    assert draft.body["modifiedOrganisms"] == [{"identifier": lmo.identifier}]


def test_draft_warnings_are_shown_next_to_their_fields(users: dict[str, User]) -> None:
    draft = create_draft(
        SYSTEM,
        record_type="DEC",
        owner="CA",
        body={"government": {"identifier": "ca"}, "decisionTypes": [{"identifier": "8.1"}]},
    )
    page = html(client_for(users["nau-ca"]).get(edit_url(draft.record.identifier)))
    # the LMO is mandatory for an 8.1 decision: a warning in a draft, next to the field, in the summary
    field = page.split('id="field-modifiedOrganisms"')[1].split('class="form-field')[0]
    match = re.search(r'<li id="(msg-\d+)" class="warning">.*?LMO identification is mandatory\.', field, re.S)
    assert match, field[:500]
    assert f'aria-describedby="{match.group(1)}' in field
    assert 'class="warning-summary"' in page and 'href="#f-modifiedOrganisms-0"' in page


def test_malformed_values_are_refused_with_the_error_at_the_field(users: dict[str, User]) -> None:
    client = client_for(users["nau-ca"])
    response = client.post("/en/manage/new/decision/", decision_form(**{"f.date": "2024-13-45", "f.title.en": XSS}))
    assert response.status_code == 400
    page = html(response)
    assert "Nothing was saved." in page
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert re.search(r'<a href="#f-date">Date[^<:]*: [^<]+</a>', summary)
    field = page.split('id="field-date"')[1].split('class="form-field')[0]
    assert 'aria-invalid="true"' in field and 'class="error"' in field
    assert 'value="2024-13-45"' in field  # what was typed stays
    assert XSS not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert not Record.objects.filter(type="DEC", state=RecordState.DRAFT).exists()


def test_an_xss_payload_in_a_draft_is_escaped_in_the_edit_form(users: dict[str, User]) -> None:
    draft = ca_draft(XSS, referenceNumber=XSS)
    page = html(client_for(users["nau-ca"]).get(edit_url(draft.record.identifier)))
    assert XSS not in page
    assert "<script>alert" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") >= 2


def test_saving_with_a_stale_etag_is_refused_and_keeps_the_typed_values(users: dict[str, User]) -> None:
    draft = ca_draft()
    client = client_for(users["nau-ca"])
    url = edit_url(draft.record.identifier)
    assert client.post(url, {**decision_form(**{"f.title.en": "First"}), "_etag": draft.etag}).status_code == 302
    response = client.post(url, {**decision_form(**{"f.title.en": "Second"}), "_etag": draft.etag})
    assert response.status_code == 412
    page = html(response)
    assert "Someone saved this draft after you opened it" in page
    assert ">Second</textarea>" in page
    assert Draft.objects.get(pk=draft.pk).body["title"] == {"en": "First"}


def test_a_user_of_another_country_cannot_see_or_edit_the_draft(users: dict[str, User]) -> None:
    draft = ca_draft()
    fr = client_for(users["npa-fr"])
    assert fr.get(edit_url(draft.record.identifier)).status_code == 404
    response = fr.post(edit_url(draft.record.identifier), {**decision_form(), "_etag": draft.etag})
    assert response.status_code == 404
    assert fr.post(f"/en/manage/drafts/{draft.record.identifier}/submit/", {}).status_code == 404
    assert draft.record.identifier not in html(fr.get("/en/manage/"))
    assert Draft.objects.get(pk=draft.pk).version == draft.version
    # a user without any role cannot create a national record either
    response = client_for(users["nobody"]).post("/en/manage/new/decision/", decision_form())
    assert response.status_code == 403
    assert "may not" in html(response)


# ---------------------------------------------------------------------------------------------
# submit, inbox, approve, reject


def test_submitting_an_incomplete_draft_names_each_strict_error_at_its_field(users: dict[str, User]) -> None:
    body = decision_body()
    del body["modifiedOrganisms"]
    draft = create_draft(SYSTEM, record_type="DEC", owner="CA", body=body)
    response = client_for(users["nau-ca"]).post(
        f"/en/manage/drafts/{draft.record.identifier}/submit/", {"message": "please"}
    )
    assert response.status_code == 400
    page = html(response)
    assert "cannot be published yet" in page
    field = page.split('id="field-modifiedOrganisms"')[1].split('class="form-field')[0]
    assert 'class="error"' in field and "is mandatory" in field
    assert ">please</textarea>" in page  # the message is kept
    assert not PublicationRequest.objects.filter(record=draft.record).exists()


def test_submit_then_the_countrys_authority_approves_from_the_inbox(users: dict[str, User]) -> None:
    draft = ca_draft("Approve me")
    identifier = draft.record.identifier
    response = client_for(users["nau-ca"]).post(
        f"/en/manage/drafts/{identifier}/submit/", {"message": "ready <b>now</b>"}
    )
    assert response.status_code == 302 and response["Location"] == "/en/manage/?done=submitted"
    assert PublicationRequest.objects.get(record__identifier=identifier).message == "ready <b>now</b>"

    ca, fr = client_for(users["npa-ca"]), client_for(users["npa-fr"])
    inbox = html(ca.get("/en/manage/inbox/"))
    assert f"/en/manage/requests/{identifier}/" in inbox and "ready &lt;b&gt;now&lt;/b&gt;" in inbox
    assert identifier not in html(fr.get("/en/manage/inbox/"))
    assert fr.get(f"/en/manage/requests/{identifier}/").status_code == 404
    assert fr.post(f"/en/manage/requests/{identifier}/approve/").status_code == 404
    # the submitter may not approve
    assert client_for(users["nau-ca"]).post(f"/en/manage/requests/{identifier}/approve/").status_code == 403

    request_page = html(ca.get(f"/en/manage/requests/{identifier}/"))
    assert "Approve me" in request_page and "Approve and publish" in request_page
    response = ca.post(f"/en/manage/requests/{identifier}/approve/")
    assert response.status_code == 302
    record = Record.objects.get(identifier=identifier)
    assert record.state == RecordState.PUBLISHED and record.revision == 1
    done = html(ca.get(response["Location"]))
    assert "the record is published" in done and f"BCH-DEC-CA-{record.number}-1" in done
    assert Client().get(f"/en/records/BCH-DEC-CA-{record.number}/").status_code == 200
    # deciding twice is a conflict, not an error page with a stack trace
    again = ca.post(f"/en/manage/requests/{identifier}/approve/")
    assert again.status_code == 409 and "no pending publication request" in html(again)


def test_a_rejection_needs_a_reason_which_the_submitter_then_sees(users: dict[str, User]) -> None:
    draft = ca_draft("Reject me")
    identifier = draft.record.identifier
    client_for(users["nau-ca"]).post(f"/en/manage/drafts/{identifier}/submit/", {"message": "m"})
    ca = client_for(users["npa-ca"])
    response = ca.post(f"/en/manage/requests/{identifier}/reject/", {"reason": "  "})
    assert response.status_code == 400
    page = html(response)
    assert "Give the reason for the rejection." in page
    assert re.search(
        r'<textarea id="reject-reason"[^>]*aria-invalid="true" aria-describedby="reject-reason-error-1"', page
    )
    assert PublicationRequest.objects.get(record__identifier=identifier).status == "pending"

    response = ca.post(f"/en/manage/requests/{identifier}/reject/", {"reason": "The date is wrong"})
    assert response.status_code == 302
    assert PublicationRequest.objects.get(record__identifier=identifier).status == "rejected"
    assert not Draft.objects.get(record__identifier=identifier).locked
    submitter = client_for(users["nau-ca"])
    assert "The date is wrong" in html(submitter.get("/en/manage/"))
    assert "The date is wrong" in html(submitter.get(edit_url(identifier)))


def test_a_publishing_authority_publishes_directly(users: dict[str, User]) -> None:
    draft = ca_draft("Direct")
    page = html(client_for(users["npa-ca"]).get(edit_url(draft.record.identifier)))
    assert "Publish now" in page
    assert "Publish now" not in html(client_for(users["nau-ca"]).get(edit_url(draft.record.identifier)))
    response = client_for(users["npa-ca"]).post(f"/en/manage/drafts/{draft.record.identifier}/publish/")
    assert response.status_code == 302
    record = Record.objects.get(pk=draft.record.pk)
    assert record.state == RecordState.PUBLISHED
    assert response["Location"] == f"/en/records/BCH-DEC-CA-{record.number}/"


def test_an_amendment_is_reviewed_with_its_differences(users: dict[str, User]) -> None:
    draft = ca_draft("Original title")
    publish(SYSTEM, identifier=draft.record.identifier)
    identifier = draft.record.identifier
    ca = client_for(users["npa-ca"])
    manage_page = html(ca.get(f"/en/manage/records/{identifier}/"))
    assert "Withdraw the record" in manage_page and "Start the amendment" in manage_page
    assert ca.post(f"/en/manage/records/{identifier}/amend/", {"reason": ""}).status_code == 400
    response = ca.post(f"/en/manage/records/{identifier}/amend/", {"reason": "typo"})
    assert response.status_code == 302
    amendment = Draft.objects.get(record__identifier=identifier)
    form = {**decision_form(**{"f.title.en": "Corrected title"}), "_etag": amendment.etag}
    assert ca.post(edit_url(identifier), form).status_code == 302
    client_for(users["nau-ca"]).post(f"/en/manage/drafts/{identifier}/submit/", {"message": "fix"})
    page = html(ca.get(f"/en/manage/requests/{identifier}/"))
    diff = page.split('class="data-table diff"')[1].split("</table>")[0]
    assert "<del>Original title</del>" in diff and "<ins>Corrected title</ins>" in diff
    # the public record stays at revision 1 until the approval
    assert Record.objects.get(identifier=identifier).revision == 1


def test_withdrawal_needs_a_reason_and_only_the_authority_may(users: dict[str, User]) -> None:
    draft = ca_draft("To withdraw")
    publish(SYSTEM, identifier=draft.record.identifier)
    identifier = draft.record.identifier
    assert (
        client_for(users["nau-ca"]).post(f"/en/manage/records/{identifier}/withdraw/", {"reason": "x"}).status_code
        == 403
    )
    ca = client_for(users["npa-ca"])
    assert ca.post(f"/en/manage/records/{identifier}/withdraw/", {"reason": ""}).status_code == 400
    response = ca.post(f"/en/manage/records/{identifier}/withdraw/", {"reason": "superseded"})
    assert response.status_code == 302
    record = Record.objects.get(identifier=identifier)
    assert record.state == RecordState.WITHDRAWN and record.withdrawn_reason == "superseded"


def test_editing_a_published_record_starts_the_draft_of_its_next_revision(users: dict[str, User]) -> None:
    draft = ca_draft("Published once")
    publish(SYSTEM, identifier=draft.record.identifier)
    identifier = draft.record.identifier
    client = client_for(users["nau-ca"])
    page = html(client.get(edit_url(identifier)))
    assert "Saving this form starts the draft of its next revision" in page
    assert 'name="_etag" value="&quot;1.0&quot;"' in page
    response = client.post(edit_url(identifier), {**decision_form(**{"f.title.en": "Second"}), "_etag": '"1.0"'})
    assert response.status_code == 302
    assert Draft.objects.get(record__identifier=identifier).base_revision == 1


# ---------------------------------------------------------------------------------------------
# the reference picker


def test_the_reference_picker_searches_the_target_type(users: dict[str, User]) -> None:
    client = client_for(users["nau-ca"])
    lmo = demo_identifier("lmo/MON-ØØ81Ø-6")
    response = client.get(
        "/en/manage/pick/",
        {"q": "MON810", "types": "LMO", "for": "f-modifiedOrganisms-0"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = html(response)
    assert f'data-pick-value="{lmo}"' in page and 'data-pick-for="f-modifiedOrganisms-0"' in page
    assert "data-pick-value" not in html(
        client.get("/en/manage/pick/", {"q": "MON810", "types": "CNA", "for": "f-x-0"})
    )
    assert client.get("/en/manage/pick/", {"q": "x", "for": '"><script>'}).status_code == 400


# ---------------------------------------------------------------------------------------------
# users of a country


def test_a_publishing_authority_manages_its_countrys_users(users: dict[str, User]) -> None:
    ca = client_for(users["npa-ca"])
    page = html(ca.get("/en/manage/users/"))
    assert "nau-ca" in page and "npa-fr" not in page
    response = ca.post(
        "/en/manage/users/create/", {"username": "newbie", "email": "n@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and "user=newbie" in response["Location"]
    assert 'value="newbie"' in html(ca.get(response["Location"]))
    response = ca.post(
        "/en/manage/users/grant/",
        {"username": "newbie", "role": "national-authorized-user", "country": "CA", "record_types": ["DEC"]},
    )
    assert response.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert list(newbie.role_assignments.values_list("role", "country", "record_types")) == [
        ("national-authorized-user", "CA", ["DEC"])
    ]
    assert "newbie" in html(ca.get("/en/manage/users/"))
    # another country's role is refused by the service, and the page says why
    response = ca.post(
        "/en/manage/users/grant/", {"username": "newbie", "role": "national-authorized-user", "country": "FR"}
    )
    assert response.status_code == 403 and "may not grant" in html(response)
    response = ca.post("/en/manage/users/disable/", {"username": "npa-fr"})
    assert response.status_code == 403
    assert User.objects.get(username="npa-fr").is_active
    assert (
        ca.post(
            "/en/manage/users/revoke/", {"username": "newbie", "role": "national-authorized-user", "country": "CA"}
        ).status_code
        == 302
    )
    assert not newbie.role_assignments.exists()
    assert (
        ca.post(
            "/en/manage/users/grant/", {"username": "newbie", "role": "national-authorized-user", "country": "CA"}
        ).status_code
        == 302
    )
    assert ca.post("/en/manage/users/disable/", {"username": "newbie"}).status_code == 302
    assert not User.objects.get(username="newbie").is_active


def test_user_creation_errors_are_named_at_their_fields(users: dict[str, User]) -> None:
    ca = client_for(users["npa-ca"])
    response = ca.post("/en/manage/users/create/", {"username": "bad name!", "email": "nope", "password": "123"})
    assert response.status_code == 400
    page = html(response)
    assert re.search(r'id="create-username" name="username"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="create-email" name="email"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="create-password" name="password"[^>]*aria-invalid="true"', page)
    assert "123" not in page.split('id="create-password"')[1].split(">")[0]  # a password is never echoed
    response = ca.post("/en/manage/users/create/", {"username": "nau-ca", "password": PASSWORD})
    assert response.status_code == 409 and "taken" in html(response)


def test_only_publishing_authorities_reach_user_management(users: dict[str, User]) -> None:
    response = client_for(users["nau-ca"]).get("/en/manage/users/")
    assert response.status_code == 403
    response = client_for(users["nau-ca"]).post("/en/manage/users/create/", {"username": "x2", "password": PASSWORD})
    assert response.status_code == 403
    assert not User.objects.filter(username="x2").exists()


def test_record_pages_lead_signed_in_users_to_the_management_of_the_record(users: dict[str, User]) -> None:
    decision = Record.objects.filter(type="DEC", owner="CA", state=RecordState.PUBLISHED).first()
    assert decision is not None
    path = f"/en/records/BCH-DEC-CA-{decision.number}/"
    link = f'href="/en/manage/records/{decision.identifier}/"'
    assert link not in html(Client().get(path))
    assert link in html(client_for(users["npa-ca"]).get(path))
    page = html(client_for(users["npa-ca"]).get(f"/en/manage/records/{decision.identifier}/"))
    assert "Withdraw the record" in page
    # a publishing authority of another country may read the public record, not manage it
    assert client_for(users["npa-fr"]).get(f"/en/manage/records/{decision.identifier}/").status_code == 403


def test_the_management_centre_speaks_french(users: dict[str, User]) -> None:
    page = html(client_for(users["nau-ca"]).get("/fr/manage/"))
    assert "Mes brouillons et demandes" in page and ">Gestion<" in page
    form = html(client_for(users["nau-ca"]).get("/fr/manage/new/decision/"))
    assert "Enregistrer le brouillon" in form and "(obligatoire)" in form
