"""Sphinx extension: a search index that finds Korean words on the Korean site (language: ko).

Sphinx ships no Korean search language and falls back to English, which indexes "손실을" and
"손실이" as two words and "손실" as neither. Korean attaches particles (조사) and endings to the
word, so for every Hangul word this index also stores the word with a known particle or ending
cut off ("손실을" -> "손실", "어텐션에서" -> "어텐션"). English words on the same pages are stemmed
as on the English site. The browser side is Sphinx's own searchtools.js, unchanged.
"""
from __future__ import annotations

import re

from sphinx.search import languages
from sphinx.search.en import SearchEnglish

HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")
# Longest first, so that "에서" is cut before "서" could be.
ENDINGS = sorted({
    "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "으로", "로", "와", "과", "도", "만",
    "까지", "부터", "보다", "처럼", "마다", "이나", "나", "이다", "입니다", "이며", "이고", "하고", "으로서",
    "로서", "으로써", "로써", "들", "들은", "들이", "들을", "들의", "에는", "에도", "에서는", "으로는", "로는",
    "와는", "과는", "이란", "란", "이라는", "라는", "한다", "하는", "하면", "해서", "하여", "했다", "된다", "되는",
}, key=len, reverse=True)


def korean_forms(word: str) -> list[str]:
    """The word and, if it ends in a particle or ending and something of 2+ syllables is left, its stem."""
    forms = [word]
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 2:
            forms.append(word[: -len(ending)])
            break
    return forms


class SearchKorean(SearchEnglish):
    lang = "ko"
    language_name = "Korean"

    def split(self, input: str) -> list[str]:
        words = super().split(input)
        out = []
        for word in words:
            out.extend(korean_forms(word) if HANGUL_WORD.fullmatch(word) else [word])
        return out

    def word_filter(self, word: str) -> bool:
        return bool(HANGUL_WORD.fullmatch(word)) or super().word_filter(word)


def setup(app):
    languages["ko"] = SearchKorean
    return {"parallel_read_safe": True, "parallel_write_safe": True}
