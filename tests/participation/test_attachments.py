"""Attachments on posts: the allowed types told by their bytes, the limits, where the bytes go,
who may download them, and names that try to trick a reader or the file system."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.core.errors import NotFoundError, ValidationFailedError
from openbch.participation import attachments as files
from openbch.participation import services
from openbch.participation.models import Attachment
from tests.participation.conftest import World

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(32) + b"\xff\xd9"
TEXT = "Notes from the hearing — résumé, 听证会\n".encode()
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(50)


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", ELF)
    return buffer.getvalue()


def _status(client: Client, url: str) -> int:
    """The status of a download, its file closed (a FileResponse holds it open until read or closed)."""
    response = client.get(url)
    _drain(response)
    return int(response.status_code)


def _drain(response: object) -> bytes:
    # reading a download to its end closes its file (the test client's wrapper does, without
    # closing the test's database connection as ``close()`` would)
    return b"".join(getattr(response, "streaming_content", []))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF, "application/pdf"),
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (TEXT, "text/plain"),
        (_docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (_odt(), "application/vnd.oasis.opendocument.text"),
        (ELF, None),
        (WINDOWS_EXE, None),
        (_plain_zip(), None),
        (b"\x00\x01binary", None),
        (b"<html><script>alert(1)</script>", "text/plain"),  # served as a download, as text: harmless
    ],
)
def test_the_type_is_told_by_the_first_bytes(data: bytes, expected: str | None) -> None:
    assert files.detect_type(data) == expected


def test_a_post_with_files_keeps_them_under_their_sha256_in_the_data_folder(world: World) -> None:
    post = services.post_in_debate(
        world.actor("member"),
        debate="techniques",
        body="With the minutes",
        attachments=[files.Upload("minutes.pdf", PDF), files.Upload("photo.PNG", PNG), files.Upload("n.txt", TEXT)],
    )
    found = list(post.attachments.order_by("pk"))
    assert [(a.filename, a.content_type, a.size) for a in found] == [
        ("minutes.pdf", "application/pdf", len(PDF)),
        ("photo.png", "image/png", len(PNG)),
        ("n.txt", "text/plain", len(TEXT)),
    ]
    digest = hashlib.sha256(PDF).hexdigest()
    assert found[0].sha256 == digest
    stored = Path(settings.DATA_DIR) / "attachments" / digest[:2] / digest
    assert stored.read_bytes() == PDF
    # the same bytes attached again are kept once
    services.post_in_debate(
        world.actor("moderator"), debate="techniques", body="Again", attachments=[files.Upload("copy.pdf", PDF)]
    )
    assert len(list(stored.parent.glob(f"{digest}*"))) == 1


def test_a_renamed_executable_too_many_and_too_big_files_are_refused_naming_the_field(world: World) -> None:
    member = world.actor("member")
    with pytest.raises(ValidationFailedError) as renamed:
        services.post_in_debate(member, debate="techniques", body="x", attachments=[files.Upload("report.pdf", ELF)])
    assert [(i.path, i.code) for i in renamed.value.issues] == [("/attachments/0", "file_type_not_allowed")]
    with pytest.raises(ValidationFailedError) as many:
        services.post_in_debate(member, debate="techniques", body="x", attachments=[files.Upload("a.txt", TEXT)] * 4)
    assert ("/attachments", "too_many_files") in [(i.path, i.code) for i in many.value.issues]
    with override_settings(OPENBCH_ATTACHMENT_MAX_BYTES=1024), pytest.raises(ValidationFailedError) as big:
        services.post_in_debate(
            member,
            debate="techniques",
            body="x",
            attachments=[files.Upload("ok.txt", TEXT), files.Upload("big.pdf", PDF + bytes(2048))],
        )
    assert [(i.path, i.code) for i in big.value.issues] == [("/attachments/1", "file_too_large")]
    assert "big.pdf" in big.value.issues[0].message
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("given", "content_type", "expected"),
    [
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("..\\..\\windows\\system32\\evil.pdf", "application/pdf", "evil.pdf"),
        ('quote"; filename="x.html', "text/plain", "quote__ filename=_x.html.txt"),
        ("invoice\u202efdp.exe", "application/pdf", "invoice_fdp.exe.pdf"),
        ("report.exe", "application/pdf", "report.exe.pdf"),
        ("\x00\x1b[31mred.png", "image/png", "[31mred.png"),
        ("", "image/jpeg", "attachment.jpg"),
        ("..", "text/plain", "attachment.txt"),
        ("x" * 500 + ".pdf", "application/pdf", "x" * 196 + ".pdf"),
        ("photo.JPEG", "image/jpeg", "photo.jpeg"),
    ],
)
def test_hostile_names_are_made_safe(given: str, content_type: str, expected: str) -> None:
    assert files.safe_filename(given, content_type) == expected


def test_the_thread_page_form_uploads_lists_and_serves_files_as_downloads(world: World, client: Client) -> None:
    thread = services.start_thread(world.actor("moderator"), forum="access", title="Minutes", body="See below")
    client.force_login(world.moderator)
    form = client.get(f"/en/forums/access/threads/{thread.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in form and 'name="attachments"' in form
    sent = client.post(
        f"/en/forums/access/threads/{thread.pk}/",
        {
            "body": "The minutes",
            "attachments": [
                SimpleUploadedFile("minutes.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile('a"b\u202egnp.txt', TEXT, content_type="image/png"),
            ],
        },
    )
    assert sent.status_code == 302
    first, second = Attachment.objects.order_by("pk")
    # the type from the bytes, not the browser's word; no quote or direction override kept
    assert second.content_type == "text/plain" and second.filename.endswith(".txt")
    assert not {'"', "\u202e"} & set(second.filename)
    page = Client().get(f"/en/forums/access/threads/{thread.pk}/").content.decode()
    assert f'href="/en/forums/attachments/{first.pk}/"' in page and "minutes.pdf" in page
    download = Client().get(f"/en/forums/attachments/{first.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert _drain(download) == PDF
    odd = Client().get(f"/en/forums/attachments/{second.pk}/")
    _drain(odd)
    assert odd["Content-Disposition"].startswith("attachment;") and '"' not in odd["Content-Disposition"][22:-1]


def test_a_too_big_upload_through_the_form_is_refused_naming_the_field(world: World, client: Client) -> None:
    client.force_login(world.member)
    with override_settings(OPENBCH_ATTACHMENT_MAX_BYTES=1024):
        refused = client.post(
            "/en/debates/techniques/",
            {"body": "Big", "attachments": [SimpleUploadedFile("big.pdf", PDF + bytes(4096))]},
        )
    assert refused.status_code == 400  # the web pages' status for bad input
    assert "/attachments/0" in refused.content.decode() and "larger than" in refused.content.decode()
    renamed = client.post(
        "/en/debates/techniques/", {"body": "Exe", "attachments": [SimpleUploadedFile("setup.pdf", WINDOWS_EXE)]}
    )
    assert renamed.status_code == 400 and "not a PDF" in renamed.content.decode()


def test_a_hidden_pending_or_rejected_posts_file_is_not_served_to_the_public(world: World, client: Client) -> None:
    moderator = world.actor("moderator")
    thread = services.start_thread(
        moderator, forum="access", title="T", body="B", attachments=[files.Upload("a.pdf", PDF)]
    )
    published = thread.posts.get().attachments.get()
    pending = services.reply(
        world.actor("member"), thread_id=thread.pk, body="Mine", attachments=[files.Upload("m.png", PNG)]
    )
    queued = pending.attachments.get()
    assert _status(Client(), f"/en/forums/attachments/{published.pk}/") == 200
    # waiting for a moderator: its author and the moderators may see it, nobody else
    assert _status(Client(), f"/en/forums/attachments/{queued.pk}/") == 404
    member = Client()
    member.force_login(world.member)
    assert _status(member, f"/en/forums/attachments/{queued.pk}/") == 200
    client.force_login(world.moderator)
    assert _status(client, f"/en/forums/attachments/{queued.pk}/") == 200
    services.reject_post(moderator, post_id=pending.pk, reason="spam")
    assert _status(member, f"/en/forums/attachments/{queued.pk}/") == 404
    services.hide_post(moderator, post_id=thread.posts.order_by("pk").first().pk, reason="off topic")  # type: ignore[union-attr]
    assert _status(Client(), f"/en/forums/attachments/{published.pk}/") == 404
    assert _status(Client(), f"/api/v1/attachments/{published.pk}") == 404
    assert _status(client, f"/en/forums/attachments/{published.pk}/") == 200
    with pytest.raises(NotFoundError):
        services.attachment_for_reader(world.actor("other_moderator"), attachment_id=published.pk)
    # and the hidden post's listing has no attachments
    shown = Client().get(f"/api/v1/threads/{thread.pk}").json()["posts"][0]
    assert shown["html"] is None and shown["attachments"] == []


def test_the_api_attaches_by_multipart_and_lists_attachments_with_the_post(world: World, client: Client) -> None:
    issued = create_token(SYSTEM, name="attach", scopes=["read", "write"], owner="moderator-a")
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    thread = services.start_thread(world.actor("moderator"), forum="access", title="T", body="B")
    post = thread.posts.get()
    made = client.post(
        f"/api/v1/posts/{post.pk}/attachments",
        {"files": [SimpleUploadedFile("plan.docx", _docx()), SimpleUploadedFile("notes.odt", _odt())]},
        headers=headers,
    )
    assert made.status_code == 201, made.content
    assert [a["filename"] for a in made.json()] == ["plan.docx", "notes.odt"]
    listed = client.get(f"/api/v1/threads/{thread.pk}").json()["posts"][0]["attachments"]
    assert [a["content_type"] for a in listed] == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.oasis.opendocument.text",
    ]
    download = client.get(listed[0]["url"])
    _drain(download)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/api/v1/posts/{post.pk}").json()["attachments"][1]["filename"] == "notes.odt"
    too_many = client.post(
        f"/api/v1/posts/{post.pk}/attachments",
        {"files": [SimpleUploadedFile("a.txt", TEXT), SimpleUploadedFile("b.txt", TEXT)]},
        headers=headers,
    )
    assert too_many.status_code == 422
    assert [i["path"] for i in too_many.json()["errors"]] == ["/attachments"]
    bad = client.post(
        f"/api/v1/posts/{post.pk}/attachments", {"files": [SimpleUploadedFile("x.pdf", ELF)]}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "file_type_not_allowed"
    # only the author attaches
    other = create_token(SYSTEM, name="attach", scopes=["read", "write"], owner="member")
    refused = client.post(
        f"/api/v1/posts/{post.pk}/attachments",
        {"files": [SimpleUploadedFile("a.txt", TEXT)]},
        headers={"Authorization": f"Bearer {other.plaintext}"},
    )
    assert refused.status_code == 403


def test_a_new_thread_from_the_forum_page_takes_files_too(world: World, client: Client) -> None:
    client.force_login(world.member)
    assert 'enctype="multipart/form-data"' in client.get("/en/forums/access/").content.decode()
    sent = client.post(
        "/en/forums/access/",
        {"title": "Leaflet", "body": "Our leaflet", "attachments": [SimpleUploadedFile("leaflet.jpg", JPEG)]},
    )
    assert sent.status_code == 302 and "done=pending" in sent["Location"]
    attached = Attachment.objects.get()
    assert (attached.filename, attached.content_type, attached.post.status) == ("leaflet.jpg", "image/jpeg", "pending")
