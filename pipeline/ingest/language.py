"""A light, deterministic language detector for article text.

Two signals, both read from `pipeline/lexicons/stopwords.yaml`:

1. Script. When letters of a non-Latin script listed under `scripts` make up at least half of the text's
   letters, the text gets that script's language (Arabic script -> `ar`, Cyrillic -> `ru`, Greek -> `el`, ...).
   A Han-majority text containing kana is Japanese.
2. Stopwords. Otherwise the words of the text (lower case) are counted against each language's list of
   frequent function words (en, fr, es, de, it, pt, tr, nl). The language covering the most words wins when
   its coverage is clear: at least `MIN_HITS` hits, at least `MIN_SHARE` of the words, and ahead of the
   runner-up by `MARGIN`.

Anything else (too short, no letters, an unlisted language, a tie) is `und`. Only the first
`MAX_CHARS` characters are read, so a 50 MB article costs no more than a long one.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass

from pipeline.lexicons import load as load_lexicon

__all__ = ["detect_language", "UNDETERMINED"]

UNDETERMINED = "und"
MAX_CHARS = 50_000
MIN_WORDS = 3
MIN_HITS = 2
MIN_SHARE = 0.08
MARGIN = 1.15  # the winner's hits must exceed the runner-up's by this factor

_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class _Lexicon:
    scripts: tuple[tuple[str, tuple[tuple[int, int], ...]], ...]
    han_with_kana: str
    stopwords: dict[str, frozenset[str]]


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    raw = load_lexicon("stopwords.yaml")
    scripts = tuple(
        (str(lang), tuple((int(lo), int(hi)) for lo, hi in ranges)) for lang, ranges in raw["scripts"].items()
    )
    stopwords = {str(lang): frozenset(str(w).lower() for w in words) for lang, words in raw["stopwords"].items()}
    return _Lexicon(scripts=scripts, han_with_kana=str(raw.get("han_with_kana", "ja")), stopwords=stopwords)


def _script_language(char: str, lexicon: _Lexicon) -> str | None:
    cp = ord(char)
    for lang, ranges in lexicon.scripts:
        for lo, hi in ranges:
            if lo <= cp <= hi:
                return lang
    return None


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, or `und` when it cannot be told (see the module docstring)."""
    sample = text[:MAX_CHARS]
    lexicon = _lexicon()

    script_counts: Counter[str] = Counter()
    n_letters = 0
    for char in sample:
        if char.isalpha():
            n_letters += 1
            if ord(char) >= 0x370:
                lang = _script_language(char, lexicon)
                if lang is not None:
                    script_counts[lang] += 1
    if n_letters == 0:
        return UNDETERMINED
    if script_counts:
        lang, count = max(script_counts.items(), key=lambda kv: (kv[1], kv[0]))
        cjk = script_counts.get("zh", 0) + script_counts.get("ja", 0)
        if cjk * 2 >= n_letters and script_counts.get("zh", 0) and script_counts.get("ja", 0):
            return lexicon.han_with_kana
        if count * 2 >= n_letters:
            return lang

    words = _WORD.findall(sample.lower())
    if len(words) < MIN_WORDS:
        return UNDETERMINED
    hits = {lang: sum(1 for w in words if w in sw) for lang, sw in lexicon.stopwords.items()}
    ranked = sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))
    best_lang, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if best < MIN_HITS or best < MIN_SHARE * len(words) or best < runner_up * MARGIN:
        return UNDETERMINED
    return best_lang
