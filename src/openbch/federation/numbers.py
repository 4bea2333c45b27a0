"""Record numbers a national node mints, so that they never collide with central's or another node's.

A record's number is part of its UID (``BCH-DEC-CO-{number}-1``) and is unique on every instance,
so a node and central must not mint the same one. Central mints from 1 upward (the real BCH holds
tens of thousands of records). A node mints from its country's block: one million numbers per
country, from 1,000,000,000 + 1,000,000 × (the country code read as a base-26 number), which stays
inside the database's 32-bit positive integer for every two-letter code. No coordination with
central is needed, which matters for a node that has never been online.

A copy can carry a number of this instance's own block: a node set up again from scratch gets its
earlier records back from central. :func:`keep_ahead_of` then moves the counter past them, so the
node never mints a number it already holds. A node set up again that publishes before it pulls
would still mint its old numbers: ``openbch node init`` therefore asks central for the highest
number of the block it holds (:func:`highest_in_block`, ``GET /api/v1/federation/numbers/{country}``)
and starts after it. When central cannot be reached, central's check remains: it refuses a pushed
record whose number it holds for another record (``number_taken``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from openbch.core.errors import BadRequestError, Issue
from openbch.records.models import NumberCounter, Record

__all__ = ["BLOCK_SIZE", "block_start", "highest_in_block", "keep_ahead_of", "start_numbering_in_block"]

BLOCK_BASE = 1_000_000_000
BLOCK_SIZE = 1_000_000


def block_start(country: str) -> int:
    """The first number of ``country``'s block (``CO`` → 1,066,000,000)."""
    code = country.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError(f"not a two-letter country code: {country!r}")
    index = (ord(code[0]) - ord("A")) * 26 + (ord(code[1]) - ord("A"))
    return BLOCK_BASE + index * BLOCK_SIZE


def start_numbering_in_block(country: str) -> int:
    """Move this instance's next number into ``country``'s block (never backwards); returns it.

    The caller holds the write lock.
    """
    start = block_start(country)
    counter, _ = NumberCounter.objects.select_for_update().get_or_create(pk=1, defaults={"next_number": start})
    if not start <= counter.next_number < start + BLOCK_SIZE:
        if counter.next_number >= start + BLOCK_SIZE:
            raise ValueError(f"this instance has minted numbers beyond {country}'s block: it cannot become its node")
        counter.next_number = start
        counter.save(update_fields=["next_number"])
    return counter.next_number


def _block(number: int) -> int:
    """-1 for central's numbers, else the index of the country block the number is in."""
    return -1 if number < BLOCK_BASE else (number - BLOCK_BASE) // BLOCK_SIZE


def keep_ahead_of(numbers: Iterable[int]) -> None:
    """Move the next number past every one of ``numbers`` in the block it mints from.

    The caller holds the write lock.
    """
    counter, _ = NumberCounter.objects.select_for_update().get_or_create(pk=1, defaults={"next_number": 1})
    mine = _block(counter.next_number)
    top = max((n for n in numbers if _block(n) == mine), default=0)
    if top >= counter.next_number:
        counter.next_number = top + 1
        counter.save(update_fields=["next_number"])


def highest_in_block(country: str) -> dict[str, Any]:
    """The highest number of ``country``'s block held here, in any state (a withdrawn record keeps its
    number), with the block's bounds: ``{country, block_start, block_end, highest}``."""
    try:
        start = block_start(country)
    except ValueError as exc:
        raise BadRequestError(str(exc), issues=[Issue("/country", "invalid_country", str(exc))]) from None
    end = start + BLOCK_SIZE - 1
    top = Record.objects.filter(number__gte=start, number__lte=end).aggregate(top=Max("number"))["top"]
    return {"country": country.upper(), "block_start": start, "block_end": end, "highest": top}
