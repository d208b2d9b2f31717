"""Name keys: fold, transliteration and loose keys under which every place name is indexed."""

from __future__ import annotations

import re
import unicodedata


# ---------------------------------------------------------------------------------------------- name keys

_APOSTROPHES = "'’‘`´ʿʾʻʼ′"
_APOS_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_SPECIAL = str.maketrans({"ı": "i", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ħ": "h",
                          "þ": "th", "ð": "d", "ŧ": "t"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_ARTICLES = frozenset("al an ar as ash at ad az ath adh ed el en er es et ez ul il ud us".split())
_VOWEL_RUN = re.compile(r"[aeiou][aeiouwy]*")
_DOUBLE = re.compile(r"(.)\1+")
# Latin script (with combining marks and modifier letters used in romanisation); anything else is skipped.
_NON_LATIN = re.compile(r"[^\u0000-\u024F\u0250-\u02FF\u0300-\u036F\u1E00-\u1EFF\u2018-\u201F\u2032]")


def _strip_marks(s: str) -> str:
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


_PLAIN_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")


def fold(name: str) -> str:
    """Level-0 key: lower-case ASCII words separated by single spaces."""
    if _PLAIN_KEY.fullmatch(name):
        return name  # already a key (the usual case for words of lower-case text): the steps below keep it
    s = _strip_marks(name).lower().translate(_SPECIAL)
    s = _APOS_RE.sub("", s)
    return _NON_ALNUM.sub(" ", s).strip()


def translit_key(folded: str) -> str:
    """Level-1 key from a level-0 key: Arabic articles dropped and common transliteration variants unified."""
    tokens = folded.split()
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in _ARTICLES] or tokens
    s = "".join(tokens)
    s = s.replace("ou", "u").replace("oo", "u").replace("ee", "i").replace("q", "k")
    s = _DOUBLE.sub(r"\1", s)
    if len(s) > 3 and s.endswith(("ah", "eh")):
        s = s[:-2] + "a"
    return s


def loose_key(level1: str) -> str:
    """Level-2 key from a level-1 key: every vowel run becomes "a"."""
    s = _VOWEL_RUN.sub("a", level1)
    return _DOUBLE.sub(r"\1", s)


def name_keys(name: str) -> tuple[str, str, str] | None:
    """(level-0, level-1, level-2) keys of a name, or None when it has no usable Latin letters."""
    k0 = fold(name)
    if len(k0.replace(" ", "")) < 2:
        return None
    k1 = translit_key(k0)
    return k0, k1, loose_key(k1)


def romanise(name: str) -> str:
    """Display form: diacritics and ʿayn/hamza marks removed, case and spacing kept."""
    s = _APOS_RE.sub("", _strip_marks(name).translate(_SPECIAL))
    return re.sub(r"\s+", " ", s).strip() or name
