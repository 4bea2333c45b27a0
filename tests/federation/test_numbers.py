"""Record numbers: each country's node mints in its own block; copies never make two records share one;
a node set up again starts after the numbers central holds, and central refuses a colliding one."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
import typer
from django.test import Client
from typer.testing import CliRunner

from openbch.accounts.services import create_token
from openbch.core.actors import SYSTEM
from openbch.federation.cli import node_app
from openbch.federation.node import init_node
from openbch.federation.numbers import BLOCK_SIZE, block_start, keep_ahead_of, start_numbering_in_block
from openbch.records.models import AuditEntry, NumberCounter, Record, Revision
from openbch.records.publishing import new_identifier
from openbch.records.workflow import withdraw
from tests.federation.feed_entries import feed_change
from tests.federation.instances import COLOMBIA
from tests.web.test_manage import make_user

pytestmark = pytest.mark.django_db


def test_blocks_are_disjoint_and_fit_a_32_bit_integer() -> None:
    starts = sorted(block_start(a + b) for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert all(later - earlier == BLOCK_SIZE for earlier, later in itertools.pairwise(starts))
    assert starts[0] > 10_000_000 and starts[-1] + BLOCK_SIZE <= 2**31 - 1
    assert block_start("co") == block_start("CO") == 1_066_000_000
    with pytest.raises(ValueError, match="two-letter"):
        block_start("COL")


def _next() -> int:
    return NumberCounter.objects.get(pk=1).next_number


def test_central_ignores_node_numbers_and_a_node_moves_past_its_own_adopted_ones() -> None:
    NumberCounter.objects.update_or_create(pk=1, defaults={"next_number": 5000})
    keep_ahead_of([1_066_000_004, 4999])  # central receives Colombia's records: its own counter stays
    assert _next() == 5000
    keep_ahead_of([5000, 5007])  # copies of central's own numbers above the counter (a restored central)
    assert _next() == 5008
    start = start_numbering_in_block("CO")
    assert start == 1_066_000_000 == _next()
    keep_ahead_of([1_066_000_041, 1_067_000_000, 12])  # its own records, back from central
    assert _next() == 1_066_000_042
    assert start_numbering_in_block("CO") == 1_066_000_042  # init again: never backwards


def _colombian_page(number: int, identifier: str, *, seq: int = 1) -> dict[str, Any]:
    body = {**COLOMBIA["body"], "acronym": f"N{number}"}
    change = feed_change(
        seq,
        record_type="CNA",
        owner="CO",
        number=number,
        revision=1,
        identifier=identifier,
        body=body,
        instance="node-co",
        published_at="2026-12-01T09:00:00+00:00",
        published_by="mads@node-co",
    )
    return {"changes": [change], "last_seq": seq}


def _push(page: dict[str, Any], token: str) -> Any:
    return Client().post(
        "/api/v1/federation/changes", page, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_central_says_the_highest_number_it_holds_in_a_block_and_refuses_a_colliding_one() -> None:
    """What ``node init`` asks central (public), and central's check when it could not be asked: a
    record a rebuilt node numbered with a number central holds for another record is refused by name
    (``number_taken``), and nothing is written."""
    empty = Client().get("/api/v1/federation/numbers/co")
    assert empty.status_code == 200, empty.content
    assert empty.json() == {"country": "CO", "block_start": 1_066_000_000, "block_end": 1_066_999_999, "highest": None}
    make_user("co-node", ("national-publishing-authority", "CO"))
    token = create_token(SYSTEM, name="node", scopes=["read", "write"], owner="co-node").plaintext
    first = new_identifier()
    assert _push(_colombian_page(1_066_000_041, first), token).status_code == 200
    assert _push(_colombian_page(1_066_000_007, new_identifier(), seq=2), token).status_code == 200
    withdraw(SYSTEM, identifier=first, reason="a duplicate")  # a withdrawn record keeps its number
    assert Client().get("/api/v1/federation/numbers/CO").json()["highest"] == 1_066_000_041
    assert Client().get("/api/v1/federation/numbers/CA").json()["highest"] is None
    bad = Client().get("/api/v1/federation/numbers/COL")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "invalid_parameter"

    before = Record.objects.count(), Revision.objects.count()
    colliding = _push(_colombian_page(1_066_000_041, new_identifier(), seq=3), token)
    assert colliding.status_code == 422, colliding.content
    [issue] = colliding.json()["errors"]
    assert (issue["path"], issue["code"]) == ("changes[0]/number", "number_taken")
    assert (Record.objects.count(), Revision.objects.count()) == before


def test_a_node_set_up_again_numbers_after_what_central_holds() -> None:
    node = init_node(
        SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=[], central_highest=1_066_000_041
    )
    assert node.country == "CO" and _next() == 1_066_000_042
    assert AuditEntry.objects.filter(action="node.configured").latest("seq").details["central_highest"] == (
        1_066_000_041
    )
    # again, knowing less: never backwards; a number outside the block changes nothing
    init_node(SYSTEM, country="CO", central_url="http://127.0.0.1:9/", countries=[], central_highest=12)
    assert _next() == 1_066_000_042


def test_node_init_warns_when_central_cannot_be_asked() -> None:
    app = typer.Typer()
    app.add_typer(node_app, name="node")
    done = CliRunner().invoke(app, ["node", "init", "--country", "CO", "--central", "http://127.0.0.1:9/"])
    assert done.exit_code == 0, done.output
    assert "warning: could not ask central (http://127.0.0.1:9/)" in done.output
    assert "number_taken" in done.output and "openbch sync pull" in done.output
    answer = json.loads(done.output.strip().splitlines()[-1])
    assert (answer["central_checked"], answer["central_highest"], answer["next_number"]) == (
        False,
        None,
        1_066_000_000,
    )
