"""Generate ``src/openbch/vocabularies/data/countries.json`` from pycountry.

A development-time tool: the product reads the JSON file, never pycountry.

    .venv/bin/python tools/make_countries_vocabulary.py [--check]

Terms: every ISO 3166-1 alpha-2 code in pycountry (ids in lower case) plus ``eu`` (European
Union, which publishes BCH records as a government). Labels come from pycountry's bundled
iso-codes data: English is the ``common_name`` when there is one, else ``name``; French,
Spanish, Arabic, Chinese (simplified, ``zh_CN`` catalogue) and Russian are that same English
string looked up in the ``iso3166-1`` gettext catalogue, falling back to ``name``. A language
is left out of a label when the catalogue has no translation for it (``en`` is then the
display fallback). Aliases (lower case) are the other English names pycountry knows, their
ASCII spellings, and a few spellings common in biosafety data (``ALIASES`` below).

``--check`` regenerates in memory and exits 1 if the file on disk differs.
"""

from __future__ import annotations

import argparse
import gettext
import importlib.metadata
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pycountry

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "openbch" / "vocabularies" / "data" / "countries.json"

# label language -> gettext catalogue directory in pycountry.LOCALES_DIR
LOCALES = {"fr": "fr", "es": "es", "ar": "ar", "zh": "zh_CN", "ru": "ru"}
LABEL_ORDER = ("en", "fr", "es", "ar", "zh", "ru")

EU_LABEL = {
    "en": "European Union",
    "fr": "Union européenne",
    "es": "Unión Europea",
    "ar": "الاتحاد الأوروبي",
    "zh": "欧洲联盟",
    "ru": "Европейский союз",
}

# Spellings seen in biosafety data and UN documents that pycountry does not carry.
ALIASES: dict[str, list[str]] = {
    "bo": ["bolivia (plurinational state of)"],
    "cd": ["democratic republic of the congo", "dr congo"],
    "ci": ["ivory coast"],
    "fm": ["micronesia (federated states of)"],
    "gb": ["uk", "great britain"],
    "ir": ["iran (islamic republic of)"],
    "kr": ["republic of korea"],
    "md": ["republic of moldova"],
    "nl": ["netherlands (kingdom of the)"],
    "ru": ["russia"],
    "tr": ["turkey"],
    "tz": ["united republic of tanzania"],
    "us": ["usa"],
    "ve": ["venezuela (bolivarian republic of)"],
    "eu": ["european community", "european union (eu)"],
}


def ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def load_catalogues() -> dict[str, dict[str, str]]:
    catalogues: dict[str, dict[str, str]] = {}
    for lang, locale in LOCALES.items():
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale], fallback=True)
        catalogue = getattr(translation, "_catalog", {})
        catalogues[lang] = {k: v for k, v in catalogue.items() if isinstance(k, str) and k and v}
    return catalogues


def country_term(country: Any, catalogues: dict[str, dict[str, str]]) -> dict[str, Any]:
    name = country.name
    common = getattr(country, "common_name", None)
    official = getattr(country, "official_name", None)
    english = common or name
    label = {"en": english}
    for lang in LABEL_ORDER[1:]:
        catalogue = catalogues[lang]
        translated = catalogue.get(english) or catalogue.get(name)
        if translated:
            label[lang] = translated
    code = country.alpha_2.lower()
    term: dict[str, Any] = {"id": code, "label": label}
    aliases = _aliases(english, [name, official, common, *ALIASES.get(code, [])])
    if aliases:
        term["aliases"] = aliases
    return term


def _aliases(english: str, candidates: list[str | None]) -> list[str]:
    seen = {english.lower()}
    out: list[str] = []
    for candidate in [english, *candidates]:
        if not candidate:
            continue
        for form in (candidate.lower(), ascii_fold(candidate).lower()):
            if form not in seen:
                seen.add(form)
                out.append(form)
    return out


def build() -> dict[str, Any]:
    catalogues = load_catalogues()
    terms = [country_term(c, catalogues) for c in pycountry.countries]
    terms.sort(key=lambda t: t["id"])
    eu = {"id": "eu", "label": dict(EU_LABEL), "aliases": ALIASES["eu"]}
    terms.append(eu)
    terms.sort(key=lambda t: t["id"])
    try:
        version: str | None = importlib.metadata.version("pycountry")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - metadata missing
        version = None
    return {
        "name": "countries",
        "label": {
            "en": "Countries",
            "fr": "Pays",
            "es": "Países",
            "ar": "البلدان",
            "zh": "国家",
            "ru": "Страны",
        },
        "hierarchical": False,
        "source": (
            "ISO 3166-1 alpha-2 codes and names from pycountry"
            + (f" {version}" if version else "")
            + " (Debian iso-codes data and its gettext translations); plus eu (European Union)."
            " Generated by tools/make_countries_vocabulary.py"
        ),
        "terms": terms,
    }


def dumps(vocabulary: dict[str, Any]) -> str:
    """Serialise a vocabulary: header keys indented, one term per line (diff-friendly)."""
    lines = ["{"]
    header = [k for k in vocabulary if k != "terms"]
    for key in header:
        value = json.dumps(vocabulary[key], ensure_ascii=False)
        lines.append(f"  {json.dumps(key)}: {value},")
    lines.append('  "terms": [')
    terms = vocabulary.get("terms", [])
    for i, term in enumerate(terms):
        comma = "," if i < len(terms) - 1 else ""
        lines.append("    " + json.dumps(term, ensure_ascii=False) + comma)
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    vocabulary = build()
    text = dumps(vocabulary)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(vocabulary['terms'])} terms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
