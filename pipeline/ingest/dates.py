"""Publication dates and date expressions in news text.

Three entry points:

* :func:`parse_header_date` reads a date given in a header or metadata field ("2020-01-27",
  "January 27, 2020", "Jan. 27, 2020", "27 January 2020", ISO datetimes, RFC 2822 dates).
* :func:`find_date_expressions` finds every date expression in a text and resolves it against an anchor
  (the publication date): explicit dates, ranges ("between Jan. 20 and 26"), "since Dec. 1", "as of
  23 March", weekdays ("on Monday"), "this week", "over the past four days", "two days later", "in 2018".
* :func:`infer_publication_date` works the publication date out of the text alone (see its docstring for
  the rule); it prefers NULL to a guess.

Conventions (also in the codebook):

* A weekday ("Monday", "on Monday") is the most recent such day on or before the anchor (news usage: in an
  article of Wednesday 2020-01-29, "Monday" is 2020-01-27); "last Monday" is the most recent one strictly
  before the anchor, "next Monday" the first one strictly after it.
* A day and month without a year take the anchor's year, except that a month after the anchor's month
  means the previous year ("since Dec. 1" in a January 2020 article is 2019-12-01).
* "over the past N days" is the N calendar days up to and including the anchor (anchor-N+1 .. anchor);
  "N hours" reaches back ceil(N/24) days; vague counts ("the past few days", "in recent days") use the
  reach in the lexicon (7 days). "this week" / "last week" are calendar weeks (Monday..Sunday).
* "N days later/earlier" counts from the nearest preceding day-precise date in the same or the previous
  sentence; "N days ago" counts from the anchor. Without a reference the dates stay NULL.
* Without an anchor, expressions that need one keep NULL dates and precision "unknown".

Words (month and weekday names, counts, future markers) live in ``pipeline/lexicons/dates.yaml``.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipeline.lexicons import load as load_lexicon


KINDS = ("point", "since", "between", "over_past", "as_of", "relative")
PRECISIONS = ("day", "week", "month", "year", "unknown")


@dataclass(frozen=True)
class DateExpression:
    """One date expression in a text: its span, the period it denotes and how the text frames it.

    ``kind`` is one of point | since | between | over_past | as_of | relative. ``date_start``/``date_end``
    are inclusive bounds (equal for a single day); both NULL when the expression cannot be resolved.
    """

    char_start: int
    char_end: int
    quote: str
    date_start: dt.date | None
    date_end: dt.date | None
    precision: str
    kind: str


# ----------------------------------------------------------------------------------------------------------
# Lexicon and regular expressions


@functools.lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    return load_lexicon("dates.yaml")


def year_lookalike_nouns() -> frozenset[str]:
    """Nouns after which a four-digit number is a count, not a year ("2000 people", "in 2000 homes")."""
    return frozenset(w.lower() for w in _lexicon()["not_year_before"])


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = _lexicon()
    months: dict[str, int] = lex["months"]
    # Capitalised month names only; abbreviations may carry a full stop ("Jan.", "Sept.").
    month_forms = []
    for name in months:
        full_name = len(name) > 4 or name in ("may", "june", "july")
        month_forms.append(name.capitalize() + ("" if full_name else r"\.?"))
    month_forms.sort(key=len, reverse=True)
    month = "(?:" + "|".join(month_forms) + r")(?![A-Za-z])"
    weekday = "(?:" + "|".join(w.capitalize() for w in lex["weekday_text_forms"]) + r")(?![A-Za-z])"
    day = r"(?:[0-3]?[0-9])(?:st|nd|rd|th)?(?![0-9])"
    year = r"(?:1[89][0-9]{2}|20[0-9]{2})(?![0-9])"
    count = "(?:[0-9]{1,3}|" + _alt(list(lex["counts"])) + ")"
    vague = _alt(list(lex["vague_counts"]))
    parts = _alt(lex["day_parts"])
    sep = r"\s*(?:-|–|—|to|and|through|until|till)\s*"
    counted = _alt(lex["not_year_before"])

    def g(name: str, pat: str) -> str:
        return f"(?P<{name}>{pat})"

    p = {
        "iso": (
            r"(?<![0-9])(?P<y>[0-9]{4})-(?P<mo>[01][0-9])-(?P<d>[0-3][0-9])"
            r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?(?![0-9])"
        ),
        "md_range": (
            rf"(?<![A-Za-z]){g('m1', month)}\s+{g('d1', day)}(?:,?\s+{g('y1', year)})?{sep}"
            rf"(?:{g('m2', month)}\s+)?{g('d2', day)}(?:,?\s+{g('y2', year)})?"
        ),
        "dm_range": (
            rf"(?<![0-9]){g('d1', day)}(?:\s+{g('m1', month)}(?:\s+{g('y1', year)})?)?{sep}"
            rf"{g('d2', day)}\s+(?:of\s+)?{g('m2', month)}(?:,?\s+{g('y2', year)})?"
        ),
        "md": (
            rf"(?:{g('wd', weekday)},?\s+)?(?<![A-Za-z]){g('m1', month)}\s+{g('d1', day)}"
            rf"(?:,?\s+{g('y1', year)})?"
        ),
        "dm": (
            rf"(?:{g('wd', weekday)},?\s+)?(?:the\s+)?(?<![0-9.,]){g('d1', day)}\s+(?:of\s+)?{g('m1', month)}"
            rf"(?:,?\s+{g('y1', year)})?"
        ),
        "my": rf"(?<![A-Za-z])(?:(?:early|mid|late)-?\s*)?{g('m1', month)},?\s+{g('y1', year)}",
        "m_bare": (
            rf"(?<![A-Za-z])(?P<pre>[Ii]n|[Ss]ince|[Uu]ntil|[Bb]y|[Dd]uring|[Ee]arly|[Ll]ate|[Ee]nd of|"
            rf"[Ss]tart of|[Bb]eginning of|[Ll]ast|[Tt]his|[Nn]ext|[Mm]id-?)\s*{g('m1', month)}"
        ),
        "y_range": rf"(?<![0-9]){g('y1', year)}\s*(?:-|–|to|and)\s*{g('y2', year)}",
        "y": (
            r"(?<![A-Za-z])(?P<pre>[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Dd]uring|[Bb]efore|[Aa]fter|"
            rf"[Ee]arly|[Ll]ate|[Mm]id-?|[Tt]hroughout|[Ss]ummer|[Ww]inter|[Ss]pring|[Aa]utumn|[Ff]all)\s*"
            rf"{g('y1', year)}(?!-[0-9])(?!\s+(?:{counted}))"
        ),
        "weekday": (
            rf"(?<![A-Za-z])(?:(?P<mod>[Ll]ast|[Nn]ext|[Tt]his|[Pp]ast)\s+)?{g('wd', weekday)}(?:['’]s)?"
            rf"(?:\s+(?P<part>{parts})(?![A-Za-z]))?"
        ),
        "today": r"(?<![A-Za-z])(?P<w>[Tt]oday|[Tt]onight|[Yy]esterday|[Tt]omorrow)(?![A-Za-z])",
        "this_unit": (
            r"(?<![A-Za-z])(?P<pre>(?:[Ee]arlier|[Ll]ater)\s+)?(?P<mod>[Tt]his|[Ll]ast|[Nn]ext)\s+"
            r"(?P<u>week|weekend|month|year)(?![A-Za-z])"
        ),
        "over_past": (
            r"(?<![A-Za-z])(?:(?P<prep>[Ii]n|[Oo]ver|[Dd]uring|[Ff]or|[Ww]ithin|[Tt]hroughout)\s+)?"
            rf"(?P<the>the\s+)(?P<which>past|last|previous)\s+(?:(?P<n>{count}|{vague})\s+)?"
            r"(?P<u>hours?|days?|weeks?|months?|years?)(?![A-Za-z])"
        ),
        "over_past_bare": (
            r"(?<![A-Za-z])(?:(?P<prep>[Ii]n|[Oo]ver|[Dd]uring|[Ff]or|[Ww]ithin)\s+)?(?P<which>[Pp]ast|[Rr]ecent)\s+"
            rf"(?:(?P<n>{count}|{vague})\s+)?(?P<u>hours|days|weeks|months|years)(?![A-Za-z])"
        ),
        "offset": (
            rf"(?<![A-Za-z0-9])(?P<n>{count})\s+(?P<u>days?|weeks?|months?|years?)\s+"
            r"(?P<dir>later|earlier|afterwards|ago|previously|(?:before|after)(?=\s*(?:[,.;:!?)\"”’—–-]|$)))"
            r"(?![A-Za-z])"
        ),
        "next_day": (
            r"(?<![A-Za-z])the\s+(?P<dir>next|following|previous)\s+(?P<u>day|week|month|year)(?![A-Za-z])"
        ),
    }
    return {k: re.compile(v) for k, v in p.items()}


_PREFIX_RE = re.compile(r"(?:^|(?<=[^A-Za-z]))(?P<p>[Ss]ince|[Aa]s of|[Bb]etween|[Ff]rom|[Bb]y)\s+$")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "st", "gen", "lt", "col", "sgt", "capt", "maj", "rep", "sen", "gov", "pres",
    "no", "vol", "inc", "ltd", "co", "corp", "jr", "sr", "vs", "prof", "rev", "adm", "cmdr", "brig", "mt",
}
_SENT_END_RE = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n\s*\n")


def _sentence_starts(text: str) -> list[int]:
    """Cheap sentence starts (for "two days later" look-back only): after . ! ? unless an abbreviation."""
    months = set(_lexicon()["months"])
    starts = [0]
    for m in _SENT_END_RE.finditer(text):
        if text[m.start()] == ".":
            word = re.search(r"([A-Za-z]+)$", text[max(0, m.start() - 12) : m.start()])
            if word:
                w = word.group(1)
                if w.lower() in _ABBREV or w.lower() in months or len(w) == 1:
                    continue
        starts.append(m.end())
    return starts


# ----------------------------------------------------------------------------------------------------------
# Internal match records


@dataclass
class _Core:
    start: int
    end: int
    typ: str  # iso md md_range my m y y_range weekday today this_unit over_past offset next_day
    groups: dict[str, str | None]
    prefix: str | None = None  # since | as of | between | from | by


def _clean_int(s: str | None) -> int | None:
    if s is None:
        return None
    digits = re.match(r"[0-9]+", s)
    return int(digits.group(0)) if digits else None


def _month_no(s: str | None) -> int | None:
    if not s:
        return None
    return _lexicon()["months"].get(s.rstrip(".").lower())


def _scan(text: str) -> list[_Core]:
    """All core date expressions, leftmost-longest, non-overlapping, with kind-bearing prefixes attached."""
    cands: list[_Core] = []
    for typ, pat in _patterns().items():
        for m in pat.finditer(text):
            groups = m.groupdict()
            start, end = m.start(), m.end()
            if typ == "m_bare":  # "in May": the span is the month ("mid-May" keeps "mid-")
                start = m.start("pre") if groups.get("pre", "").lower().startswith("mid") else m.start("m1")
            elif typ == "y":  # "in 2018": the span is the year ("early 2018", "winter 2018" keep the word)
                pre = (groups.get("pre") or "").lower()
                keep = pre.startswith(("early", "late", "mid", "summer", "winter", "spring", "autumn", "fall"))
                start = m.start("pre") if keep else m.start("y1")
            if typ in ("md", "md_range", "dm", "dm_range"):
                if not _valid_days(groups):
                    continue
            cands.append(_Core(start, end, typ, groups))
    cands.sort(key=lambda c: (c.start, -(c.end - c.start)))
    chosen: list[_Core] = []
    last_end = -1
    for c in cands:
        if c.start >= last_end:
            chosen.append(c)
            last_end = c.end
    for c in chosen:
        pm = _PREFIX_RE.search(text[max(0, c.start - 12) : c.start])
        if pm and c.typ not in ("over_past", "over_past_bare", "offset", "next_day", "today"):
            p = pm.group("p").lower()
            if p in ("between", "from") and c.typ not in ("md_range", "dm_range", "y_range"):
                continue
            c.prefix = p
            c.start = c.start - (len(pm.group(0)))
    return chosen


def _valid_days(groups: dict[str, str | None]) -> bool:
    for key in ("d1", "d2"):
        d = _clean_int(groups.get(key))
        if d is not None and not 1 <= d <= 31:
            return False
    return True


# ----------------------------------------------------------------------------------------------------------
# Resolution


def _safe_date(y: int | None, m: int | None, d: int | None) -> dt.date | None:
    if y is None or m is None or d is None:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _year_for(month: int, anchor: dt.date | None) -> int | None:
    """The year of a day-and-month without a year: the anchor's, or the one before for a later month."""
    if anchor is None:
        return None
    return anchor.year - 1 if month > anchor.month else anchor.year


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: dt.date, months: int) -> dt.date:
    total = d.year * 12 + (d.month - 1) + months
    y, m = divmod(total, 12)
    m += 1
    if y < 1:
        return dt.date(1, 1, 1)
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def _shift(d: dt.date, n: int, unit: str) -> dt.date | None:
    try:
        if unit in ("day", "hour"):
            return d + dt.timedelta(days=n)
        if unit in ("week", "weekend"):
            return d + dt.timedelta(days=7 * n)
        if unit == "month":
            return _add_months(d, n)
        if unit == "year":
            return _add_months(d, 12 * n)
    except (OverflowError, ValueError):
        return None
    return None


def _count(s: str | None) -> int | None:
    if s is None:
        return None
    s = s.strip().lower()
    if s.isdigit():
        return int(s)
    lex = _lexicon()
    if s in lex["counts"]:
        return int(lex["counts"][s])
    if s in lex["vague_counts"]:
        return None
    return None


def _unit(s: str) -> str:
    return _lexicon()["units"].get(s.lower(), "day")


Resolved = tuple[dt.date | None, dt.date | None, str]


def _resolve_explicit(c: _Core, anchor: dt.date | None) -> Resolved:
    """Dates written out: ISO, month-day, day-month, ranges, month-year, bare month, years."""
    g = c.groups
    t = c.typ
    if t == "iso":
        d = _safe_date(_clean_int(g["y"]), _clean_int(g["mo"]), _clean_int(g["d"]))
        return (d, d, "day") if d else (None, None, "unknown")
    if t in ("md", "dm"):
        m = _month_no(g["m1"])
        y = _clean_int(g.get("y1")) or (_year_for(m, anchor) if m else None)
        d = _safe_date(y, m, _clean_int(g["d1"]))
        return (d, d, "day") if d else (None, None, "unknown")
    if t in ("md_range", "dm_range"):
        m1 = _month_no(g.get("m1")) or _month_no(g.get("m2"))
        m2 = _month_no(g.get("m2")) or m1
        y2 = _clean_int(g.get("y2"))
        y1 = _clean_int(g.get("y1"))
        if y2 is None and y1 is not None:
            y2 = y1 if (m2 or 0) >= (m1 or 0) else y1 + 1
        if y2 is None and m2 is not None:
            y2 = _year_for(m2, anchor)
        if y1 is None and y2 is not None and m1 is not None and m2 is not None:
            y1 = y2 if m1 <= m2 else y2 - 1
        d1 = _safe_date(y1, m1, _clean_int(g["d1"]))
        d2 = _safe_date(y2, m2, _clean_int(g["d2"]))
        if d1 and d2 and d1 <= d2:
            return d1, d2, "day"
        return None, None, "unknown"
    if t == "my":
        m = _month_no(g["m1"])
        y = _clean_int(g["y1"])
        if m and y:
            return dt.date(y, m, 1), _month_end(y, m), "month"
        return None, None, "unknown"
    if t == "m_bare":
        m = _month_no(g["m1"])
        pre = (g.get("pre") or "").lower()
        if m is None or anchor is None:
            return None, None, "unknown"
        if pre == "next":
            y = anchor.year + 1 if m <= anchor.month else anchor.year
        elif pre == "last":
            y = anchor.year - 1 if m >= anchor.month else anchor.year
        else:
            y = _year_for(m, anchor) or anchor.year
        return dt.date(y, m, 1), _month_end(y, m), "month"
    if t == "y":
        y = _clean_int(g["y1"])
        return (dt.date(y, 1, 1), dt.date(y, 12, 31), "year") if y else (None, None, "unknown")
    if t == "y_range":
        y1, y2 = _clean_int(g["y1"]), _clean_int(g["y2"])
        if y1 and y2 and y1 <= y2:
            return dt.date(y1, 1, 1), dt.date(y2, 12, 31), "year"
        return None, None, "unknown"
    return None, None, "unknown"


def _resolve_weekday(c: _Core, anchor: dt.date | None) -> Resolved:
    if anchor is None:
        return None, None, "unknown"
    wd = _lexicon()["weekdays"][c.groups["wd"].lower()]
    mod = (c.groups.get("mod") or "").lower()
    back = (anchor.weekday() - wd) % 7
    if mod == "next":
        fwd = (wd - anchor.weekday()) % 7 or 7
        d = anchor + dt.timedelta(days=fwd)
    elif mod == "last":
        d = anchor - dt.timedelta(days=back or 7)
    else:
        d = anchor - dt.timedelta(days=back)
    return d, d, "day"


def _resolve_relative(c: _Core, anchor: dt.date | None) -> Resolved:
    g = c.groups
    if anchor is None:
        return None, None, "unknown"
    if c.typ == "today":
        w = g["w"].lower()
        d = anchor + dt.timedelta(days={"yesterday": -1, "tomorrow": 1}.get(w, 0))
        return d, d, "day"
    # this_unit
    mod = g["mod"].lower()
    pre = (g.get("pre") or "").strip().lower()
    u = g["u"].lower()
    step = {"this": 0, "last": -1, "next": 1}[mod]
    if u in ("week", "weekend"):
        monday = anchor - dt.timedelta(days=anchor.weekday()) + dt.timedelta(days=7 * step)
        if u == "weekend":
            sat = monday + dt.timedelta(days=5)
            if mod == "last" and anchor.weekday() >= 5:
                sat = anchor - dt.timedelta(days=anchor.weekday() - 5 + 7)
            return sat, sat + dt.timedelta(days=1), "week"
        start, end = monday, monday + dt.timedelta(days=6)
        prec = "week"
    elif u == "month":
        first = _add_months(anchor.replace(day=1), step)
        start, end, prec = first, _month_end(first.year, first.month), "month"
    else:
        y = anchor.year + step
        start, end, prec = dt.date(y, 1, 1), dt.date(y, 12, 31), "year"
    if step == 0 and pre == "earlier":
        end = anchor
    elif step == 0 and pre == "later":
        start = anchor
    return start, end, prec


def _resolve_over_past(c: _Core, anchor: dt.date | None) -> Resolved:
    g = c.groups
    u = _unit(g["u"])
    n_raw = g.get("n")
    if not n_raw and (g.get("which") or "").lower() == "recent":
        n_raw = "recent"
    elif not n_raw and g["u"].lower().endswith("s"):
        n_raw = "few"  # "the past days", "past weeks": vague
    n = _count(n_raw) if n_raw else 1
    prec = {"hour": "day", "day": "day", "week": "week", "month": "month", "year": "year"}.get(u, "day")
    if anchor is None:
        return None, None, "unknown"
    if n is None:  # vague: "few", "several", "recent"
        reach = int(_lexicon()["vague_counts"].get(n_raw.lower(), 7)) if n_raw else 7
        if u == "day" or u == "hour":
            return anchor - dt.timedelta(days=reach - 1), anchor, "week"
        n = 3 if u in ("week", "month") else 2  # "the past few weeks/months/years": a documented convention
    if u == "hour":
        start = anchor - dt.timedelta(days=math.ceil(n / 24))
    elif u == "day":
        start = anchor - dt.timedelta(days=max(n - 1, 0))
    else:
        s = _shift(anchor, -n, u)
        if s is None:
            return None, None, "unknown"
        start = s + dt.timedelta(days=1)
    return start, anchor, prec


def _resolve_offset(c: _Core, anchor: dt.date | None, ref: dt.date | None) -> Resolved:
    g = c.groups
    u = _unit(g["u"])
    n = _count(g.get("n")) if c.typ == "offset" else 1
    direction = g["dir"].lower()
    if n is None:
        return None, None, "unknown"
    if direction == "ago":
        base = anchor
        sign = -1
    elif direction in ("later", "after", "afterwards", "next", "following"):
        base, sign = ref, 1
    else:
        base, sign = ref, -1
    if base is None:
        return None, None, "unknown"
    d = _shift(base, sign * n, u)
    if d is None:
        return None, None, "unknown"
    prec = {"hour": "day", "day": "day", "week": "week", "month": "month", "year": "year"}.get(u, "day")
    return d, d, prec


def _kind(c: _Core) -> str:
    if c.prefix == "since":
        return "since"
    if c.prefix in ("as of", "by"):
        return "as_of"
    if c.typ in ("md_range", "dm_range", "y_range"):
        return "between"
    if c.typ in ("over_past", "over_past_bare"):
        return "over_past"
    if c.typ in ("offset", "next_day", "today", "this_unit"):
        return "relative"
    return "point"


def find_date_expressions(text: str, anchor: dt.date | None) -> list[DateExpression]:
    """Every date expression in ``text``, resolved against ``anchor`` (the publication date), in text order.

    ``kind``: point (a day, month or year), since (start .. anchor), between (a range), over_past (a
    period reaching back from the anchor), as_of ("as of"/"by" a date), relative (today, this week, two
    days later, ...). See the module docstring for the conventions. Never raises on any ``str``.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        cores = _scan(text)
    except RecursionError:  # pragma: no cover - defensive
        return []
    starts = _sentence_starts(text) if any(c.typ in ("offset", "next_day") for c in cores) else [0]
    out: list[DateExpression] = []
    for c in cores:
        try:
            ds, de, prec = _resolve(c, anchor, out, starts)
        except (OverflowError, ValueError):  # beyond the calendar (an anchor near year 1 or 9999): not a date
            ds, de, prec = None, None, "unknown"
        kind = _kind(c)
        if kind == "since":
            # "since X": from X up to the anchor (publication date); the end stays NULL without an anchor.
            de = anchor if (ds is not None and anchor is not None and anchor >= ds) else None
        elif kind == "as_of" and de is not None:
            ds = de
            prec = "day" if prec == "day" else prec
        if ds is None and de is None:
            prec = "unknown"
        out.append(DateExpression(c.start, c.end, text[c.start : c.end], ds, de, prec, kind))
    return out


def _resolve(c: _Core, anchor: dt.date | None, found: list[DateExpression], starts: list[int]) -> Resolved:
    if c.typ in ("weekday",):
        return _resolve_weekday(c, anchor)
    if c.typ in ("today", "this_unit"):
        return _resolve_relative(c, anchor)
    if c.typ in ("over_past", "over_past_bare"):
        return _resolve_over_past(c, anchor)
    if c.typ in ("offset", "next_day"):
        return _resolve_offset(c, anchor, _reference_day(found, c.start, starts))
    return _resolve_explicit(c, anchor)


def _reference_day(found: list[DateExpression], pos: int, starts: list[int]) -> dt.date | None:
    """The nearest preceding day-precise date in the same or the previous sentence (for "two days later")."""
    i = bisect.bisect_right(starts, pos) - 1
    lower = starts[max(0, i - 1)] if i >= 0 else 0
    for e in reversed(found):
        if e.char_start < lower:
            break
        if e.char_end > pos:
            continue
        if e.precision == "day" and e.kind in ("point", "relative", "as_of") and e.date_start is not None:
            return e.date_start
    return None


def expression_kind(quote: str) -> str:
    """The kind of a date expression from its own words (for date mentions that do not carry one)."""
    cores = _scan(quote)
    if not cores:
        return "point"
    return _kind(cores[0])


# ----------------------------------------------------------------------------------------------------------
# Header dates


_ISO_COMPACT_RE = re.compile(r"^\s*([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
_YMD_DIGITS_RE = re.compile(r"^\s*([0-9]{4})([0-9]{2})([0-9]{2})(?:T|\s|$)")
_NUMERIC_DMY_RE = re.compile(r"^\s*([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})\s*$")


def parse_header_date(value: str) -> dt.date | None:
    """A date given in a header or metadata field, or None when the value holds no complete date.

    Reads ISO dates and datetimes ("2020-01-27", "2020-01-27T08:15:00Z"), "2020/01/27", "20200127",
    "January 27, 2020", "Jan. 27, 2020", "27 January 2020", "Mon, 27 Jan 2020 10:00:00 +0000", and
    numeric day/month/year only when unambiguous ("27/01/2020"; "03/04/2020" is None).
    """
    if not isinstance(value, str):
        return None
    v = value.strip()
    if not v or len(v) > 200:
        return None
    if v[0] in "-+\u2212":  # a signed year ("-0001-01-01": 2 BC) is no date of the calendar the dataset uses
        return None
    m = _ISO_COMPACT_RE.match(v) or _YMD_DIGITS_RE.match(v)
    if m:
        return _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DMY_RE.match(v)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a > 12 >= b:
            return _safe_date(y, b, a)
        if b > 12 >= a:
            return _safe_date(y, a, b)
        if a == b:
            return _safe_date(y, a, b)
        return None
    for c in _scan(v):
        if c.typ in ("md", "dm", "iso") and (c.groups.get("y1") or c.typ == "iso"):
            d, _, _ = _resolve_explicit(c, None)
            if d is not None:
                return d
    return None


# ----------------------------------------------------------------------------------------------------------
# Publication date from the text alone


def _is_future_context(text: str, start: int) -> bool:
    """True when the words just before a mention (same clause) mark it as future ("will meet on Friday")."""
    window = text[max(0, start - 60) : start]
    window = re.split(r"[.;:!?\n]|, (?:and|but) ", window)[-1]
    markers = _lexicon()["future_markers"]
    low = window.lower()
    return any(re.search(r"(?<![a-z])" + re.escape(m) + r"(?![a-z])", low) for m in markers)


def infer_publication_date(text: str, reference: dt.date | None = None) -> tuple[dt.date | None, str]:
    """(date, "inferred") when the text itself pins the publication date down, else (None, "unknown").

    The rule, conservative by design (a wrong date is worse than NULL):

    1. The year must be read, not guessed: the text must hold a full date (day, month and year, e.g.
       "Jan. 26, 2020" or "2020-01-26") in the latest year the text mentions at all. A bare year ("in
       2018") is only a lower bound on the publication year (a past event), so an article whose only
       years are bare years gets NULL.
    2. Dates without a year take the year (of Y-1, Y, Y+1, Y the year of the latest full date F) that
       puts them closest to F; the latest explicit date L is the latest of all these (future-marked
       mentions, "will meet on March 3", are left out).
    3. Weekday words ("said Wednesday", "on Tuesday"; not "next Friday" or future-marked ones) name days
       in the week up to publication. The publication date P is the earliest day on or after L on which
       every mentioned weekday has occurred (walking forward from L), and P's weekday must be among the
       most-mentioned weekdays; otherwise the mentions disagree and the answer is NULL.
    4. No weekday word, no full date or an inconsistent reading: (None, "unknown").

    `reference` (optional) is a date the caller knows the article is close to, such as the median publication
    date of the dated articles that came in with it. It is used only when the text holds no full date: the
    day-and-month dates of the text then take the year that puts them closest to `reference`, and a bare year
    in the text still bounds the result from below. Step 3 and 4 apply unchanged.
    """
    try:
        return _infer(text, reference)
    except Exception:  # noqa: BLE001 - arbitrary input must never raise here
        return None, "unknown"


def _infer(text: str, reference: dt.date | None = None) -> tuple[dt.date | None, str]:
    if not isinstance(text, str) or not text:
        return None, "unknown"
    cores = _scan(text)
    years: list[int] = []
    full: list[dt.date] = []
    partial: list[tuple[int, int]] = []  # (month, day) without a year
    weekdays: list[int] = []
    lex = _lexicon()
    for c in cores:
        g = c.groups
        for key in ("y", "y1", "y2"):
            y = _clean_int(g.get(key))
            if y is not None and (c.typ != "iso" or key == "y"):
                years.append(y)
        future = _is_future_context(text, c.start)
        if c.typ == "weekday":
            mod = (g.get("mod") or "").lower()
            if mod not in ("next",) and not future:
                weekdays.append(lex["weekdays"][g["wd"].lower()])
            continue
        if future:
            continue
        if c.typ == "iso":
            d = _safe_date(_clean_int(g["y"]), _clean_int(g["mo"]), _clean_int(g["d"]))
            if d:
                full.append(d)
        elif c.typ in ("md", "dm", "md_range", "dm_range"):
            for mk, dk, yk in (("m1", "d1", "y1"), ("m2", "d2", "y2")):
                day = _clean_int(g.get(dk))
                if day is None:
                    continue
                mon = _month_no(g.get(mk)) or _month_no(g.get("m1")) or _month_no(g.get("m2"))
                if mon is None:
                    continue
                y = _clean_int(g.get(yk)) or (_clean_int(g.get("y2")) if yk == "y1" else _clean_int(g.get("y1")))
                if y is not None:
                    d = _safe_date(y, mon, day)
                    if d:
                        full.append(d)
                else:
                    partial.append((mon, day))
            if c.groups.get("wd"):
                weekdays.append(lex["weekdays"][g["wd"].lower()])
    if not weekdays:
        return None, "unknown"
    if years and full:
        y_max = max(years)
        in_latest_year = [d for d in full if d.year == y_max]
        if not in_latest_year:
            return None, "unknown"
        f = max(in_latest_year)
    elif reference is not None and partial and not full:
        f = reference
    else:
        return None, "unknown"
    explicit = list(full)
    for mon, day in partial:
        options = [d for d in (_safe_date(y, mon, day) for y in (f.year - 1, f.year, f.year + 1)) if d]
        if options:
            explicit.append(min(options, key=lambda d: abs((d - f).days)))
    latest = max(explicit)
    wanted = set(weekdays)
    seen: set[int] = set()
    p: dt.date | None = None
    for k in range(7):
        day = latest + dt.timedelta(days=k)
        seen.add(day.weekday())
        if wanted <= seen:
            p = day
            break
    if p is None or (years and p.year < max(years)):
        return None, "unknown"
    counts = Counter(weekdays)
    top = max(counts.values())
    if counts[p.weekday()] != top:
        return None, "unknown"
    return p, "inferred"
