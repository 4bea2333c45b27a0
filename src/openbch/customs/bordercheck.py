"""The border check: may this shipment's LMOs enter this country for this use, and on what evidence?

A customs officer pastes a shipping document (or types identifiers), names the importing country
and the intended use; :func:`check_shipment` picks the identifiers out of the text
(:mod:`openbch.customs.documents`), resolves every spelling to the registered LMO
(:mod:`openbch.identifiers.oecd`), and answers per identifier: the LMO (registered spelling, name,
crop), a :class:`~openbch.customs.verdicts.Verdict`, the country's decision records that decide it
(dates, scope, conditions), for a stack the verdict of each component event, the event-specific
detection methods, the country's detection laboratories and what to do next. The shipment's
verdict is the weakest of its identifiers'.

This module holds the check's steps and its answer; each concern it draws on has its own module:

* :mod:`openbch.customs.verdicts`: the verdicts and their order;
* :mod:`openbch.customs.decisions`: which decisions decide a use, what authorises, stacks;
* :mod:`openbch.customs.reading`: the record reads, a fixed number of queries per check;
* :mod:`openbch.customs.advice`: the next steps and the uses in words, translated;
* :mod:`openbch.customs.pack`: every decision of a country, for checking offline.

A registered identifier that fails its own verifier (``SYN-ØØØJG-2``) is checked like any other,
with a warning: the verifier is advice, never a rejection.

Reads only; no transaction, no audit entry: nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext

from openbch.core.errors import BadRequestError, Issue, NotFoundError
from openbch.customs.advice import next_steps, use_label
from openbch.customs.decisions import USES, DecisionEvidence, Judged, evidence_on, judge, jurisdiction, stack_verdict
from openbch.customs.documents import Span, event_name_spans, find_identifiers, letter_o_as_zero, near_misses
from openbch.customs.reading import (
    DataVersion,
    Lmo,
    country_name,
    crops,
    data_version,
    detection_methods,
    event_names,
    laboratories,
    lmos,
    records_by_key,
    same_first_eight,
)
from openbch.customs.verdicts import VERDICT_ORDER, Verdict, weakest
from openbch.identifiers.oecd import check as check_oecd_uid
from openbch.identifiers.oecd import compact_key, split_stack
from openbch.records.models import Record
from openbch.records.queries import PUBLIC_STATES

__all__ = ["MAX_IDENTIFIERS", "MAX_TEXT", "ComponentCheck", "ItemCheck", "ShipmentCheck", "check_shipment"]

#: distinct identifiers (or stacks) in one check
MAX_IDENTIFIERS = 100
#: characters of pasted text
MAX_TEXT = 100_000


# -- the answer ---------------------------------------------------------------------------------


@dataclass
class ComponentCheck:
    """One event of a stack: its verdict on its own decisions."""

    input: str
    verdict: Verdict
    unique_identifier: str | None
    lmo_uid: str | None
    name: str
    identifier: str | None = None
    evidence: list[DecisionEvidence] = field(default_factory=list)
    related: list[DecisionEvidence] = field(default_factory=list)
    inferred: str = ""


@dataclass
class ItemCheck:
    """One identifier (or stack) of the document and its verdict."""

    input: str
    verdict: Verdict
    lmo_uid: str | None = None
    unique_identifier: str | None = None
    identifier: str | None = None
    name: str = ""
    crop: str = ""
    found_by: str = "identifier"
    may_contain: bool = False
    check: dict[str, Any] = field(default_factory=dict)
    evidence: list[DecisionEvidence] = field(default_factory=list)
    related: list[DecisionEvidence] = field(default_factory=list)
    components: list[ComponentCheck] = field(default_factory=list)
    stack_basis: str | None = None
    inferred: str = ""
    detection_methods: list[dict[str, Any]] = field(default_factory=list)
    laboratories: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    #: when several uses were asked: the verdict for each (``verdict`` is the weakest of them)
    per_use: dict[str, str] = field(default_factory=dict)

    @property
    def is_stack(self) -> bool:
        return bool(self.components)


@dataclass
class ShipmentCheck:
    """The answer of :func:`check_shipment`; :meth:`as_dict` is the API's body."""

    country: str
    country_name: str
    use: str
    use_label: str
    language: str
    overall: Verdict
    items: list[ItemCheck]
    checked_at: str
    data: DataVersion
    note: str = ""
    #: the jurisdiction's rule for stacks, when the document names a stack
    stacks_rule: str = ""
    laboratories: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    #: the uses asked (``use`` joins them with commas); with several, the shipment's verdict per use
    uses: list[str] = field(default_factory=list)
    per_use: dict[str, str] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {v.value: sum(1 for i in self.items if i.verdict == v) for v in VERDICT_ORDER}

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["counts"] = self.counts
        data["verdict_order"] = [v.value for v in VERDICT_ORDER]
        return data


# -- the check ----------------------------------------------------------------------------------


def check_shipment(text: str, country: str, use: str, language: str = "en") -> ShipmentCheck:
    """Check the LMOs a document names against ``country``'s decisions for ``use`` (module docstring).

    ``use`` may name several uses, comma-separated (``food,feed``: a shipment for food and feed):
    each identifier's verdict is then the weakest of its verdicts for those uses, with the verdict
    for each use beside it, and its evidence is the decisions that decide any of them.

    Raises:
        BadRequestError: empty or too long text, no country, unknown use, more than
            :data:`MAX_IDENTIFIERS` identifiers; each issue names its field (``/text``,
            ``/country``, ``/use``).
        NotFoundError: a country code that names no country (``/country``), a text in which no
            LMO identifier is found (``/text``).
    """
    uses = list(dict.fromkeys(part.strip() for part in use.split(","))) if "," in use else [use]
    with translation.override(language):
        for asked in uses:
            _validate(text, country, asked)
        answers = [_check(text, country, asked, language) for asked in uses]
    answer = answers[0] if len(answers) == 1 else _combined(answers)
    answer.uses = uses
    return answer


def _union(lists: Iterable[list[DecisionEvidence]]) -> list[DecisionEvidence]:
    found: dict[str, DecisionEvidence] = {}
    for evidence in lists:
        for decision in evidence:
            found.setdefault(decision.uid, decision)
    return list(found.values())


def _combined(answers: list[ShipmentCheck]) -> ShipmentCheck:
    """One answer for several uses: the same identifiers (found in the same text), each judged for
    every use; the advice is the one of the weakest use's answer."""
    uses = [a.use for a in answers]
    first = answers[0]
    for position, item in enumerate(first.items):
        per_use = [a.items[position] for a in answers]
        weakest_one = max(per_use, key=lambda i: VERDICT_ORDER.index(i.verdict))
        item.per_use = {u: i.verdict.value for u, i in zip(uses, per_use, strict=True)}
        item.verdict = weakest_one.verdict
        item.next_steps = weakest_one.next_steps
        item.inferred = weakest_one.inferred
        item.evidence = _union(i.evidence for i in per_use)
        taken = {d.uid for d in item.evidence}
        item.related = [d for d in _union(i.related for i in per_use) if d.uid not in taken]
        for index, component in enumerate(item.components):
            versions = [i.components[index] for i in per_use]
            component.verdict = weakest(c.verdict for c in versions)
            component.evidence = _union(c.evidence for c in versions)
            taken = {d.uid for d in component.evidence}
            component.related = [d for d in _union(c.related for c in versions) if d.uid not in taken]
    first.per_use = {a.use: a.overall.value for a in answers}
    first.overall = weakest(i.verdict for i in first.items)
    first.use = ",".join(uses)
    first.use_label = " + ".join(a.use_label for a in answers)
    return first


def _validate(text: str, country: str, use: str) -> None:
    issues = []
    if not text.strip():
        issues.append(Issue("/text", "required", gettext("paste a document or type at least one identifier")))
    elif len(text) > MAX_TEXT:
        issues.append(Issue("/text", "too_long", gettext("the text has at most %(n)d characters") % {"n": MAX_TEXT}))
    if not country.strip():
        issues.append(Issue("/country", "required", gettext("choose the importing country")))
    if use not in USES:
        issues.append(
            Issue(
                "/use",
                "unknown_use",
                gettext("the intended use is one of: %(uses)s") % {"uses": ", ".join(USES)},
            )
        )
    if issues:
        raise BadRequestError(issues[0].message, issues=issues)


def _spans(text: str, version: int) -> tuple[list[Span], dict[str, Record]]:
    """The identifiers of the text and the LMO of every compact key they need.

    Event names are looked for only when the text has no identifier: none dashed, and no loose
    one that names a registered LMO.
    """
    spans = find_identifiers(text)
    if len(spans) > MAX_IDENTIFIERS:
        raise BadRequestError(
            gettext("at most %(n)d identifiers in one check") % {"n": MAX_IDENTIFIERS},
            issues=[
                Issue(
                    "/text",
                    "too_many",
                    gettext("%(found)d identifiers found, at most %(n)d in one check")
                    % {"found": len(spans), "n": MAX_IDENTIFIERS},
                )
            ],
        )

    def keys_of(found: Iterable[Span]) -> set[str]:
        keys: set[str] = set()
        for span in found:
            for spelling in (span.normalised, letter_o_as_zero(span.normalised)):
                keys.add(compact_key(spelling))
                keys.update(compact_key(part) for part in split_stack(spelling))
        return keys

    by_key = records_by_key(keys_of(spans))
    named = any(
        not span.loose or span.key in by_key or compact_key(letter_o_as_zero(span.normalised)) in by_key
        for span in spans
    )
    if not named:
        by_name = event_name_spans(text, event_names(version), taken=[])
        by_key.update(records_by_key(keys_of(by_name)))
        spans = [*spans, *by_name]
    return spans, by_key


@dataclass
class _Known:
    """What one check has read from the records, for judging its spans."""

    use: str
    rule: Mapping[str, Any]
    country_name: str
    by_key: dict[str, Record]
    lmos: dict[str, Lmo]
    crops: dict[str, str]
    decisions: dict[str, list[DecisionEvidence]]
    methods: dict[str, list[dict[str, Any]]]
    laboratories: list[dict[str, Any]]

    def lookup(self, spelling: str) -> tuple[Lmo | None, bool]:
        """The LMO registered under a spelling, and whether the letter O had to be read as Ø."""
        record = self.by_key.get(compact_key(spelling))
        if record is None:
            other = letter_o_as_zero(spelling)
            record = self.by_key.get(compact_key(other)) if other != spelling else None
            if record is not None and record.identifier in self.lmos:
                return self.lmos[record.identifier], True
        return (self.lmos.get(record.identifier) if record is not None else None), False

    def judge(self, identifier: str) -> Judged:
        return judge(self.decisions.get(identifier, []), self.use)


def _read(by_key: dict[str, Record], country: str, name: str, use: str, language: str) -> _Known:
    """Every record the answer needs, in a fixed number of queries: the LMOs (and their
    components), their crops, the country's decisions on them, methods and laboratories."""
    found = lmos(by_key.values())
    more = [c for lmo in found.values() for c in lmo.components if c not in found]
    if more:
        extra = Record.objects.filter(identifier__in=sorted(set(more)), type="LMO", state__in=PUBLIC_STATES)
        found.update(lmos(extra))
    for lmo in found.values():
        lmo.components = [c for c in lmo.components if c in found]
    return _Known(
        use=use,
        rule=jurisdiction(country),
        country_name=name,
        by_key=by_key,
        lmos=found,
        crops=crops(found, language),
        decisions=evidence_on(found, country, use, language, timezone.now().date()),
        methods=detection_methods(found, language),
        laboratories=laboratories(country, language),
    )


def _check(text: str, country: str, use: str, language: str) -> ShipmentCheck:
    name = country_name(country.strip(), language)
    country = country.strip().upper()
    version = data_version()
    spans, by_key = _spans(text, version.seq)
    known = _read(by_key, country, name, use, language)
    items: list[ItemCheck] = []
    ignored: list[str] = []
    for span in spans:
        item = _check_span(span, known)
        if item is None:
            ignored.append(span.text)
        else:
            items.append(item)
    ignored.extend(near_misses(text, taken=spans))
    if not items:
        # the text names no LMO: 404, as for any name that names nothing
        raise NotFoundError(
            gettext("no LMO identifier found in the text"),
            issues=[
                Issue(
                    "/text",
                    "no_identifiers",
                    gettext("no LMO identifier found in the text: unique identifiers look like MON-ØØ81Ø-6")
                    + ("; " + gettext("malformed: %(spans)s") % {"spans": ", ".join(ignored)} if ignored else ""),
                )
            ],
        )
    note = str(known.rule.get("note") or "")
    stacks = str(known.rule.get("stacks_basis") or "")
    return ShipmentCheck(
        country=country,
        country_name=known.country_name,
        use=use,
        use_label=use_label(use),
        language=language,
        overall=weakest(i.verdict for i in items),
        items=items,
        checked_at=timezone.now().isoformat(timespec="seconds"),
        data=version,
        note=gettext(note) if note else "",
        stacks_rule=gettext(stacks) if stacks and any(i.components for i in items) else "",
        laboratories=known.laboratories,
        ignored=ignored,
    )


def _check_span(span: Span, known: _Known) -> ItemCheck | None:
    """One identifier (or stack) of the text judged; None for a loose span that names nothing."""
    lmo, by_letter_o = known.lookup(span.normalised)
    spelling = check_oecd_uid(span.normalised)
    item = ItemCheck(
        input=span.text,
        verdict=Verdict.NO_DECISION,
        found_by="event-name" if span.by_event_name else "identifier",
        may_contain=span.may_contain,
        check=spelling.as_dict(),
    )
    if span.by_event_name:
        item.warnings.append(gettext("found by its event name, not by a unique identifier: check the document"))
    if by_letter_o:
        item.warnings.append(gettext("the letter O was read as the digit zero (Ø)"))
    parts = split_stack(span.normalised)
    if lmo is not None:
        item.lmo_uid = lmo.published.uid
        item.identifier = lmo.published.record.identifier
        item.unique_identifier = lmo.unique
        item.name = lmo.name
        item.crop = known.crops.get(item.identifier, "")
        if check_oecd_uid(lmo.unique).check_digit_ok is False:
            item.warnings.append(
                gettext("the registered identifier itself fails the verifier digit check; it is registered so")
            )
        item.verdict, item.evidence, item.related, item.inferred = known.judge(item.identifier)
        if len(parts) > 1 or lmo.components:
            components = [known.lmos[c] for c in lmo.components] or [
                found for part in parts if (found := known.lookup(part)[0]) is not None
            ]
            item.components = [_component(c, known.judge(c.published.record.identifier)) for c in components]
    elif len(parts) > 1:
        # a stack not registered as such: its components may be
        for part in parts:
            found = known.lookup(part)[0]
            item.components.append(
                _component(found, known.judge(found.published.record.identifier))
                if found is not None
                else _unknown_component(part)
            )
        if span.loose and all(c.unique_identifier is None for c in item.components):
            return None
        item.warnings.append(gettext("this stack is not registered in the clearing-house"))
        item.verdict = Verdict.IDENTIFIER_UNKNOWN
    else:
        item.suggestions = same_first_eight(span.normalised)
        if span.loose and not item.suggestions:
            return None
        item.verdict = _unregistered(spelling.check_digit_ok)
    if item.components:
        item.verdict, item.stack_basis = stack_verdict(
            bool(item.identifier), item.verdict, [c.verdict for c in item.components], known.rule
        )
    if item.stack_basis == "components" and not item.inferred:
        item.inferred = next((c.inferred for c in item.components if c.inferred), "")
    wanted = [item.identifier] if item.identifier else []
    wanted += [c.identifier for c in item.components if c.identifier]
    seen: set[str] = set()
    for lmo_id in wanted:
        for method in known.methods.get(lmo_id, []):
            if method["method_code"] not in seen:
                seen.add(method["method_code"])
                component = known.lmos[lmo_id].unique if lmo_id != item.identifier else None
                item.detection_methods.append({**method, "component": component})
    item.laboratories = [lab for lab in known.laboratories if set(wanted) & set(lab["detectable_lmos"])]
    item.next_steps = next_steps(
        item.verdict,
        known.country_name,
        known.use,
        item.suggestions,
        [m["method_code"] for m in item.detection_methods],
    )
    return item


def _component(lmo: Lmo, judged: Judged) -> ComponentCheck:
    verdict, evidence, related, inferred = judged
    return ComponentCheck(
        input=lmo.unique,
        verdict=verdict,
        unique_identifier=lmo.unique,
        lmo_uid=lmo.published.uid,
        name=lmo.name,
        identifier=lmo.published.record.identifier,
        evidence=evidence,
        related=related,
        inferred=inferred,
    )


def _unknown_component(text: str) -> ComponentCheck:
    return ComponentCheck(
        input=text,
        verdict=_unregistered(check_oecd_uid(text).check_digit_ok),
        unique_identifier=None,
        lmo_uid=None,
        name="",
    )


def _unregistered(check_digit_ok: bool | None) -> Verdict:
    """The verdict of an identifier that names no registered LMO: a wrong verifier says more."""
    return Verdict.CHECK_DIGIT_WRONG if check_digit_ok is False else Verdict.IDENTIFIER_UNKNOWN
