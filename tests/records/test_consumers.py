"""The change log's consumers (openbch.records.consumers): nudged after a commit, never for a
rolled-back transaction, and a consumer that fails cannot undo or break a publication."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from openbch.core.actors import SYSTEM
from openbch.records.consumers import consumers, register_consumer, unregister_consumer
from openbch.records.models import Record, RecordState
from openbch.records.services import RecordInput, publish_records
from openbch.records.workflow import withdraw

pytestmark = pytest.mark.django_db


@pytest.fixture
def calls() -> Iterator[list[str]]:
    """Only a recording consumer is registered (the search index is tested in tests/search)."""
    kept = consumers()
    for consumer in kept:
        unregister_consumer(consumer.name)
    seen: list[str] = []
    register_consumer("recorder", lambda: seen.append("recorder"))
    yield seen
    for consumer in consumers():
        unregister_consumer(consumer.name)
    for consumer in kept:
        register_consumer(consumer.name, consumer.after_commit)


def organism(name: str) -> RecordInput:
    return RecordInput("ORGA", "SCBD", {"scientificName": name})


def test_a_consumer_is_called_once_the_transaction_commits(
    calls: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish_records(SYSTEM, [organism("Consumia committed")])
        assert calls == []  # not before the commit
    assert calls == ["recorder"]


def test_a_rolled_back_transaction_calls_no_consumer(calls: list[str], django_capture_on_commit_callbacks: Any) -> None:
    def publish_then_fail() -> None:
        with transaction.atomic():
            publish_records(SYSTEM, [organism("Consumia rolled back")])
            raise RuntimeError("roll back")

    before = Record.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        publish_then_fail()
    assert callbacks == [] and calls == []
    assert Record.objects.count() == before


def test_every_change_log_event_nudges_the_consumers(calls: list[str], django_capture_on_commit_callbacks: Any) -> None:
    record = publish_records(SYSTEM, [organism("Consumia withdrawn")]).records[0]
    calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(SYSTEM, identifier=record.identifier, reason="a test of the change log's consumers")
    assert calls == ["recorder"]


def test_a_failing_consumer_is_logged_and_breaks_neither_the_publication_nor_the_others(
    calls: list[str], django_capture_on_commit_callbacks: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("the feed is down")

    unregister_consumer("recorder")
    register_consumer("broken", broken)
    register_consumer("recorder", lambda: calls.append("recorder"))
    with caplog.at_level(logging.ERROR, "openbch.records.consumers"), django_capture_on_commit_callbacks(execute=True):
        report = publish_records(SYSTEM, [organism("Consumia resilient")])
    assert calls == ["recorder"]  # registered after the broken one, still called
    assert Record.objects.get(identifier=report.records[0].identifier).state == RecordState.PUBLISHED
    [entry] = [r for r in caplog.records if r.name == "openbch.records.consumers"]
    assert "'broken'" in entry.getMessage() and entry.exc_info is not None


def test_a_consumer_needs_a_name() -> None:
    with pytest.raises(ValueError, match="name"):
        register_consumer(" ", lambda: None)
