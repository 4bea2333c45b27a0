"""Hostile records for the XSS tests: a payload in every text field of every record type.

:func:`write_load_files` writes two load files (``openbch load``): revision 1 of one record per
type, then revision 2 of each with other payloads, so that record pages, search results and the
differences between revisions all carry payloads. Every payload that ran would call ``alert``,
``confirm`` or ``prompt``: the browser tests count dialogs, the client tests look for markup.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from openbch.recordtypes import FieldDef, RecordType, record_types
from openbch.vocabularies import get_vocabulary

__all__ = ["PAYLOADS", "XSS_MARKER", "payloads", "write_load_files"]

#: every payload carries this, so pages can be searched for it
XSS_MARKER = "xssprobe"

_VECTORS = [
    "<script>alert({n})</script>",
    "<img src=x onerror=alert({n})>",
    "<svg onload=alert({n})>",
    "<svg><script>alert&#40;{n}&#41;</script></svg>",
    '<iframe src="javascript:alert({n})"></iframe>',
    '<a href="javascript:alert({n})">link</a>',
    "<body onload=alert({n})>",
    "<details open ontoggle=alert({n})>",
    "<input autofocus onfocus=alert({n})>",
    "<video><source onerror=alert({n})></video>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert({n})>",
    '<object data="javascript:alert({n})"></object>',
    '<embed src="javascript:alert({n})">',
    '<base href="javascript:alert({n})//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert({n})">',
    '<form action="javascript:alert({n})"><button>go</button></form>',
    "<scr<script>ipt>alert({n})</scr</script>ipt>",
    '<img src="x" onerror="confirm({n})">',
    "<img src=x onerror=prompt({n})>",
    "javascript:alert({n})",
    "<style>@import 'javascript:alert({n})';</style>",
    '<div style="background:url(javascript:alert({n}))">',
    "<x onmouseover=alert({n})>hover</x>",
    "{{{{ alert({n}) }}}}{{% debug %}}",
    "<b>bold</b><!--<script>alert({n})</script>-->",
]
#: how each vector is introduced: plain, after closing an attribute, after closing an element
_CONTEXTS = ["{v}", "\"'>{v}", "</span></a></td></title></textarea>{v}", "`-{v}-`"]

PAYLOADS = [
    f"{XSS_MARKER} " + context.format(v=vector.format(n=number))
    for number, (vector, context) in enumerate(itertools.product(_VECTORS, _CONTEXTS), start=1)
]


def payloads(start: int = 0) -> Iterator[str]:
    """The payloads in a cycle, starting at ``start`` (the second revision gets other ones)."""
    return itertools.islice(itertools.cycle(PAYLOADS), start, None)


def _key(code: str) -> str:
    return f"xss/{code.lower()}"


def _owner(record_type: RecordType) -> str:
    return "CA" if record_type.is_national else "SCBD"


def _value(f: FieldDef, source: Iterator[str], codes: set[str]) -> Any:
    kind = f.kind
    if kind == "text":
        return next(source)
    if kind == "mltext":
        return {"en": next(source), "fr": next(source), "ar": next(source)}
    if kind == "term":
        vocabulary = get_vocabulary(f.vocabulary or "")
        if vocabulary.name == "countries":
            return {"identifier": "ca"}
        if f.allow_other:
            return {"identifier": "other", "customValue": {"en": next(source), "es": next(source)}}
        return {"identifier": next(iter(vocabulary.terms))}
    if kind in ("reference", "construct"):
        target = next((t for t in f.targets if t in codes), None)
        if target is None:
            return None
        if kind == "construct":  # always a list: the elements in order (the loader resolves bare keys only)
            return [{"key": _key(target)}, {"key": _key(target)}]
        return {"key": _key(target)}
    if kind == "link":
        text = next(source)
        return {"url": "https://example.org/" + quote(text), "name": text}
    if kind == "email":
        return "xss@example.org"
    if kind == "oecd_uid":
        return "XSS-" + next(source)[:60] + "-ØØ1-2"
    if kind == "dna_sequence":
        return "ACGTACGT"
    if kind == "date":
        return "2020-02-02"
    if kind in ("integer", "number"):
        return 3
    if kind == "boolean":
        return f.name == "hasUniqueIdentification"
    raise AssertionError(f"no XSS value for kind {kind}")


def body_for(record_type: RecordType, source: Iterator[str]) -> dict[str, Any]:
    """A body with a payload in every text field (the others valid), fit for publication."""
    codes = set(record_types())
    body: dict[str, Any] = {}
    for f in record_type.fields.values():
        value = _value(f, source, codes)
        if value is None:
            continue
        body[f.name] = [value] if f.many and f.kind != "construct" else value
    # conditional fields: keep only those allowed by the rest of the body
    for f in record_type.fields.values():
        if f.allowed_when is not None and not f.allowed_when(body):
            body.pop(f.name, None)
    return body


def write_load_files(folder: Path) -> tuple[Path, Path]:
    """Two load files: every type once, then a second revision of each with other payloads."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for revision, start in ((1, 0), (2, 37)):
        source = payloads(start)
        lines = []
        for code, record_type in sorted(record_types().items()):
            body = body_for(record_type, source)
            lines.append({"key": _key(code), "type": code, "owner": _owner(record_type), "body": body})
        path = folder / f"xss-{revision}.jsonl"
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]
