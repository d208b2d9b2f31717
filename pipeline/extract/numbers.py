"""Number phrases in text: the amount, its hedge and its bounds, read from the characters alone.

:func:`find_number_phrases` finds digits ("129,000", "3.5 million", "1.2m"), numbers in words ("three",
"two million", "twenty-five", "a dozen"), ranges ("between 20,000 and 30,000", "2,000-3,000") and vague
amounts ("dozens", "tens of thousands"), each with the hedge in front of it ("more than", "at least", ...).
:func:`not_a_count` says when a number phrase is a measure, duration, age, money, percentage, time or
label rather than a count. Deciding what is counted (and whether it is a figure at all) is the figures
extractor's job (pipeline/extract/figures.py), with the parse.

Bounds convention (codebook): exact -> low = high = value; about -> both NULL; almost / up_to / at_most ->
high = value; more_than / at_least -> low = value, high NULL; a range -> value = low end; a vague amount ->
value = low end of its conventional range in ``pipeline/lexicons/numbers.yaml``.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Any

from pipeline.ingest.dates import year_lookalike_nouns
from pipeline.lexicons import load as load_lexicon



@dataclass(frozen=True)
class NumberPhrase:
    """A hedged amount in text. ``char_start``/``char_end`` cover hedge + number; ``num_start``/``num_end``
    the number alone. ``form`` is digits | words | fixed | vague | range."""

    char_start: int
    char_end: int
    quote: str
    value: float
    value_low: float | None
    value_high: float | None
    qualifier: str
    num_start: int
    num_end: int
    form: str


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, Any]:
    return load_lexicon("numbers.yaml")


def _alt(words: list[str] | Any) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _regex() -> re.Pattern[str]:
    lex = lexicon()
    first_word = f"(?:{_alt(list(lex['ones']) + list(lex['tens']))})"
    word = f"(?:{_alt(list(lex['ones']) + list(lex['tens']) + list(lex['scales']))})"
    words_seq = rf"{first_word}(?:(?:\s+and\s+|\s+|-){word})*"
    digits = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
    scale = rf"(?:\s+(?:{_alt(lex['scales'])})(?![A-Za-z])|(?:{_alt(lex['scale_suffixes'])})(?![A-Za-z0-9]))"
    fixed = _alt(lex["fixed"])
    vague = _alt(lex["vague"])
    qual = _alt(lex["qualifiers"])
    after = r"(?![0-9]|[.,][0-9]|-[A-Za-z]|[A-Za-z]|:[0-9]|%)"

    def num(second: bool) -> str:
        # One number: a fixed phrase, digits with an optional multiplier, or words. The second number of a
        # range may follow a hyphen ("2,000-3,000").
        behind = r"(?<![\w.,/:$£€])" if second else r"(?<![\w.,/:$£€-])"
        return (
            rf"(?:(?<![A-Za-z])(?:{fixed})(?![A-Za-z])"
            rf"|{behind}{digits}{scale}?{after}"
            rf"|(?<![A-Za-z-]){words_seq}(?![A-Za-z]|-[A-Za-z]))"
        )

    pattern = (
        rf"(?P<qual>(?:(?<![A-Za-z])(?:{qual})\s+){{1,2}})?"
        rf"(?:(?P<vague>(?<![A-Za-z])(?:{vague})(?![A-Za-z]))"
        rf"|(?:(?P<between>(?<![A-Za-z])between\s+)?(?P<n1>{num(False)})\s*(?:(?:-|–|to|and)\s*(?P<n2>{num(True)}))?))"
    )
    return re.compile(pattern, re.IGNORECASE)


def parse_number(s: str) -> float | None:
    """The value of one number written in digits, words or a fixed phrase ("3.5 million" -> 3500000.0)."""
    lex = lexicon()
    t = re.sub(r"\s+", " ", s.strip().lower())
    if t in lex["fixed"]:
        return float(lex["fixed"][t])
    m = re.fullmatch(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*([a-z]+)?", t)
    if m:
        try:
            base = float(m.group(1).replace(",", ""))
        except ValueError:
            return None
        mult = m.group(2)
        if mult is None:
            return base
        if mult in lex["scales"]:
            return base * lex["scales"][mult]
        if mult in lex["scale_suffixes"]:
            return base * lex["scale_suffixes"][mult]
        return None
    parts = [p for p in re.split(r"[\s-]+", t) if p and p != "and"]
    if not parts:
        return None
    total = 0
    current = 0
    for p in parts:
        if p in lex["ones"]:
            current += lex["ones"][p]
        elif p in lex["tens"]:
            current += lex["tens"][p]
        elif p == "hundred":
            current = (current or 1) * 100
        elif p in lex["scales"]:
            total += (current or 1) * lex["scales"][p]
            current = 0
        else:
            return None
    return float(total + current)


def _trailing_scale(s: str) -> float:
    """The multiplier a number ends in ("three million" -> 1e6, "1.2m" -> 1e6), else 1."""
    lex = lexicon()
    t = s.strip().lower()
    last = re.split(r"[\s-]+", t)[-1]
    if last in lex["scales"]:
        return float(lex["scales"][last])
    m = re.search(r"[0-9]([a-z]+)$", t)
    if m and m.group(1) in lex["scale_suffixes"]:
        return float(lex["scale_suffixes"][m.group(1)])
    return 1.0


def _qualifier(qual_text: str | None) -> str:
    if not qual_text:
        return "exact"
    lex = lexicon()["qualifiers"]
    phrases = sorted(lex, key=len, reverse=True)
    t = re.sub(r"\s+", " ", qual_text.strip().lower())
    for p in phrases:  # the first hedge in the text wins: match at the start
        if t == p or t.startswith(p + " "):
            return lex[p]
    return "exact"


def _bounds(value: float, qualifier: str) -> tuple[float | None, float | None]:
    if qualifier == "exact":
        return value, value
    if qualifier in ("more_than", "at_least"):
        return value, None
    if qualifier in ("almost", "up_to", "at_most"):
        return None, value
    return None, None  # about


def find_number_phrases(text: str) -> list[NumberPhrase]:
    """Every hedged number, range and vague amount in ``text``, in text order. Never raises on a ``str``."""
    if not isinstance(text, str) or not text:
        return []
    lex = lexicon()
    out: list[NumberPhrase] = []
    for m in _regex().finditer(text):
        qual_text = m.group("qual")
        qualifier = _qualifier(qual_text)
        if m.group("vague"):
            key = re.sub(r"\s+", " ", m.group("vague").lower())
            if key in lex["vague_need_of"] and not re.match(r"\s+of\s", text[m.end("vague") :]):
                continue
            low, high = (float(x) for x in lex["vague"][key])
            if qualifier == "exact":
                qualifier = "vague"
            elif qualifier in ("more_than", "at_least"):
                high = None
            out.append(
                NumberPhrase(m.start(), m.end(), m.group(0), low, low, high, qualifier,
                             m.start("vague"), m.end("vague"), "vague")
            )
            continue
        n1, n2 = m.group("n1"), m.group("n2")
        v1 = parse_number(n1)
        if v1 is None:
            continue
        between = m.group("between")
        joiner = text[m.end("n1") : m.start("n2")].strip().lower() if n2 else ""
        v2 = parse_number(n2) if n2 else None
        after_from = re.search(r"(?<![A-Za-z])from\s+$", text[max(0, m.start() - 6) : m.start()], re.I)
        is_range = (
            n2 is not None
            and v2 is not None
            and (joiner != "and" or between is not None)  # "20 and 30" is a range only after "between"
            and not (after_from and not qual_text)  # "rose from 100 to 200" is a change, not a range
        )
        if is_range and v2 is not None:
            # "two to three million": the multiplier of the upper end carries to the lower end.
            scale2 = _trailing_scale(n2)
            if scale2 > 1 and _trailing_scale(n1) == 1 and v1 * scale2 <= v2:
                v1 = v1 * scale2
            if v1 > v2:
                is_range = False
        if is_range and v2 is not None:
            start = m.start("between") if between else m.start("n1")
            if qual_text:
                start = m.start()
            q = qualifier if qualifier != "exact" else "about"
            out.append(NumberPhrase(start, m.end("n2"), text[start : m.end("n2")], v1, v1, v2, q,
                                    m.start("n1"), m.end("n2"), "range"))
            continue
        # single number (a "between" or second number that did not make a range is left out of the span)
        start = m.start() if qual_text else m.start("n1")
        form = "digits" if re.match(r"[0-9]", n1) else ("fixed" if n1.lower() in lex["fixed"] else "words")
        low, high = _bounds(v1, qualifier)
        out.append(NumberPhrase(start, m.end("n1"), text[start : m.end("n1")], v1, low, high, qualifier,
                                m.start("n1"), m.end("n1"), form))
        if n2 is not None and v2 is not None:
            form2 = "digits" if re.match(r"[0-9]", n2) else "words"
            out.append(NumberPhrase(m.start("n2"), m.end("n2"), n2, v2, v2, v2, "exact",
                                    m.start("n2"), m.end("n2"), form2))
    out.sort(key=lambda p: (p.char_start, p.char_end))
    return out


_WORD_AFTER_RE = re.compile(r"\s*(?:-\s*)?([^\s,;:()\"“”]+)")
_PHONE_RE = re.compile(r"(?<![\d,.])(?:\(\d{3}\)[ \u00a0]*|\d{3}[-.\u2010\u2011])\d{3}[-.\u2010\u2011]\d{4}(?![\d,])")
_AGE_BEFORE_RE = re.compile(r"(?:^|[^\w])[A-Z][\w'’.-]*,[ \u00a0]*$")
_TIME_AFTER_RE = re.compile(r":[0-5]\d(?!\d)|[ \u00a0]*(?:[ap]\.[ \u00a0]?m\.|[ap]m\b)", re.I)
_WORD_BEFORE_RE = re.compile(r"([^\s(\"“”]+)\s*$")


def _not_a_count_by_shape(text: str, phrase: NumberPhrase, before: str, after: str) -> str | None:
    """Numbers that the characters around them show are not counts: an age in apposition ("Jane Roe, 34,"), a
    time ("5:30", "10 p.m."), a phone number, a date written with slashes, a house number before a street name."""
    lo = max(0, phrase.num_start - 16)
    for m in _PHONE_RE.finditer(text, lo, phrase.num_end + 16):
        if m.start() < phrase.num_end and phrase.num_start < m.end():
            return "phone"
    if phrase.form != "digits" or phrase.qualifier != "exact":
        return None
    raw = text[phrase.num_start : phrase.num_end]
    if not raw.isdigit():
        return None
    if _TIME_AFTER_RE.match(after) or re.search(r"\d:$", before):
        return "time"
    if re.match(r"/\d", after) or re.search(r"\d/$", before):
        return "date"
    if len(raw) <= 3 and int(raw) <= 120 and _AGE_BEFORE_RE.search(before) and re.match(r"[ \u00a0]*[,)]", after):
        return "age"  # "Jane Roe, 34, died": a name, a comma, the number, a comma
    lex = lexicon()
    addr = "|".join(re.escape(w).replace(r"\ ", r"[ \u00a0]+") for w in lex.get("address_after") or ())
    if addr and re.match(rf"[ \u00a0]+(?:{addr})\b", after, re.I):
        return "address"
    counter = re.search(r"([A-Za-z]+)[ \u00a0]+\d+[ \u00a0]+of[ \u00a0]+$", before)
    if counter and counter.group(1).lower() in lex["not_count_before"]:
        return "label"  # "Image 1 of 10": the total of a counter is not a count either
    street = "|".join(re.escape(w) for w in lex.get("street_suffixes") or ())
    if street and re.match(rf"[ \u00a0]+(?:[NSEW]\.?[ \u00a0]+)?(?:[A-Z][\w'’-]*[ \u00a0]+){{1,2}}(?i:{street})(?!\w)",
                           after):
        return "address"  # "415 Oak Drive": a house number before a capitalised street name
    return None


def not_a_count(text: str, phrase: NumberPhrase) -> str | None:
    """Why the phrase is not a count of people or things (measure, money, label, ...), or None."""
    lex = lexicon()
    after = text[phrase.num_end : phrase.num_end + 40]
    if after.startswith("%") or re.match(r"\s*(?:per\s*cent|percent)\b", after, re.I):
        return "percentage"
    if re.match(r"-(?:[A-Za-z])", after):
        return "compound"  # "nine-year", "10-day", "5-year-old"
    if phrase.form == "digits" and re.match(r"[°º′″]|['\"](?:\d|[NSEW]\b)", after):
        return "coordinate_or_angle"  # "35.0325°N", "36°11′N", "43°38′47″E": degrees, minutes, seconds
    m = _WORD_AFTER_RE.match(after)
    if m:
        w = m.group(1).lower().rstrip(".")
        if w in lex["measure_units"] or m.group(1).lower() in lex["measure_units"]:
            return "measure"
        if re.match(r"(?:year|month|week|day|hour|minute)s?-old$", w):
            return "age"
    before = text[max(0, phrase.char_start - 20) : phrase.char_start]
    if before.rstrip().endswith(("$", "£", "€", "¥", "₹", "₺", "#")):
        return "money_or_label"
    shape = _not_a_count_by_shape(text, phrase, before, after)
    if shape is not None:
        return shape
    bm = _WORD_BEFORE_RE.search(before)
    if bm:
        w = bm.group(1).lower()
        if w in lex["not_count_before"] or w.rstrip(".") in lex["not_count_before"]:
            return "label"
    if phrase.form == "digits" and phrase.qualifier == "exact":
        raw = text[phrase.num_start : phrase.num_end]
        if re.fullmatch(r"(?:1[89]|20)[0-9]{2}", raw):
            nxt = re.match(r"\s+([A-Za-z-]+)", text[phrase.num_end : phrase.num_end + 30])
            if not (nxt and nxt.group(1).lower() in year_lookalike_nouns()):
                return "year"
    return None


_JOINED = re.compile(r"^\W*(?:and|or)?\W*$")  # what joins two coordinated counts: ", ", " and ", ", or "
_CONJUNCT_END = re.compile(r"[,;:.!?()\n]|\b(?:and|but|while|after|before|when|as|in|at|on|from)\b", re.I)


def coordinated_conjunct(text: str, ph: NumberPhrase, phrases: list[NumberPhrase]) -> str:
    """The words after a number up to the next punctuation or conjunction, lower-cased, when the number is one of
    coordinated counts ("2 dead, 3 injured", "9 were wounded and 2 killed": another number phrase starts right
    after that boundary or ends right before this one); else ""."""
    window = text[ph.char_end:ph.char_end + 40]
    m = _CONJUNCT_END.search(window)
    end = ph.char_end + (m.start() if m else len(window))
    i = bisect.bisect_left(phrases, end, key=lambda q: q.char_start)  # phrases are in text order
    nxt = phrases[i] if i < len(phrases) else None
    j = bisect.bisect_left(phrases, ph.char_start, key=lambda q: q.char_start)
    prv = next((q for q in reversed(phrases[max(0, j - 3):j]) if q.char_end <= ph.char_start), None)
    after_ok = nxt is not None and nxt.char_start - end <= 6 and _JOINED.match(text[end:nxt.char_start])
    before_ok = prv is not None and 0 < ph.char_start - prv.char_end <= 30 and re.search(
        r"(?:,|\band)[ \u00a0]*$", text[prv.char_end:ph.char_start]) and not re.search(r"[.;:!?]", text[prv.char_end:ph.char_start])
    return text[ph.char_end:end].lower() if (after_ok or before_ok) else ""
