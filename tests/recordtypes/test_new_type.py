"""A record type is data: adding one needs only its definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from openbch.recordtypes import DefinitionError, get_record_type, record_types, register_record_type
from openbch.recordtypes.registry import unregister_record_type
from openbch.recordtypes.validate import validate

SEED_BANK = {
    "code": "SEED",
    "slug": "seed-bank",
    "family": "national",
    "version": 1,
    "label": {"en": "Seed bank", "fr": "Banque de semences", "es": "Banco de semillas"},
    "title_fields": ["name"],
    "fields": [
        {"name": "government", "kind": "term", "vocabulary": "countries", "required": True, "label": {"en": "Country"}},
        {"name": "name", "kind": "mltext", "required": True, "search": "text", "label": {"en": "Name"}},
        {"name": "holdsLmos", "kind": "boolean", "required": True, "label": {"en": "Holds LMOs?"}},
        {
            "name": "lmos",
            "kind": "reference",
            "many": True,
            "targets": ["LMO"],
            "required_when": {"field": "holdsLmos", "equals": True},
            "allowed_when": {"field": "holdsLmos", "equals": True},
            "label": {"en": "LMOs held"},
        },
        {
            "name": "crops",
            "kind": "term",
            "many": True,
            "vocabulary": "organism-types",
            "facet": True,
            "label": {"en": "Types"},
        },
    ],
    "export": ["name", "holdsLmos"],
    "form": [{"label": {"en": "Seed bank"}, "fields": ["government", "name", "holdsLmos", "lmos", "crops"]}],
}


@pytest.fixture
def seed_bank() -> Iterator[dict[str, Any]]:
    register_record_type(SEED_BANK)
    yield SEED_BANK
    unregister_record_type("SEED")


def test_a_type_registered_from_its_definition_validates_with_its_rules(seed_bank: dict[str, Any]) -> None:
    record_type = get_record_type("seed-bank")
    assert record_type.code == "SEED" and "SEED" in record_types()
    body = {"government": {"identifier": "ke"}, "name": {"en": "Kenya seed bank"}, "holdsLmos": True}
    result = validate(record_type, body, owner="KE")
    assert [(i.path, i.code) for i in result.errors] == [("/lmos", "required")]
    assert record_type.title(body) == "Kenya seed bank"
    assert [f.name for f in record_type.facets] == ["crops"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "seed"}, "upper-case"),
        ({"family": "private"}, "family"),
        ({"fields": [{"name": "x", "kind": "colour", "label": {"en": "x"}}]}, "unknown kind"),
        (
            {
                "fields": [
                    *SEED_BANK["fields"],
                    {"name": "t", "kind": "term", "vocabulary": "nope", "label": {"en": "t"}},
                ]
            },
            "unknown vocabulary",
        ),
        (
            {
                "fields": [
                    *SEED_BANK["fields"],
                    {"name": "r", "kind": "reference", "targets": ["NOPE"], "label": {"en": "r"}},
                ]
            },
            "unknown target",
        ),
        ({"export": ["missing"]}, "unknown field"),
        ({"form": [{"label": {"en": "x"}, "fields": ["name"]}]}, "form must show every field"),
    ],
)
def test_a_broken_definition_is_refused_with_a_message_naming_the_problem(change: dict[str, Any], message: str) -> None:
    with pytest.raises(DefinitionError, match=message):
        register_record_type({**SEED_BANK, **change})
    assert "SEED" not in record_types()
