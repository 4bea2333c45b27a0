"""Conditions of a definition (``required_when``, ``allowed_when``, rule ``when``) compiled to predicates.

The condition language is deliberately tiny (equals / in / present / all / any / not) so that a
definition stays data that a client can also evaluate to show and hide form fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from openbch.vocabularies import get_vocabulary

__all__ = ["Predicate", "compile_condition", "condition_fields"]

Predicate = Callable[[Mapping[str, Any]], bool]


class ConditionError(ValueError):
    pass


def _is_present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return bool(value)
    return True


def compile_condition(spec: Mapping[str, Any], vocabulary_of: Mapping[str, str | None]) -> Predicate:
    """Compile ``spec``; ``vocabulary_of`` maps field names to their vocabulary (for hierarchy)."""
    if not isinstance(spec, Mapping):
        raise ConditionError(f"a condition is an object, not {spec!r}")
    if "all" in spec or "any" in spec:
        key = "all" if "all" in spec else "any"
        parts = [compile_condition(s, vocabulary_of) for s in spec[key]]
        if key == "all":
            return lambda body: all(p(body) for p in parts)
        return lambda body: any(p(body) for p in parts)
    if "not" in spec:
        inner = compile_condition(spec["not"], vocabulary_of)
        return lambda body: not inner(body)
    name = spec.get("field")
    if not isinstance(name, str) or name not in vocabulary_of:
        raise ConditionError(f"condition names unknown field {name!r}")
    if "equals" in spec:
        expected = spec["equals"]
        return lambda body: body.get(name) == expected
    if "present" in spec:
        wanted = bool(spec["present"])
        return lambda body: _is_present(body.get(name)) == wanted
    if "in" in spec:
        ids = frozenset(spec["in"])
        vocabulary_name = vocabulary_of[name]
        if vocabulary_name:
            vocabulary = get_vocabulary(vocabulary_name)
            unknown = sorted(i for i in ids if i not in vocabulary)
            if unknown:
                raise ConditionError(f"condition on {name!r} names unknown terms {unknown}")

            # the terms that satisfy the condition (themselves or a broader term in ``ids``), worked out
            # once: the check per body is then a set lookup instead of building ancestor sets
            matching = frozenset(t for t in vocabulary.terms if vocabulary.with_ancestors(t) & ids)

            def holds(body: Mapping[str, Any]) -> bool:
                value = body.get(name)
                for item in value if isinstance(value, list) else (value,):
                    if isinstance(item, dict):
                        term = item.get("identifier")
                        if isinstance(term, str) and term in matching:
                            return True
                return False

            return holds
        return lambda body: body.get(name) in ids
    raise ConditionError(f"condition {dict(spec)!r} has none of equals/in/present/all/any/not")


def condition_fields(spec: Mapping[str, Any]) -> set[str]:
    """The field names a condition reads (a form shows/hides on their changes)."""
    found: set[str] = set()
    for key in ("all", "any"):
        for part in spec.get(key, ()):
            found |= condition_fields(part)
    if "not" in spec:
        found |= condition_fields(spec["not"])
    if "field" in spec:
        found.add(spec["field"])
    return found
