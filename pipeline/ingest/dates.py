"""Date expressions in news text: the engine that ingest and extract both use.

* :func:`find_date_expressions` finds every date expression in a text and resolves it against an anchor
  (the publication date): explicit dates, ranges ("between Jan. 20 and 26"), "since Dec. 1", "as of
  23 March", weekdays ("on Monday"), "this week", "over the past four days", "two days later", "in 2018".
* :func:`scan` finds the expressions without resolving them; pipeline.ingest.published reads header and
  publication dates with it.

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
def date_words() -> dict[str, Any]:
    return load_lexicon("dates.yaml")


def year_lookalike_nouns() -> frozenset[str]:
    """Nouns after which a four-digit number is a count, not a year ("2000 people", "in 2000 homes")."""
    return frozenset(w.lower() for w in date_words()["not_year_before"])


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@functools.lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    lex = date_words()
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
    months = set(date_words()["months"])
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


def clean_int(s: str | None) -> int | None:
    if s is None:
        return None
    digits = re.match(r"[0-9]+", s)
    return int(digits.group(0)) if digits else None


def month_no(s: str | None) -> int | None:
    if not s:
        return None
    return date_words()["months"].get(s.rstrip(".").lower())


def scan(text: str) -> list[_Core]:
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
        d = clean_int(groups.get(key))
        if d is not None and not 1 <= d <= 31:
            return False
    return True


# ----------------------------------------------------------------------------------------------------------
# Resolution


def safe_date(y: int | None, m: int | None, d: int | None) -> dt.date | None:
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
    lex = date_words()
    if s in lex["counts"]:
        return int(lex["counts"][s])
    if s in lex["vague_counts"]:
        return None
    return None


def _unit(s: str) -> str:
    return date_words()["units"].get(s.lower(), "day")


Resolved = tuple[dt.date | None, dt.date | None, str]


def resolve_explicit(c: _Core, anchor: dt.date | None) -> Resolved:
    """Dates written out: ISO, month-day, day-month, ranges, month-year, bare month, years."""
    g = c.groups
    t = c.typ
    if t == "iso":
        d = safe_date(clean_int(g["y"]), clean_int(g["mo"]), clean_int(g["d"]))
        return (d, d, "day") if d else (None, None, "unknown")
    if t in ("md", "dm"):
        m = month_no(g["m1"])
        y = clean_int(g.get("y1")) or (_year_for(m, anchor) if m else None)
        d = safe_date(y, m, clean_int(g["d1"]))
        return (d, d, "day") if d else (None, None, "unknown")
    if t in ("md_range", "dm_range"):
        m1 = month_no(g.get("m1")) or month_no(g.get("m2"))
        m2 = month_no(g.get("m2")) or m1
        y2 = clean_int(g.get("y2"))
        y1 = clean_int(g.get("y1"))
        if y2 is None and y1 is not None:
            y2 = y1 if (m2 or 0) >= (m1 or 0) else y1 + 1
        if y2 is None and m2 is not None:
            y2 = _year_for(m2, anchor)
        if y1 is None and y2 is not None and m1 is not None and m2 is not None:
            y1 = y2 if m1 <= m2 else y2 - 1
        d1 = safe_date(y1, m1, clean_int(g["d1"]))
        d2 = safe_date(y2, m2, clean_int(g["d2"]))
        if d1 and d2 and d1 <= d2:
            return d1, d2, "day"
        return None, None, "unknown"
    if t == "my":
        m = month_no(g["m1"])
        y = clean_int(g["y1"])
        if m and y:
            return dt.date(y, m, 1), _month_end(y, m), "month"
        return None, None, "unknown"
    if t == "m_bare":
        m = month_no(g["m1"])
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
        y = clean_int(g["y1"])
        return (dt.date(y, 1, 1), dt.date(y, 12, 31), "year") if y else (None, None, "unknown")
    if t == "y_range":
        y1, y2 = clean_int(g["y1"]), clean_int(g["y2"])
        if y1 and y2 and y1 <= y2:
            return dt.date(y1, 1, 1), dt.date(y2, 12, 31), "year"
        return None, None, "unknown"
    return None, None, "unknown"


def _resolve_weekday(c: _Core, anchor: dt.date | None) -> Resolved:
    if anchor is None:
        return None, None, "unknown"
    wd = date_words()["weekdays"][c.groups["wd"].lower()]
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
        reach = int(date_words()["vague_counts"].get(n_raw.lower(), 7)) if n_raw else 7
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
        cores = scan(text)
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
    return resolve_explicit(c, anchor)


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
    cores = scan(quote)
    if not cores:
        return "point"
    return _kind(cores[0])
