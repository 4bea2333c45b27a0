"""The simple tokenizer on ``word_text(text)`` finds the words the regex tokenizer finds in ``text``.

The unstored text fields (``related``, ``stem_*``) switched to the cheaper tokenizer; these tests hold
it to the regex's words: the code-point tables against tantivy itself, every vocabulary label, random
multilingual text, and a search through the API by a Chinese label.
"""

from __future__ import annotations

from typing import Any

import pytest
import tantivy
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from openbch.core.actors import SYSTEM
from openbch.records.models import Record, RecordState
from openbch.records.queries import latest_revisions
from openbch.records.services import RecordInput, publish_records
from openbch.search import analysis
from openbch.search.analysis import ANALYZERS, STEMMED, word_text
from openbch.search.index import rebuild
from openbch.vocabularies import get_vocabulary, vocabularies

_REGEX = tantivy.Tokenizer.regex(analysis._TOKENS)


def _regex_analyzer(stemmer: str | None = None) -> tantivy.TextAnalyzer:
    """The analyzers the unstored fields had before (as ``openbch_fold`` still is)."""
    return analysis._analyzer(_REGEX, stemmer)


_BEFORE = {"openbch_words": _regex_analyzer(), **{f"openbch_{k}": _regex_analyzer(v) for k, v in STEMMED.items()}}


def _without_differing_characters(text: str) -> str:
    """The text with the characters on which the tokenizers disagree removed (marks) or made spaces."""
    return analysis._NON_WORD.sub(" ", analysis._MARK.sub("", text))


def _ranges(code_points: list[int]) -> str:
    found: list[list[int]] = []
    for code in code_points:
        if found and found[-1][1] == code - 1:
            found[-1][1] = code
        else:
            found.append([code, code])
    return " ".join(f"{a:X}" if a == b else f"{a:X}-{b:X}" for a, b in found)


def test_the_tables_of_differing_characters_are_tantivys() -> None:
    """Recomputed from tantivy's own tokenizers; a tantivy upgrade with new Unicode tables fails here."""
    regex = tantivy.TextAnalyzerBuilder(_REGEX).build()
    simple = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    marks: list[int] = []
    non_words: list[int] = []
    cjk: list[int] = []
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        word = regex.analyze(char) == [char]
        alone = word and regex.analyze("a" + char) != ["a" + char]  # a word by itself: Han, kana, hangul
        letter = simple.analyze(char) == [char]
        if alone and letter:
            cjk.append(code)
        elif alone or (letter and not word):
            non_words.append(code)
        elif word and not letter:
            marks.append(code)
    assert (_ranges(marks), _ranges(non_words), _ranges(cjk)) == (
        " ".join(analysis._MARKS.split()),
        " ".join(analysis._NON_WORDS.split()),
        " ".join(analysis._CJK_CHARACTERS.split()),
    ), "paste the new tables into openbch.search.analysis"


@pytest.mark.parametrize("name", sorted(_BEFORE))
def test_every_vocabulary_label_gives_the_same_words(name: str) -> None:
    labels = [
        text
        for vocabulary in vocabularies().values()
        for term in vocabulary.terms.values()
        for text in term.label.values()
    ]
    assert len(labels) > 1000
    for label in labels:
        expected = _BEFORE[name].analyze(_without_differing_characters(label))
        assert ANALYZERS[name].analyze(word_text(label)) == expected, label


_SCRIPTS = st.sampled_from(
    [
        "abc XYZ 0123 -_/.,'\n\t",
        "éèçñøØßÆœ",
        "e\u0301a\u0308\u0327",  # decomposed accents
        "中文转基因玉米大豆々〇",
        "ひらがなカタカナー",
        "한국어조선말ᄀ",
        "العربيةالكائناتالمحورةً ٌ",
        "РусскийЖИОёЁ",
        "हिन्दी",
        "ภาษาไทย่",
        "Ⓐⓑⓩ⺀⼀㈠㌀",
        "١٢٣①²",
    ]
)
_TEXT = st.lists(st.tuples(_SCRIPTS, st.integers(0, 40), st.integers(1, 12)), max_size=8).map(
    lambda parts: "".join(chars[start % len(chars) :][:length] for chars, start, length in parts)
)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT, name=st.sampled_from(sorted(_BEFORE)))
def test_random_multilingual_text_gives_the_same_words(text: str, name: str) -> None:
    expected = _BEFORE[name].analyze(_without_differing_characters(text))
    assert ANALYZERS[name].analyze(word_text(text)) == expected


def test_ascii_text_is_left_as_it_is() -> None:
    text = "Herbicide-tolerant maize MON-00810-6 (feed & food), 2024"
    assert word_text(text) is text


def test_a_decomposed_accent_no_longer_splits_a_word() -> None:
    # the regex kept the combining mark inside the word (and ASCII folding kept it); the word is now
    # indexed without it, as the composed spelling is once folded
    assert _BEFORE["openbch_words"].analyze("le mai\u0308s") == ["le", "mai\u0308s"]
    assert ANALYZERS["openbch_words"].analyze(word_text("le mai\u0308s")) == ["le", "mais"]
    assert ANALYZERS["openbch_words"].analyze(word_text("le maïs")) == ["le", "mais"]


@pytest.mark.django_db
def test_an_organism_is_found_by_the_chinese_label_of_its_type() -> None:
    """Term labels are ``related`` text: the Chinese label, a phrase of single characters, finds them."""
    plants = get_vocabulary("organism-types").terms["plants"].label["zh"]
    assert len(plants) > 1
    publish_records(
        SYSTEM,
        [RecordInput("ORGA", "SCBD", {"scientificName": "Zea analysis", "organismType": {"identifier": "plants"}})],
    )
    rebuild()
    organisms = latest_revisions(Record.objects.filter(type="ORGA", state=RecordState.PUBLISHED))
    expected = {o.uid for o in organisms if (o.body.get("organismType") or {}).get("identifier") == "plants"}
    assert len(expected) > 1
    found: set[str] = set()
    client = Client()
    params: dict[str, Any] = {"q": f'related:"{plants}"', "type": "ORGA", "limit": 100}
    while True:
        response = client.get("/api/v1/search", params)
        assert response.status_code == 200, response.content
        page = response.json()
        found.update(r["uid"] for r in page["results"])
        if not page["next"]:
            break
        params = {**params, "cursor": page["next"]}
    assert found == expected
