"""Record numbers: each country's node mints in its own block; copies never make two records share one."""

from __future__ import annotations

import itertools

import pytest

from openbch.federation.numbers import BLOCK_SIZE, block_start, keep_ahead_of, start_numbering_in_block
from openbch.records.models import NumberCounter

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
