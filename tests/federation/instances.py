"""Real openbch instances on 127.0.0.1 for the federation tests: a central clearing-house served by
``openbch serve`` and national nodes driven through their CLI, each with its own database (SQLite
in a data folder, or a fresh PostgreSQL database when the suite runs on PostgreSQL).

Both sides' state is read straight from their databases (read-only SQL), so the checks see exactly
what is stored: :func:`assert_converged` is the one verdict every fault, kill and convergence test
ends with.

Two things keep these tests affordable without making them less real. A command (``openbch sync
pull``, ``audit verify``...) runs as a real process forked from a warm process of its instance
(:func:`spawn`, ``agent.py``), so it does not pay the interpreter's and Django's start-up again; and a
new instance's database is a copy of one migrated once per test process (:func:`_migrated`), since
running the migrations costs seconds and they are the same every time.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.web.conftest import _free_port, _wait_until_up

OPENBCH = Path(sys.executable).with_name("openbch")
DEMO = Path(__file__).resolve().parents[2] / "src" / "openbch" / "demo" / "data"
AGENT = Path(__file__).with_name("agent.py")
CENTRAL_ID = "central-test"
#: the owners a Colombian node mirroring Canada holds
MIRRORED = ("SCBD", "CA", "CO")


@dataclass(frozen=True)
class Instance:
    url: str
    data_dir: Path
    env: dict[str, str]
    #: central: an API token of Colombia's publishing authority (the node's credentials)
    token: str = ""

    @property
    def database_url(self) -> str | None:
        return self.env.get("OPENBCH_DATABASE_URL")

    @property
    def instance_id(self) -> str:
        return self.env["OPENBCH_INSTANCE_ID"]


def _plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENBCH_", "DJANGO_SETTINGS"))}


def env_for(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of an instance whose data folder is ``data_dir``; without ``database_url`` its
    SQLite database, when it has none yet, starts as a copy of a migrated one."""
    env = _plain_env()
    env["OPENBCH_DATA_DIR"] = str(data_dir)
    if database_url:
        env["OPENBCH_DATABASE_URL"] = database_url
    else:
        database = data_dir / "openbch.sqlite3"
        if not database.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_migrated(None), database)
    return env


#: per test process: the migrated SQLite file, and PostgreSQL's migrated template database by server
_templates: dict[str | None, str] = {}


def _migrated(server_url: str | None) -> str:
    """A database migrated once in this test process: a SQLite file's path, or the name of a
    PostgreSQL template database on the server of ``server_url``."""
    if server_url in _templates:
        return _templates[server_url]
    folder = Path(tempfile.mkdtemp(prefix="openbch-migrated-"))
    atexit.register(shutil.rmtree, folder, True)
    env = {**_plain_env(), "OPENBCH_DATA_DIR": str(folder)}
    if server_url is None:
        subprocess.run([str(OPENBCH), "migrate"], env=env, check=True, capture_output=True, timeout=300)
        _templates[None] = str(folder / "openbch.sqlite3")
    else:
        name = _create_postgres_database(server_url, "migrated")
        env["OPENBCH_DATABASE_URL"] = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        subprocess.run([str(OPENBCH), "migrate"], env=env, check=True, capture_output=True, timeout=300)
        _templates[server_url] = name
    return _templates[server_url]


# -- commands: real processes, forked from a warm process of their instance ------------------------


class WarmProcess:
    """An ``openbch`` command forked by a warm agent: ``pid``, ``poll()`` and ``wait()`` as Popen's."""

    def __init__(self, agent: Agent, pid: int, args: tuple[str, ...], streams: Path) -> None:
        self.agent, self.pid, self.args, self.streams = agent, pid, args, streams
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.agent("poll", pid=self.pid)["code"]
        return self.returncode

    def wait(self, timeout: float = 300) -> int:
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() > deadline:
                os.killpg(self.pid, signal.SIGKILL)
                self.agent("wait", pid=self.pid)
                raise subprocess.TimeoutExpired(["openbch", *self.args], timeout)
            time.sleep(0.01)
        assert self.returncode is not None
        return self.returncode

    def result(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        code = self.wait(timeout)
        stdout, stderr = ((self.streams / name).read_text(encoding="utf-8") for name in ("stdout", "stderr"))
        shutil.rmtree(self.streams, ignore_errors=True)
        return subprocess.CompletedProcess(["openbch", *self.args], code, stdout, stderr)


#: the warm agents by environment, for the commands of each instance
_warm: dict[tuple[tuple[str, str], ...], Agent] = {}


def spawn(env: dict[str, str], *args: str, input: str = "") -> WarmProcess:
    """Start ``openbch ARGS`` for the instance of ``env``, as a process of its own session."""
    key = tuple(sorted(env.items()))
    agent = _warm.get(key)
    if agent is None or agent.process.poll() is not None:
        agent = _warm[key] = Agent(Instance("", Path(env["OPENBCH_DATA_DIR"]), env))
    streams = Path(tempfile.mkdtemp(prefix="openbch-command-", dir=env["OPENBCH_DATA_DIR"]))
    (streams / "stdin").write_text(input, encoding="utf-8")
    pid = agent("spawn", args=list(args), **{name: str(streams / name) for name in ("stdin", "stdout", "stderr")})
    return WarmProcess(agent, pid["pid"], args, streams)


def warm_environments() -> set[tuple[tuple[str, str], ...]]:
    return set(_warm)


def close_warm(keep: set[tuple[tuple[str, str], ...]]) -> None:
    """End the warm agents but those of the environments in ``keep``."""
    for key in [k for k in _warm if k not in keep]:
        _warm.pop(key).__exit__(None, None, None)


def openbch(
    env: dict[str, str],
    *args: str,
    check: bool = True,
    input: str = "",
) -> subprocess.CompletedProcess[str]:
    """Run ``openbch ARGS`` for the instance of ``env`` to its end (``serve`` is not for here)."""
    result = spawn(env, *args, input=input).result()
    if check and result.returncode != 0:
        raise AssertionError(f"openbch {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def postgres_wanted() -> bool:
    return bool(os.environ.get("OPENBCH_DATABASE_URL"))


def fresh_postgres_database(purpose: str = "central") -> str | None:
    """A new, migrated PostgreSQL database when the suite runs on PostgreSQL (None otherwise), named
    after the suite's own database so that suites run by others on the same server never collide."""
    url = os.environ.get("OPENBCH_DATABASE_URL")
    if not url:
        return None
    name = _create_postgres_database(url, purpose, template=_migrated(url))
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _create_postgres_database(url: str, purpose: str, *, template: str = "template1", name: str = "") -> str:
    """A new database (``name``, or one named after ``url``'s, ``purpose`` and the test process) as
    a copy of ``template``, in place of any database of that name; returns its name."""
    import psycopg

    parts = urlsplit(url)
    base = parts.path.lstrip("/") or "openbch"
    name = name or f"{base}_{purpose}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


#: per test process: a central prepared once for each kind of database (None: SQLite; else the
#: suite's PostgreSQL URL): its data folder, its template database (PostgreSQL), its node's token
_centrals: dict[str | None, tuple[Path, str | None, str]] = {}


def _prepared_central(server_url: str | None) -> tuple[Path, str | None, str]:
    """Central's data folder (and PostgreSQL template) with the demo data and Colombia's node
    account (publishing role, write token), made once: loading the demo costs seconds."""
    if server_url in _centrals:
        return _centrals[server_url]
    folder = Path(tempfile.mkdtemp(prefix="openbch-central-"))
    atexit.register(shutil.rmtree, folder, True)
    template = None
    database_url = None
    if server_url is not None:
        template = _create_postgres_database(server_url, "central_image", template=_migrated(server_url))
        database_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{template}"))
    env = env_for(folder, database_url)
    env["OPENBCH_INSTANCE_ID"] = CENTRAL_ID
    files = json.loads((DEMO / "manifest.json").read_text())["files"]
    openbch(env, "load", *(str(DEMO / f) for f in files))
    openbch(env, "user", "create", "co-node", "--email", "node@co.example", input="long enough pw 1\n")
    openbch(env, "user", "grant", "co-node", "national-publishing-authority", "--country", "CO")
    token = openbch(env, "token", "create", "co-node", "--name", "node", "--scopes", "read,write").stdout.strip()
    close_warm(keep=warm_environments() - {tuple(sorted(env.items()))})  # nothing may hold the template open
    _centrals[server_url] = (folder, template, token.splitlines()[-1])
    return _centrals[server_url]


@contextmanager
def served_central(data_dir: Path, database_url: str | None) -> Iterator[Instance]:
    """Central with the demo data and Colombia's node account (publishing role, write token), served:
    a copy of the one prepared in this test process (``database_url``: a database to replace)."""
    folder, template, token = _prepared_central(os.environ["OPENBCH_DATABASE_URL"] if database_url else None)
    shutil.copytree(folder, data_dir, dirs_exist_ok=True, ignore=shutil.ignore_patterns("agent-*.log"))
    if database_url is not None and template is not None:
        parts = urlsplit(database_url)
        _create_postgres_database(database_url, "", template=template, name=parts.path.lstrip("/"))
    env = env_for(data_dir, database_url)
    env["OPENBCH_INSTANCE_ID"] = CENTRAL_ID
    port = _free_port()
    process = subprocess.Popen(
        [str(OPENBCH), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", process)
        yield Instance(f"http://127.0.0.1:{port}", data_dir, env, token)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def make_node(
    data_dir: Path,
    central: Instance,
    *,
    central_url: str | None = None,
    database_url: str | None = None,
    instance_id: str = "node-co",
    bundles: bool = False,
) -> Instance:
    """A Colombian node mirroring Canada's records too, set up through its CLI; ``central_url``: where
    it reaches central (a proxy); ``bundles``: keys exchanged both ways for offline bundles."""
    env = env_for(data_dir, database_url)
    env["OPENBCH_INSTANCE_ID"] = instance_id
    env["OPENBCH_CENTRAL_TOKEN"] = central.token
    openbch(env, "node", "init", "--country", "CO", "--central", central_url or central.url, "--countries", "CA")
    node = Instance("", data_dir, env)
    if bundles:
        exchange_keys(central, node)
    return node


def exchange_keys(central: Instance, node: Instance) -> None:
    """Each side trusts the other's signing key (central's is generated once)."""
    shown = openbch(central.env, "keys", "show", check=False)
    own = json.loads(shown.stdout)["own"] if shown.returncode == 0 else None
    if not own:
        own = json.loads(openbch(central.env, "keys", "generate").stdout)
    theirs = json.loads(openbch(node.env, "keys", "generate").stdout)
    openbch(node.env, "keys", "trust", "--instance", own["instance"], "--public-key", own["public_key"])
    openbch(
        central.env,
        "keys",
        "trust",
        "--instance",
        node.instance_id,
        "--public-key",
        theirs["public_key"],
        "--country",
        "CO",
    )


# -- services in a long-lived process --------------------------------------------------------------


_agents = itertools.count(1)


class Agent:
    """Services of one instance, run in a process of its own (``agent.py``)."""

    def __init__(self, instance: Instance) -> None:
        instance.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = (instance.data_dir / f"agent-{next(_agents)}.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, str(AGENT)],
            env=instance.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self._answer().get("ready")

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("@@"):
                answer: dict[str, Any] = json.loads(line[2:])
                return answer
        raise AssertionError(f"the agent died: see {self.log.name}")

    def __call__(self, op: str, **arguments: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.log.close()


# -- reading an instance's database --------------------------------------------------------------


def query(instance: Instance, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a read-only query on the instance's own database (SQLite file or PostgreSQL)."""
    url = instance.database_url
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            return [tuple(row) for row in connection.execute(sql).fetchall()]
    with sqlite3.connect(instance.data_dir / "openbch.sqlite3", timeout=30) as db:
        return db.execute(sql).fetchall()


def execute(instance: Instance, sql: str) -> None:
    url = instance.database_url
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql)
        return
    with sqlite3.connect(instance.data_dir / "openbch.sqlite3", timeout=30) as db:
        db.execute(sql)


def _owners(owners: tuple[str, ...] | None) -> str:
    return "" if owners is None else "WHERE r.owner IN (" + ", ".join(f"'{o}'" for o in owners) + ")"


def latest(instance: Instance, owners: tuple[str, ...] | None = None) -> dict[str, tuple[str, str, str]]:
    """identifier → (UID of the latest revision, its content hash, state)."""
    rows = query(
        instance,
        "SELECT r.identifier, r.type, r.owner, r.number, r.revision, v.content_hash, r.state "
        "FROM records_record r JOIN records_revision v ON v.record_id = r.id AND v.revision = r.revision "
        + _owners(owners),
    )
    return {i: (f"BCH-{t}-{o}-{n}-{rev}", digest, state) for i, t, o, n, rev, digest, state in rows}


def revisions(instance: Instance, owners: tuple[str, ...] | None = None) -> dict[str, list[tuple[int, str]]]:
    """identifier → every revision held, in order, with its content hash."""
    found: dict[str, list[tuple[int, str]]] = {}
    rows = query(
        instance,
        "SELECT r.identifier, v.revision, v.content_hash FROM records_record r "
        "JOIN records_revision v ON v.record_id = r.id " + _owners(owners) + " ORDER BY r.identifier, v.revision",
    )
    for identifier, revision, digest in rows:
        found.setdefault(identifier, []).append((revision, digest))
    return found


def origins(instance: Instance) -> dict[str, str]:
    """identifier → the instance each record was first published on."""
    return dict(query(instance, "SELECT identifier, instance FROM records_record"))


def feed_seqs(instance: Instance) -> list[int]:
    return [row[0] for row in query(instance, "SELECT seq FROM records_changeevent ORDER BY seq")]


def peer(instance: Instance) -> dict[str, Any]:
    """The node's row for central: cursors and the last failure."""
    rows = query(instance, "SELECT last_seq, head_seq, pushed_seq, last_error FROM federation_peer")
    if not rows:
        return {"last_seq": 0, "head_seq": 0, "pushed_seq": 0, "last_error": ""}
    last_seq, head_seq, pushed_seq, last_error = rows[0]
    return {"last_seq": last_seq, "head_seq": head_seq, "pushed_seq": pushed_seq, "last_error": last_error}


def pending_pushes(node: Instance) -> int:
    pushed = peer(node)["pushed_seq"]
    return int(
        query(
            node,
            "SELECT count(*) FROM records_changeevent e JOIN records_record r ON r.id = e.record_id "
            f"WHERE e.seq > {pushed} AND e.owner = 'CO' AND e.kind IN ('published', 'withdrawn') "
            f"AND r.instance = '{node.instance_id}'",
        )[0][0]
    )


def doubled_events(instance: Instance) -> list[tuple[Any, ...]]:
    """Revisions published (or withdrawals written) more than once in the instance's change log."""
    return query(
        instance,
        "SELECT record_id, kind, revision, count(*) FROM records_changeevent "
        "WHERE kind IN ('published', 'withdrawn') GROUP BY record_id, kind, revision HAVING count(*) > 1",
    )


def status(node: Instance) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(openbch(node.env, "sync", "status").stdout)
    return answer


def load(agent: Agent, lines: list[dict[str, Any]]) -> None:
    """Publish load-file lines through an instance's agent (a key already loaded: its next revision)."""
    answer = agent("load", lines=lines)
    assert answer["ok"], answer


def publish_lines(instance: Instance, lines: list[dict[str, Any]], name: str = "load.jsonl") -> None:
    """Publish load-file lines on ``instance`` (a line with a key already loaded is its next revision)."""
    path = instance.data_dir / f"{uuid.uuid4().hex}-{name}"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    openbch(instance.env, "load", str(path))


COLOMBIA: dict[str, Any] = {
    "key": "cna/co/minambiente",
    "type": "CNA",
    "owner": "CO",
    "body": {
        "name": {"es": "Ministerio de Ambiente y Desarrollo Sostenible", "en": "Ministry of Environment"},
        "acronym": "MADS",
        "country": {"identifier": "co"},
        "government": {"identifier": "co"},
        "city": {"es": "Bogotá"},
        "functions": [{"identifier": "intentional-introduction"}],
        "cpbOrganismTypes": [{"identifier": "plants"}],
        "responsibilities": {"es": "Autoridad para el movimiento transfronterizo de OVM con fines ambientales."},
    },
}


def colombian_authority(key: str, acronym: str) -> dict[str, Any]:
    """A load line: a Colombian competent authority (published by the node)."""
    body = {**COLOMBIA["body"], "acronym": acronym, "name": {"es": f"Autoridad {key}", "en": f"Authority {key}"}}
    return {**COLOMBIA, "key": f"cna/co/{key}", "body": body}


def canadian_authority(key: str, acronym: str) -> dict[str, Any]:
    """A load line: a Canadian competent authority (published at central)."""
    body = {
        **COLOMBIA["body"],
        "acronym": acronym,
        "name": {"en": f"Canadian authority {key}"},
        "country": {"identifier": "ca"},
        "government": {"identifier": "ca"},
        "city": {"en": "Ottawa"},
        "responsibilities": {"en": "Transboundary movements of LMOs."},
    }
    return {**COLOMBIA, "key": f"cna/ca/{key}", "owner": "CA", "body": body}


def genetic_element(key: str, name: str) -> dict[str, Any]:
    """A load line: a reference record (published at central by the Secretariat)."""
    body = {
        "abbreviation": key,
        "family": {"identifier": "protein-coding-sequence"},
        "name": {"en": name},
        "relevantInformation": {"en": "Made up for the federation tests."},
    }
    return {"key": f"gene/test-{key}", "type": "GENE", "owner": "SCBD", "body": body}


# -- the verdict -----------------------------------------------------------------------------------


def assert_converged(central: Instance, node: Instance, *, verify: bool = True) -> None:
    """After a clean pull and push: both sides hold the same records (latest revision, content hash
    and state; every revision the node holds is at central with the same hash), copies keep their
    origin, no revision or withdrawal is doubled on either side, the node's change log has no gap
    and nothing is pending; with ``verify``, ``openbch audit verify`` passes on both sides."""
    at_node, at_central = latest(node), latest(central, MIRRORED)
    missing = {i: v for i, v in at_central.items() if at_node.get(i) != v}
    extra = {i: v for i, v in at_node.items() if at_central.get(i) != v}
    assert not missing and not extra, f"not converged: central has {missing}, the node has {extra}"
    central_revisions = revisions(central, MIRRORED)
    for identifier, held in revisions(node).items():
        # a node that mirrored late holds only the revisions from its first pull on; never other content
        assert set(held) <= set(central_revisions[identifier]), identifier
    for identifier, held in central_revisions.items():
        assert [r for r, _d in held] == list(range(1, len(held) + 1)), f"{identifier}: revisions {held}"
    here, there = origins(node), origins(central)
    for identifier in at_node:
        assert here[identifier] == there[identifier], f"{identifier} lost its origin"
    assert doubled_events(central) == [] and doubled_events(node) == []
    seqs = feed_seqs(node)
    assert seqs == sorted(set(seqs))
    if node.database_url is None:  # (PostgreSQL's sequences skip the values of rolled-back transactions)
        assert seqs == list(range(1, len(seqs) + 1)), "a gap in the node's change log"
    state = peer(node)
    assert state["last_seq"] == max(feed_seqs(central)), "the node has not applied central's whole feed"
    # every copy applied central's last change of its record: no change of central's feed was skipped
    last_at_central = dict(
        query(
            central,
            "SELECT r.identifier, max(e.seq) FROM records_changeevent e JOIN records_record r ON r.id = e.record_id "
            f"WHERE e.kind IN ('published', 'withdrawn') AND r.instance = '{CENTRAL_ID}' GROUP BY r.identifier",
        )
    )
    applied = dict(query(node, f"SELECT identifier, origin_seq FROM records_record WHERE instance = '{CENTRAL_ID}'"))
    assert applied == {i: s for i, s in last_at_central.items() if i in applied}, "a copy missed a change"
    assert state["last_error"] == "" and pending_pushes(node) == 0
    if verify:
        for side in (central, node):
            checked = openbch(side.env, "audit", "verify", check=False)
            assert checked.returncode == 0, checked.stdout + checked.stderr


def sync_clean(node: Instance) -> None:
    """Pull, push, and pull again: central's feed then holds the node's pushes too, applied (skipped)."""
    for what in ("pull", "push", "pull"):
        openbch(node.env, "sync", what)
