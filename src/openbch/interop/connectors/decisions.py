"""Tables of regulatory instruments (one row per decision, letter or notice), read by a mapping.

The US FDA's biotechnology consultations (BNF numbers), USDA APHIS's Federal Register notices and
the European Commission's decisions under Regulation (EC) No 1829/2003 are each a table whose rows
are instruments about one or more events. The generic mapping of the source definition turns the
columns into the normalised fields below; the ``decision`` options then say what the instrument is::

    "decision": {
      "country": "us",                      # the vocabulary id of the publishing country (or "eu")
      "authority": "FDA",                   # the competent authority, as a short name
      "kinds": [["^determination", "determination"], ["availability", "petition-notice"]],
      "default_kind": "consultation",       # when no pattern of ``kinds`` finds the ``kind_text``
      "reference": ["FR Doc. {instrument_number}, {citation}", "Docket {docket}"],  # the first that
                                            # the row has every field of: the number as written
      "key": ["instrument_number"],         # external id: the first non-empty of these fields …
      "key_fallback": ["docket", "date"],   # … else these, joined (rows without a number)
      "dates": ["date", "submission_date"], # fields holding ISO dates (an optional "(note)" after one)
      "cultivation": "cultivation"          # a word of ``kind_text`` that adds the cultivation scope
    }

Normalised fields of an item (besides the LMO fields of :mod:`.base`): ``country``,
``authority``, ``kind`` (``consultation``, ``determination``, ``petition-notice``, ``withdrawal``,
``authorisation``, ``renewal``, ``amendment``, ``proposal``, ``other``), ``kind_text`` (verbatim),
``date`` (ISO) with ``date_note``, ``instrument_number``, ``reference_number``, ``citation``,
``docket``, ``c_document``, ``previous_decisions`` (instrument numbers this one renews or amends),
``uses_text``, ``cultivation`` and ``decisions`` (the shape LMO pages show). Whether an item
becomes a decision record is :func:`openbch.interop.decisions.decision_body`'s business: a
petition notice is worth showing beside an LMO, but it decides nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from openbch.interop.connectors.base import NormalisedItem, Rejection, clean, split_names
from openbch.interop.connectors.generic import GenericConnector, Row

__all__ = ["KINDS", "DecisionTableConnector", "parse_dated"]

KINDS = (
    "consultation",
    "determination",
    "petition-notice",
    "withdrawal",
    "authorisation",
    "renewal",
    "amendment",
    "proposal",
    "other",
)
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\((.*)\))?$")
# EU decision numbers as the Official Journal writes them: 98/294/EC, 2012/84/EU, (EU) 2015/697
_EU_NUMBER = re.compile(r"(?:\(EU\)\s*)?\d{4}/\d{1,4}(?:/(?:EC|EU|EEC))?|\d{2}/\d{1,4}/(?:EC|EEC)")


class DateError(ValueError):
    """A date cell that is not ``YYYY-MM-DD`` (optionally followed by a parenthesised note)."""


def parse_dated(text: str) -> tuple[str, str]:
    """``2015-09-02 (effective date of determination)`` → (``2015-09-02``, the note); ``""`` → ("", "")."""
    text = clean(text)
    if not text:
        return "", ""
    match = _DATED.match(text)
    if match is None:
        raise DateError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise DateError(f"{match.group(1)!r} is not a calendar date") from None
    return match.group(1), clean(match.group(2) or "")


def instrument_numbers(text: str) -> list[str]:
    """The EU decision numbers named in a text, as written (``(EU) 2015/697``, ``2008/730/EC``)."""
    return [clean(m) for m in _EU_NUMBER.findall(text)]


class DecisionTableConnector(GenericConnector):
    """The generic mapping, then what the instrument is (kind, date, number, scope, links)."""

    @property
    def options(self) -> Mapping[str, Any]:
        return dict(self.definition.options.get("decision", {}))

    def adjust(self, item: NormalisedItem, rows: Sequence[Row]) -> Iterator[NormalisedItem | Rejection]:
        options = self.options
        fields = item.fields
        where = f"row {rows[0][0]}"
        for name in options.get("dates", ["date"]):
            try:
                fields[name], note = parse_dated(str(fields.get(name) or ""))
            except DateError as exc:
                yield Rejection(f"{name}: {exc}", external_id=item.external_id, where=where)
                return
            if note:
                fields[f"{name}_note"] = note
        kind_text = str(fields.get("kind_text") or "")
        kind = str(options.get("default_kind", "other"))
        for pattern, found in options.get("kinds", ()):
            if re.search(pattern, kind_text, re.IGNORECASE):
                kind = found
                break
        fields["kind"] = kind
        fields["country"] = options.get("country", "")
        fields["authority"] = options.get("authority", "")
        word = options.get("cultivation")
        fields["cultivation"] = bool(word and re.search(rf"\b{word}\b", kind_text, re.IGNORECASE))
        fields["reference_number"] = reference(options.get("reference", ["{instrument_number}"]), fields)
        previous = instrument_numbers(str(fields.get("previous_decision") or ""))
        if kind == "amendment":
            previous += [n for n in instrument_numbers(kind_text) if n not in previous]
        fields["previous_decisions"] = previous
        event = str(fields.get("event_name") or "")
        components = split_names(event) if event else []
        if len(components) > 1:
            fields["component_names"] = components
        key = next((clean(fields.get(k)) for k in options.get("key", ()) if clean(fields.get(k))), "")
        if not key:
            key = " | ".join(clean(fields.get(k)) for k in options.get("key_fallback", ()) if clean(fields.get(k)))
        if key:
            item.external_id = key[:500]
        fields["decisions"] = [
            {
                "scope": kind.replace("-", " "),
                "date": fields.get("date", ""),
                "text": kind_text or kind,
                "document": fields["reference_number"],
            }
        ]
        item.name = event or str(fields.get("unique_identifier") or "") or item.external_id
        yield item


def reference(templates: str | Sequence[str], fields: Mapping[str, Any]) -> str:
    """The first template whose fields the row all has, filled (``""`` when none fits)."""
    for template in [templates] if isinstance(templates, str) else templates:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        if all(clean(fields.get(name)) for name in names):
            return template.format_map({name: clean(fields.get(name)) for name in names})
    return ""
