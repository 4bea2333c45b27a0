"""Every API schema class has its own name: django-ninja names OpenAPI components by class name, and a
second class of the same name silently replaces the first in the spec (a route's answer is then
documented, and checked by the spec tests, as another route's)."""

from __future__ import annotations

from collections import Counter

from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_no_two_api_schemas_share_a_name() -> None:
    import openbch.api.app  # noqa: F401 - imports every router and its schemas

    ours = [c for c in _subclasses(Schema) if c.__module__.startswith("openbch.")]
    names = Counter(c.__name__ for c in ours)
    clashes = {name: sorted(c.__module__ for c in ours if c.__name__ == name) for name, n in names.items() if n > 1}
    assert not clashes, f"schema classes sharing a name: {clashes}"
