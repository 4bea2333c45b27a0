"""Harvesting one source: gather → fetch → import, with every raw payload kept and a log of the run.

* **gather** asks the connector what to fetch (listing pages it reads are stored as payloads too);
* **fetch** gets each payload through the source's fetcher (network with the guards of
  :mod:`openbch.interop.http`, or the bundled recordings) and stores it with its SHA-256 and fetch
  time; a payload equal to the last one of the same request, read with the same definition, is not
  imported again;
* **import** turns a payload into external items (new, changed, unchanged, rejected with a reason)
  and resolves the new and changed ones, in one transaction per payload that holds the write lock
  and appends an audit entry.

A failure (refused address, timeout, 5xx, truncated or oversized body, HTML or XML, a payload
that is not what the source declared) stops the run: it is logged on the run with the stage and
request, items imported before stay as they were, and the next run of the source takes over the
gathered requests and skips those already done ("resumes"). Items are marked inactive only by a
run that got through every request.

When *not* to use this module directly: call :func:`openbch.interop.services.harvest` (it checks
who may harvest); this module assumes that was done.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone

from openbch.core.actors import Actor
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.interop.connectors import connector_for
from openbch.interop.connectors.base import FetchTask, GatherContext, NormalisedItem, ParseError, Rejection
from openbch.interop.http import BundledFetcher, Fetched, Fetcher, FetchError, FetchLimits, HttpFetcher, Request
from openbch.interop.models import ExternalItem, ExternalItemKey, HarvestRun, HarvestStatus, RawPayload
from openbch.interop.resolve import ItemView, Resolution, Resolver, build_resolver, name_key
from openbch.interop.sources import SourceDefinition, get_definition
from openbch.records.audit import AuditEvent, append_audit
from openbch.records.hashing import canonical_json
from openbch.records.locking import acquire_write_lock

__all__ = ["HarvestOptions", "apply_resolution", "item_keys", "make_fetcher", "run_harvest"]

MAX_LOGGED_REJECTIONS = 500
#: a run still "running" after this long is taken as dead (its process crashed), not as a competitor
STALE_RUN = dt.timedelta(hours=6)

Progress = Callable[[str, int, int | None], None]


@dataclass
class HarvestOptions:
    """How to run one harvest; the defaults come from the source definition."""

    transport: str | None = None
    base_url: str | None = None
    #: hosts allowed despite a non-public address (None: the OPENBCH_HARVEST_ALLOWED_HOSTS setting)
    allowed_hosts: frozenset[str] | None = None
    limits: FetchLimits | None = None
    #: an httpx transport for the network fetcher (the tests wrap the real one in a safety net)
    http_transport: httpx.BaseTransport | None = None
    resume: bool = True
    progress: Progress | None = None
    resolver: Resolver | None = None


def make_fetcher(definition: SourceDefinition, options: HarvestOptions) -> Fetcher:
    transport = options.transport or definition.transport
    limits = options.limits or definition.limits
    if transport == "bundled":
        if not definition.bundled:
            raise ValueError(f"source {definition.name!r} has no bundled payloads")
        return BundledFetcher(definition.bundled, limits)
    return HttpFetcher(
        options.base_url or definition.base_url,
        limits=limits,
        allowed_hosts=options.allowed_hosts,
        http_transport=options.http_transport,
    )


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def item_keys(item: NormalisedItem) -> list[tuple[str, str]]:
    """Lookup keys of an item: compact keys of its identifiers and of their stack components."""
    keys: set[tuple[str, str]] = set(item.keys)
    for uid in item.identifiers:
        key = compact_key(uid)
        if key:
            keys.add(("uid", key[:300]))
        parts = split_stack(uid)
        if len(parts) > 1:
            for part in parts:
                if compact_key(part):
                    keys.add(("component", compact_key(part)[:300]))
    target = item.fields.get("event_name") or item.fields.get("target")
    if isinstance(target, str) and name_key(target):
        keys.add(("target", name_key(target)[:300]))
    return sorted(keys)


def apply_resolution(item: ExternalItem, resolution: Resolution, at: dt.datetime) -> None:
    item.verdict = resolution.verdict
    item.method = resolution.method
    item.record_identifier = resolution.record.identifier if resolution.record else ""
    item.record_type = resolution.record.record_type if resolution.record else ""
    item.candidates = [c.as_dict() for c in resolution.candidates[:20]]
    item.warnings = list(resolution.warnings)
    item.resolved_at = at


_RESOLUTION_FIELDS = ["verdict", "method", "record_identifier", "record_type", "candidates", "warnings", "resolved_at"]


@dataclass
class _Run:
    """The state of one harvest while it runs (saved on the HarvestRun row at the end)."""

    definition: SourceDefinition
    actor: Actor
    run: HarvestRun
    fetcher: Fetcher
    options: HarvestOptions
    resolver: Resolver | None = None
    tasks: list[FetchTask] = field(default_factory=list)
    done: dict[str, str] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)
    gathered: bool = False
    #: when the first run of a resume chain started: items not fetched since are gone from the source
    chain_started_at: str = ""
    existing: dict[str, tuple[int, str]] = field(default_factory=dict)

    def progress(self, stage: str, done: int, total: int | None) -> None:
        if self.options.progress:
            self.options.progress(stage, done, total)

    def log_error(self, stage: str, locator: str, code: str, message: str) -> None:
        self.run.errors = [
            *self.run.errors,
            {"stage": stage, "locator": locator[:500], "code": code, "message": message[:1000]},
        ]

    def reject(self, rejection: Rejection, locator: str) -> None:
        self.run.items_rejected += 1
        if len(self.run.rejections) < MAX_LOGGED_REJECTIONS:
            self.run.rejections = [
                *self.run.rejections,
                {
                    "external_id": rejection.external_id[:200],
                    "reason": rejection.reason[:500],
                    "where": f"{locator} {rejection.where}".strip()[:600],
                },
            ]

    def save_state(self) -> None:
        self.run.state = {
            "definition_hash": self.definition.hash,
            "gathered": self.gathered,
            "cursor": self.cursor,
            "tasks": [t.as_dict() for t in self.tasks],
            "done": self.done,
            "chain_started_at": self.chain_started_at,
        }


def _start(actor: Actor, definition: SourceDefinition, options: HarvestOptions) -> _Run:
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        busy = HarvestRun.objects.filter(
            source=definition.name, status=HarvestStatus.RUNNING, started_at__gt=now - STALE_RUN
        ).first()
        if busy is not None:
            from openbch.core.errors import ConflictError

            raise ConflictError(
                f"a harvest of {definition.name} is running (run {busy.pk}, started {busy.started_at:%Y-%m-%d %H:%M})"
            )
        previous = HarvestRun.objects.filter(source=definition.name).order_by("-started_at", "-pk").first()
        fetcher = make_fetcher(definition, options)
        run = HarvestRun.objects.create(
            source=definition.name, started_at=now, transport=fetcher.transport, actor=actor.name[:150]
        )
        state = _Run(definition, actor, run, fetcher, options, chain_started_at=now.isoformat())
        if (
            options.resume
            and previous is not None
            and previous.status == HarvestStatus.FAILED
            and previous.state.get("definition_hash") == definition.hash
        ):
            saved = previous.state
            state.tasks = [FetchTask.from_dict(t) for t in saved.get("tasks", [])]
            state.done = dict(saved.get("done", {}))
            state.cursor = dict(saved.get("cursor", {}))
            state.gathered = bool(saved.get("gathered"))
            state.chain_started_at = saved.get("chain_started_at") or state.chain_started_at
            run.resumed_from = previous
            run.save(update_fields=["resumed_from"])
        append_audit(
            actor,
            [
                AuditEvent(
                    action="interop.harvest_started",
                    details={
                        "source": definition.name,
                        "run": run.pk,
                        "resumed_from": run.resumed_from_id,
                    },
                )
            ],
            at=now,
        )
    return state


def _store_payload(state: _Run, request: Request, fetched: Fetched) -> tuple[RawPayload, bool]:
    """Keep the payload (once per distinct content of a request); (payload, same as last time)."""
    now = timezone.now()
    sha = _sha256(fetched.body)
    with transaction.atomic():
        acquire_write_lock()
        last = (
            RawPayload.objects.filter(source=state.definition.name, locator=request.locator)
            .order_by("-last_fetched_at", "-pk")
            .only("pk", "sha256", "definition_hash")
            .first()
        )
        if last is not None and last.sha256 == sha:
            RawPayload.objects.filter(pk=last.pk).update(last_fetched_at=now)
            return last, last.definition_hash == state.definition.hash  # the body is not read back
        # content seen before but not last time (A, B, A): the same row, fetched again now
        payload, _ = RawPayload.objects.update_or_create(
            source=state.definition.name,
            locator=request.locator,
            sha256=sha,
            defaults={"last_fetched_at": now, "url": fetched.url},
            create_defaults={
                "url": fetched.url,
                "size": len(fetched.body),
                "content_type": fetched.content_type[:200],
                "fetched_at": now,
                "last_fetched_at": now,
                "run": state.run,
                "body": fetched.body,
            },
        )
        return payload, False


def _fetch(state: _Run, request: Request) -> tuple[Fetched, RawPayload, bool]:
    fetched = state.fetcher.fetch(request, accept=state.definition.accept)
    payload, unchanged = _store_payload(state, request, fetched)
    state.run.payloads_fetched += 1
    return fetched, payload, unchanged


def _content_hash(item: NormalisedItem) -> str:
    text = canonical_json(
        {
            "subject": item.subject,
            "name": item.name,
            "url": item.url,
            "fields": item.fields,
            "identifiers": item.identifiers,
            "keys": item_keys(item),
        }
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _import(state: _Run, task: FetchTask, payload: RawPayload, parsed: Sequence[NormalisedItem | Rejection]) -> None:
    """Write one payload's items, resolve the new and changed ones, all in one transaction."""
    now = timezone.now()
    source = state.definition.name
    locator = task.request.locator
    counts = {"new": 0, "changed": 0, "unchanged": 0, "rejected": 0}
    seen: set[str] = set()
    with transaction.atomic():
        acquire_write_lock()
        fresh: list[tuple[ExternalItem, NormalisedItem]] = []
        changed: list[tuple[ExternalItem, NormalisedItem]] = []
        unchanged_ids: list[int] = []
        for entry in parsed:
            if isinstance(entry, Rejection):
                state.reject(entry, locator)
                counts["rejected"] += 1
                continue
            if entry.external_id in seen:
                state.reject(Rejection("the same id twice in one payload", external_id=entry.external_id), locator)
                counts["rejected"] += 1
                continue
            seen.add(entry.external_id)
            digest = _content_hash(entry)
            known = state.existing.get(entry.external_id)
            if known is not None and known[1] == digest:
                unchanged_ids.append(known[0])
                counts["unchanged"] += 1
                continue
            item = ExternalItem(
                pk=known[0] if known else None,
                source=source,
                external_id=entry.external_id,
                subject=entry.subject,
                name=entry.name[:5000],
                url=entry.url[:2000],
                fields=entry.fields,
                identifiers=entry.identifiers,
                content_hash=digest,
                payload=payload,
                first_seen_at=now,
                fetched_at=now,
                changed_at=now,
                active=True,
            )
            (changed if known else fresh).append((item, entry))
        if fresh or changed:
            resolver = state.resolver or build_resolver()
            state.resolver = resolver
            for item, _ in fresh + changed:
                view = ItemView(source, item.external_id, item.subject, item.identifiers, item.fields)
                apply_resolution(item, resolver.resolve(view), now)
        # new items in bulk (their ids read back by external id), changed ones row by row
        ExternalItem.objects.bulk_create([item for item, _ in fresh], batch_size=500)
        ids: dict[str, int] = {}
        names = [item.external_id for item, _ in fresh]
        for chunk in range(0, len(names), 500):
            rows = ExternalItem.objects.filter(source=source, external_id__in=names[chunk : chunk + 500])
            ids.update(rows.values_list("external_id", "pk"))
        columns = [
            "name",
            "url",
            "fields",
            "identifiers",
            "content_hash",
            "payload",
            "fetched_at",
            "changed_at",
            "active",
        ]
        for item, _ in changed:
            ExternalItem.objects.filter(pk=item.pk).update(
                subject=item.subject, **{c: getattr(item, c) for c in columns + _RESOLUTION_FIELDS}
            )
        ExternalItemKey.objects.filter(item_id__in=[item.pk for item, _ in changed]).delete()
        keys: list[ExternalItemKey] = []
        for item, entry in fresh + changed:
            pk = item.pk or ids[item.external_id]
            state.existing[item.external_id] = (pk, item.content_hash)
            keys.extend(ExternalItemKey(item_id=pk, kind=k, value=v) for k, v in item_keys(entry))
        ExternalItemKey.objects.bulk_create(keys, batch_size=1000)
        counts["new"], counts["changed"] = len(fresh), len(changed)
        for chunk in range(0, len(unchanged_ids), 900):
            ExternalItem.objects.filter(pk__in=unchanged_ids[chunk : chunk + 900]).update(
                payload=payload, fetched_at=now, active=True
            )
        RawPayload.objects.filter(pk=payload.pk).update(definition_hash=state.definition.hash)
        append_audit(
            state.actor,
            [
                AuditEvent(
                    action="interop.payload_imported",
                    after_hash=payload.sha256,
                    details={"source": source, "run": state.run.pk, "locator": locator[:300], **counts},
                )
            ],
            at=now,
        )
    state.run.items_new += counts["new"]
    state.run.items_changed += counts["changed"]
    state.run.items_unchanged += counts["unchanged"]


def _skip_unchanged(state: _Run, payload: RawPayload) -> None:
    """The same content as last time: its items were seen again, nothing else changes."""
    now = timezone.now()
    with transaction.atomic():
        acquire_write_lock()
        count = ExternalItem.objects.filter(source=state.definition.name, payload=payload).update(
            fetched_at=now, active=True
        )
    state.run.payloads_unchanged += 1
    state.run.items_unchanged += count


def _finish(state: _Run, status: str) -> HarvestRun:
    now = timezone.now()
    run = state.run
    state.save_state()
    with transaction.atomic():
        acquire_write_lock()
        if status == HarvestStatus.SUCCEEDED:
            since = dt.datetime.fromisoformat(state.chain_started_at)
            run.items_removed = ExternalItem.objects.filter(
                source=state.definition.name, active=True, fetched_at__lt=since
            ).update(active=False)
        run.status = status
        run.finished_at = now
        run.save()
        append_audit(
            state.actor,
            [
                AuditEvent(
                    action="interop.harvest_finished",
                    details={
                        "source": state.definition.name,
                        "run": run.pk,
                        "status": status,
                        "new": run.items_new,
                        "changed": run.items_changed,
                        "unchanged": run.items_unchanged,
                        "rejected": run.items_rejected,
                        "removed": run.items_removed,
                        "errors": len(run.errors),
                    },
                )
            ],
            at=now,
        )
    return run


def _gather(state: _Run) -> None:
    def fetch_listing(request: Request) -> Fetched:
        fetched, payload, unchanged = _fetch(state, request)
        if unchanged:
            state.run.payloads_unchanged += 1
        else:  # a listing page is "imported" by reading it
            RawPayload.objects.filter(pk=payload.pk).update(definition_hash=state.definition.hash)
        return fetched

    context = GatherContext(fetch=fetch_listing, cursor=state.cursor)
    connector = connector_for(state.definition)
    known = {t.request.locator for t in state.tasks}
    for task in connector.gather(context):
        if task.request.locator not in known:
            known.add(task.request.locator)
            state.tasks.append(task)
            state.progress("gather", len(state.tasks), None)
    state.gathered = True


def _parse(state: _Run, task: FetchTask, fetched: Fetched) -> list[NormalisedItem | Rejection]:
    connector = connector_for(state.definition)
    return list(connector.parse(task, fetched))


def run_harvest(actor: Actor, source: str | SourceDefinition, options: HarvestOptions | None = None) -> HarvestRun:
    """Harvest ``source`` (a name, or a definition not shipped with openbch) now; returns its run
    (``succeeded`` or ``failed``, with the log on it)."""
    options = options or HarvestOptions()
    definition = source if isinstance(source, SourceDefinition) else get_definition(source)
    state = _start(actor, definition, options)
    state.resolver = options.resolver
    state.existing = {
        external_id: (pk, digest)
        for pk, external_id, digest in ExternalItem.objects.filter(source=definition.name).values_list(
            "pk", "external_id", "content_hash"
        )
    }
    stage, locator = "gather", ""
    try:
        if not state.gathered:
            _gather(state)
        stage = "fetch"
        total = len(state.tasks)
        for position, task in enumerate(state.tasks, start=1):
            locator = task.request.locator
            if locator in state.done:
                state.run.tasks_resumed += 1
                state.progress("fetch", position, total)
                continue
            stage = "fetch"
            fetched, payload, unchanged = _fetch(state, task.request)
            if unchanged:
                _skip_unchanged(state, payload)
            else:
                stage = "import"
                _import(state, task, payload, _parse(state, task, fetched))
            state.done[locator] = payload.sha256
            state.progress("fetch", position, total)
    except FetchError as exc:
        state.log_error(stage, exc.url or locator, exc.code, exc.message)
        return _finish(state, HarvestStatus.FAILED)
    except ParseError as exc:
        state.log_error(stage if stage != "fetch" else "import", locator, "parse_error", str(exc))
        return _finish(state, HarvestStatus.FAILED)
    except (Exception, KeyboardInterrupt) as exc:
        # a bug or an interruption: the run is logged as failed (so the next one resumes) and the
        # error goes on, so it is seen
        state.log_error(stage, locator, "internal", f"{type(exc).__name__}: {str(exc)[:500]}")
        _finish(state, HarvestStatus.FAILED)
        raise
    finally:
        state.fetcher.close()
    return _finish(state, HarvestStatus.SUCCEEDED)


def iter_sources(names: Sequence[str] | None = None) -> Iterator[SourceDefinition]:
    """Definitions to harvest, in harvest order (all when ``names`` is empty)."""
    from openbch.interop.sources import definitions

    for definition in definitions().values():
        if not names or definition.name in names:
            yield definition


def describe_run(run: HarvestRun) -> dict[str, Any]:
    """A run as JSON-ready data (CLI status, API)."""
    return {
        "id": run.pk,
        "source": run.source,
        "status": run.status,
        "transport": run.transport,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "resumed_from": run.resumed_from_id,
        "payloads": {
            "fetched": run.payloads_fetched,
            "unchanged": run.payloads_unchanged,
            "resumed": run.tasks_resumed,
        },
        "items": {
            "new": run.items_new,
            "changed": run.items_changed,
            "unchanged": run.items_unchanged,
            "rejected": run.items_rejected,
            "removed": run.items_removed,
        },
        "rejections": run.rejections[:50],
        "errors": run.errors,
    }
