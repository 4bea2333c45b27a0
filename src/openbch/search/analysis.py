"""How the index cuts text into words, and the cheap way it does so for most fields.

Words are runs of letters, marks and digits, except that every Han, kana and hangul character is a
word by itself (Chinese is written without spaces: a word of several characters becomes a phrase
query). tantivy's regex tokenizer says exactly that (``_TOKENS``) but costs four times what its simple
tokenizer costs (runs of ``char::is_alphanumeric``), and the index analyses about 2 kB of text per
record. The simple tokenizer agrees with the regex on every ASCII text; on other text it differs on
three sets of characters, listed below (derived from tantivy itself, see tests/search/test_analysis.py):

- ``_MARKS``: combining marks that are not alphabetic (a decomposed accent, a virama): the regex keeps
  them inside a word, the simple tokenizer splits the word there. They are removed first, so the word
  stays whole (``cafe`` + U+0301 is indexed as ``cafe``, as the composed ``café`` is once folded);
- ``_NON_WORDS``: characters the simple tokenizer takes for letters but the regex does not (circled
  letters, CJK radicals, enclosed ideographs): they become spaces;
- ``_CJK_CHARACTERS``: spaces go around each, so each is a word.

:func:`word_text` does this, on non-ASCII text only, before the simple tokenizer runs: when the
index is built and when a query is analysed for those fields. The stored fields shown with
highlights (``title``, ``fold``) keep the regex tokenizer, since highlighting re-reads their stored
text, which must stay as written.
"""

from __future__ import annotations

import re

import tantivy

__all__ = ["ANALYZERS", "STEMMED", "word_text"]

# Han, kana and hangul characters are single tokens; any other run of letters, marks and digits is a word
_CJK = r"\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}"
_TOKENS = rf"[{_CJK}]|[[\p{{L}}\p{{M}}\p{{N}}]--[{_CJK}]]+"
#: languages with a stemmed field (tantivy has no Chinese stemmer; Chinese is matched by character)
STEMMED = {"en": "english", "fr": "french", "es": "spanish", "ru": "russian", "ar": "arabic"}

# Code points (hexadecimal, ranges inclusive) where the two tokenizers disagree, as tantivy 0.27's
# Unicode tables have them; tests/search/test_analysis.py recomputes them from tantivy and fails,
# printing the new tables, if an upgrade changes them.
_MARKS = (
    "300-344 346-362 483-489 591-5AF 658 6DF-6E0 6EA-6EC 740-74A 7EB-7F3 7FD 818-819 82D 859-85B 898-89F "
    "8CA-8D3 8E0-8E1 8EA-8EF 93C 94D 951-954 9BC 9CD 9FE A3C A4D ABC ACD AFD-AFF B3C B4D B55 BCD C3C C4D "
    "CBC CCD D3B-D3C D4D DCA E47-E4C E4E EBA EC8-ECC ECE F18-F19 F35 F37 F39 F3E-F3F F84 F86-F87 FC6 "
    "1037 1039-103A 135D-135F 1714-1715 1734 17B4-17B5 17C9-17D3 17DD 180B-180D 180F 1939-193B 1A60 "
    "1A75-1A7C 1A7F 1AB0-1ABE 1AC1-1ACB 1B34 1B44 1B6B-1B73 1BAA-1BAB 1BE6 1BF2-1BF3 1C37 1CD0-1CD2 "
    "1CD4-1CE8 1CED 1CF4 1CF7-1CF9 1DC0-1DD2 1DF5-1DFF 20D0-20F0 2CEF-2CF1 2D7F 302A-302D 3099-309A "
    "A66F-A672 A67C-A67D A6F0-A6F1 A806 A82C A8C4 A8E0-A8F1 A92B-A92D A953 A9B3 A9C0 AABF AAC1 AAF6 "
    "ABEC-ABED FE00-FE0F FE20-FE2F 101FD 102E0 10A38-10A3A 10A3F 10AE5-10AE6 10D6A-10D6D 10EFD-10EFF "
    "10F46-10F50 10F82-10F85 11046 11070 1107F 110B9-110BA 11133-11134 11173 111C0 111C9-111CC "
    "11235-11236 112E9-112EA 1133B-1133C 1134D 11366-1136C 11370-11374 113CE-113D0 113D2 113E1-113E2 "
    "11442 11446 1145E 114C2-114C3 115BF-115C0 1163F 116B6-116B7 1172B 11839-1183A 1193D-1193E 11943 "
    "119E0 11A33-11A34 11A47 11A98-11A99 11C3F 11D42 11D44-11D45 11D97 11F41-11F42 11F5A 13440 "
    "13447-13455 1612F 16AF0-16AF4 16B30-16B36 16FE4 1BC9D 1CF00-1CF2D 1CF30-1CF46 1D165-1D169 "
    "1D16D-1D172 1D17B-1D182 1D185-1D18B 1D1AA-1D1AD 1D242-1D244 1DA00-1DA36 1DA3B-1DA6C 1DA75 1DA84 "
    "1DA9B-1DA9F 1DAA1-1DAAF 1E130-1E136 1E2AE 1E2EC-1E2EF 1E4EC-1E4EF 1E5EE-1E5EF 1E8D0-1E8D6 "
    "1E944-1E946 1E948-1E94A E0100-E01EF "
)

_NON_WORDS = (
    "88F C5C CDC 24B6-24E9 2E80-2E99 2E9B-2EF3 2F00-2FD5 302E-302F 3200-321E 3260-327E 32D0-32FE "
    "3300-3357 A7CE-A7CF A7D2 A7D4 A7F1 10940-10959 10EC5-10EC7 10EFA-10EFB 11B60-11B67 11DB0-11DDB "
    "11DE0-11DE9 16EA0-16EB8 16EBB-16ED3 16FE2 16FF2-16FF6 187F8-187FF 18D09-18D1E 18D80-18DF2 "
    "1E6C0-1E6DE 1E6E0-1E6F5 1E6FE-1E6FF 1F130-1F149 1F150-1F169 1F170-1F189 1F200 2B73A-2B73F "
    "2CEA2-2CEAD 323B0-33479 "
)

_CJK_CHARACTERS = (
    "1100-11FF 3005 3007 3021-3029 3038-303B 3041-3096 309D-309F 30A1-30FA 30FD-30FF 3131-318E 31F0-31FF "
    "3400-4DBF 4E00-9FFF A960-A97C AC00-D7A3 D7B0-D7C6 D7CB-D7FB F900-FA6D FA70-FAD9 FF66-FF6F FF71-FF9D "
    "FFA0-FFBE FFC2-FFC7 FFCA-FFCF FFD2-FFD7 FFDA-FFDC 16FE3 16FF0-16FF1 1AFF0-1AFF3 1AFF5-1AFFB "
    "1AFFD-1AFFE 1B000-1B122 1B132 1B150-1B152 1B155 1B164-1B167 20000-2A6DF 2A700-2B739 2B740-2B81D "
    "2B820-2CEA1 2CEB0-2EBE0 2EBF0-2EE5D 2F800-2FA1D 30000-3134A 31350-323AF "
)


def _char_class(ranges: str) -> str:
    def char(code: str) -> str:
        return f"\\U{int(code, 16):08x}"

    return "[" + "".join("-".join(char(code) for code in item.split("-")) for item in ranges.split()) + "]"


_MARK = re.compile(_char_class(_MARKS))
_NON_WORD = re.compile(_char_class(_NON_WORDS))
_CJK_RUN = re.compile(_char_class(_CJK_CHARACTERS) + "+")
_SPECIAL = re.compile("|".join(p.pattern for p in (_MARK, _NON_WORD, _CJK_RUN)))


def _spaced(match: re.Match[str]) -> str:
    return " " + " ".join(match.group()) + " "


def word_text(text: str) -> str:
    """``text`` as the simple tokenizer must see it to find the regex tokenizer's words."""
    if text.isascii() or _SPECIAL.search(text) is None:
        return text
    text = _NON_WORD.sub(" ", _MARK.sub("", text))
    return _CJK_RUN.sub(_spaced, text)


def _analyzer(tokenizer: tantivy.Tokenizer, stemmer: str | None = None) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tokenizer).filter(tantivy.Filter.remove_long(40)).filter(tantivy.Filter.lowercase())
    )
    if stemmer:
        builder = builder.filter(tantivy.Filter.stemmer(stemmer))
    return builder.filter(tantivy.Filter.ascii_fold()).build()


#: the analyzers of the index's text fields (registered on every opened index, by these names)
ANALYZERS: dict[str, tantivy.TextAnalyzer] = {
    # the stored, highlighted fields: the regex, so highlights match the text as written
    "openbch_fold": _analyzer(tantivy.Tokenizer.regex(_TOKENS)),
    # the others: the simple tokenizer on word_text(text)
    "openbch_words": _analyzer(tantivy.Tokenizer.simple()),
    **{f"openbch_{lang}": _analyzer(tantivy.Tokenizer.simple(), name) for lang, name in STEMMED.items()},
}
