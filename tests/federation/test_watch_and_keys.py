"""``openbch sync run --watch`` as a real process between two real instances, a node's keys
registered and rotated at central through the API (``openbch keys register|rotate``), and central's
rotation followed by the node (a bundle's rotation statements, ``openbch keys refresh``, ``sync run``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.federation.instances import (
    OPENBCH,
    Instance,
    canadian_authority,
    colombian_authority,
    fresh_postgres_database,
    latest,
    make_node,
    openbch,
    peer,
    publish_lines,
    query,
    served_central,
)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    database = fresh_postgres_database("watch")
    with served_central(tmp_path_factory.mktemp("central-watch"), database) as served:
        yield served


@pytest.fixture
def node(tmp_path: Path, central: Instance) -> Instance:
    return make_node(tmp_path, central)


def _watch(node: Instance, log: Path, **env: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(
            [str(OPENBCH), "sync", "run", "--watch", "--interval", "0.3"],
            env={**node.env, **env},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> int:
    try:
        os.killpg(process.pid, sig)
        return process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def test_watch_brings_a_publication_to_central_and_stops_cleanly(central: Instance, node: Instance) -> None:
    log = node.data_dir / "watch.log"
    process = _watch(node, log)
    try:
        _until(lambda: peer(node)["last_seq"] > 0 and peer(node)["head_seq"] == peer(node)["last_seq"], 240, "a pull")
        publish_lines(node, [colombian_authority("watched", "WATCHED")])
        [[identifier]] = query(node, "SELECT identifier FROM records_record WHERE source_key = 'cna/co/watched'")
        _until(lambda: identifier in latest(central), 60, "the node's publication at central")
        assert latest(central)[identifier] == latest(node)[identifier]
        assert process.poll() is None, "the loop ended by itself"
    finally:
        code = _stop(process)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text
    assert "SIGTERM: stopping" in text and "round " in text and "pushed 1" in text  # plain lines, not a bar
    assert json.loads(text[text.index("{") :])["stopped"] is True
    assert peer(node)["last_error"] == ""


def test_watch_records_failures_retries_with_backoff_and_stops_on_sigint(central: Instance, node: Instance) -> None:
    openbch(node.env, "sync", "pull")  # (the pull needs no token; it moves the node's numbers past central's)
    publish_lines(node, [colombian_authority("refused", "REFUSED")])
    log = node.data_dir / "failing.log"
    process = _watch(node, log, OPENBCH_CENTRAL_TOKEN="obch_not-a-token")
    try:
        _until(
            lambda: "401" in peer(node)["last_error"] or "Unauthorized" in peer(node)["last_error"], 240, "a failure"
        )
        _until(lambda: log.read_text(encoding="utf-8").count("failed (") >= 2, 60, "a retry")
        assert process.poll() is None, "a failure ended the loop"
    finally:
        code = _stop(process, signal.SIGINT)
    text = log.read_text(encoding="utf-8")
    assert code == 0, text
    pauses = [
        float(line.rsplit("next try in ", 1)[1].split()[0]) for line in text.splitlines() if "next try in" in line
    ]
    assert pauses[:2] == [0.6, 1.2], pauses  # the interval doubled per failure in a row
    # with the right token, one run without --watch finishes the job
    done = json.loads(openbch(node.env, "sync", "run").stdout)
    assert done["rounds"] == 1 and done["push"]["published"] == 1 and peer(node)["last_error"] == ""


def _trusted_at_central(central: Instance) -> dict[str, tuple[str, str, bool]]:
    rows = query(central, "SELECT key_id, instance, country, revoked_at FROM federation_trustedkey")
    return {key_id: (instance, country, revoked is not None) for key_id, instance, country, revoked in rows}


def test_a_node_registers_and_rotates_its_key_at_central(central: Instance, node: Instance) -> None:
    openbch(node.env, "sync", "pull")
    first = json.loads(openbch(node.env, "keys", "generate").stdout)
    registered = json.loads(openbch(node.env, "keys", "register").stdout)
    assert registered["key_id"] == first["key_id"] and registered["country"] == "CO"
    assert _trusted_at_central(central)[first["key_id"]] == ("node-co", "CO", False)
    # a bundle signed with the first key, carried to central after the rotation, still verifies
    publish_lines(node, [colombian_authority("signed-old", "OLD")])
    older = node.data_dir / "older.bundle"
    openbch(node.env, "bundle", "export", "--output", str(older))
    rotated = json.loads(openbch(node.env, "keys", "rotate").stdout)
    assert rotated["previous_key_id"] == first["key_id"] and rotated["key_id"] != first["key_id"]
    assert rotated["registered"]["key_id"] == rotated["key_id"]
    trusted = _trusted_at_central(central)
    assert trusted[first["key_id"]] == trusted[rotated["key_id"]] == ("node-co", "CO", False)
    assert json.loads(openbch(node.env, "keys", "show").stdout)["own"]["key_id"] == rotated["key_id"]
    assert json.loads(openbch(central.env, "bundle", "import", str(older)).stdout)["published"] == 1
    publish_lines(node, [colombian_authority("signed-new", "NEW")])
    newer = node.data_dir / "newer.bundle"
    openbch(node.env, "bundle", "export", "--output", str(newer))
    assert json.loads(openbch(central.env, "bundle", "import", str(newer)).stdout)["published"] == 1
    # retiring the old key at central: what it signed is refused from then on
    openbch(central.env, "keys", "revoke", first["key_id"])
    again = openbch(central.env, "bundle", "import", str(older), check=False)
    assert again.returncode == 1 and "revoked" in again.stderr
    # a node cannot register a key as another country's, nor without a token
    no_token = {k: v for k, v in node.env.items() if k != "OPENBCH_CENTRAL_TOKEN"}
    assert openbch(no_token, "keys", "register", check=False).returncode == 1


def test_centrals_rotation_reaches_the_node_by_bundle_refresh_and_sync_run(central: Instance, node: Instance) -> None:
    openbch(node.env, "sync", "pull")
    first = json.loads(openbch(central.env, "keys", "generate").stdout)
    openbch(node.env, "keys", "trust", "--instance", first["instance"], "--public-key", first["public_key"])
    # central rotates: its next bundle, signed by the new key, carries the statement the old key signed
    rotated = json.loads(openbch(central.env, "keys", "rotate").stdout)
    assert rotated["previous_key_id"] == first["key_id"] and rotated["rotation_signed"] is True
    publish_lines(central, [canadian_authority("after-rotation", "ROT")])
    bundle = node.data_dir / "central.bundle"
    openbch(central.env, "bundle", "export", "--after", str(peer(node)["last_seq"]), "--output", str(bundle))
    imported = json.loads(openbch(node.env, "bundle", "import", str(bundle)).stdout)
    assert imported["published"] == 1 and imported["keys_accepted"] == [rotated["key_id"]]
    # online: ``keys refresh`` follows the next rotation (GET /api/v1/federation/keys/central-test)
    again = json.loads(openbch(central.env, "keys", "rotate").stdout)
    refreshed = json.loads(openbch(node.env, "keys", "refresh").stdout)
    assert (refreshed["accepted"], refreshed["trusted_from"]) == ([again["key_id"]], rotated["key_id"])
    # and ``sync run`` follows the one after, before its round
    third = json.loads(openbch(central.env, "keys", "rotate").stdout)
    done = openbch(node.env, "sync", "run")
    assert f"central's key rotated to {third['key_id']}" in done.stdout + done.stderr
    trusted = {key_id for (key_id,) in query(node, "SELECT key_id FROM federation_trustedkey WHERE revoked_at IS NULL")}
    assert trusted == {first["key_id"], rotated["key_id"], again["key_id"], third["key_id"]}
    rotations = query(node, "SELECT details FROM records_auditentry WHERE action = 'key.rotated' ORDER BY seq")
    assert len(rotations) == 3
