"""Publication dates: a header or metadata field, or the article's own text.

* :func:`parse_header_date` reads a date given in a header or metadata field ("2020-01-27",
  "January 27, 2020", "Jan. 27, 2020", "27 January 2020", ISO datetimes, RFC 2822 dates).
* :func:`infer_publication_date` works the publication date out of the text alone (see its docstring for
  the rule); it prefers NULL to a guess.

Both read dates with the expression engine of pipeline.ingest.dates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from pipeline.ingest.dates import clean_int, date_words, month_no, resolve_explicit, safe_date, scan

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
        return safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DMY_RE.match(v)
    if m:
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a > 12 >= b:
            return safe_date(y, b, a)
        if b > 12 >= a:
            return safe_date(y, a, b)
        if a == b:
            return safe_date(y, a, b)
        return None
    for c in scan(v):
        if c.typ in ("md", "dm", "iso") and (c.groups.get("y1") or c.typ == "iso"):
            d, _, _ = resolve_explicit(c, None)
            if d is not None:
                return d
    return None


# ----------------------------------------------------------------------------------------------------------
# Publication date from the text alone


def _is_future_context(text: str, start: int) -> bool:
    """True when the words just before a mention (same clause) mark it as future ("will meet on Friday")."""
    window = text[max(0, start - 60) : start]
    window = re.split(r"[.;:!?\n]|, (?:and|but) ", window)[-1]
    markers = date_words()["future_markers"]
    low = window.lower()
    return any(re.search(r"(?<![a-z])" + re.escape(m) + r"(?![a-z])", low) for m in markers)


# A dateline: the place names before the date ("KABUL, ", "EAST TROY, Wis., ") and what follows it (the
# agency in brackets and a dash, a colon, or the end of the line).
_DATELINE_BEFORE_RE = re.compile(r"^[\s\"“]*(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3},\s*){1,3}$")
_DATELINE_AFTER_RE = re.compile(r"^\s*(?:\([^()\n]{1,40}\)\s*)?(?:[-–—]{1,2}|:|$)")
# What may follow a date that stands alone on its line: a time of day and its zone.
_TIME_ONLY_RE = re.compile(r"^[\s,|]*(?:(?:at\s+)?[0-9]{1,2}[:.][0-9]{2}(?:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,5})?)?[\s|]*$", re.I)


def dateline_date(text: str) -> dt.date | None:
    """The date of a dateline or a labelled publication line at the top of the text, or None.

    Read only within the first `publication_line_reach` characters (pipeline/lexicons/dates.yaml), and only a
    full date (day, month and year): a dateline ("KABUL, March 3, 2021 (Reuters) -", "March 3, 2021 -- "), a
    date right after a publication label that starts its line or is capitalised ("Published: 3 March 2021",
    "by: A. Reporter Updated: Mar 3, 2021 - 6:38 PM", "(Published Wednesday, March 3, 2021)"), or a line that
    holds nothing but the date (and a time of day)."""
    words = date_words()
    head = text[: int(words["publication_line_reach"])]
    labels = sorted((lab.lower() for lab in words["publication_line_labels"]), key=len, reverse=True)
    weekdays = set(words["weekdays"])
    for line in head.splitlines():
        for c in scan(line):
            day = _full_first_day(c, line)
            if day is None:
                continue
            before, after = line[: c.start], line[c.end :]
            if c.typ.endswith("_range"):  # "Mar 3, 2021 - 6:38 PM": a day and a time, not a range
                after = line[c.start + len(_first_date_text(c, line)) :]
            if _DATELINE_BEFORE_RE.match(before) or not before.strip():
                if _DATELINE_AFTER_RE.match(after) or (not before.strip() and _TIME_ONLY_RE.match(after)):
                    return day
            if _is_label(before, labels, weekdays):
                return day
            break  # only the first full date of a line can be its date line
    return None


def _full_first_day(c, line: str) -> dt.date | None:
    """The first day of a core when it is a full date: ISO, day-month-year, or a "range" whose second number
    is the hour of a time ("Mar 3, 2021 - 6:38 PM")."""
    if c.typ == "iso" or (c.typ in ("md", "dm") and c.groups.get("y1")):
        day, _, _ = resolve_explicit(c, None)
        return day
    if c.typ in ("md_range", "dm_range") and c.groups.get("y1") and re.match(r"\s*[:.][0-9]{2}", line[c.end :]):
        return safe_date(clean_int(c.groups["y1"]), month_no(c.groups.get("m1")), clean_int(c.groups.get("d1")))
    return None


def _first_date_text(c, line: str) -> str:
    """The words of a range core up to its first year ("Mar 3, 2021" of "Mar 3, 2021 - 6")."""
    piece = line[c.start : c.end]
    y = c.groups.get("y1") or ""
    return piece[: piece.index(y) + len(y)] if y and y in piece else piece


def _is_label(before: str, labels: list[str], weekdays: set[str]) -> bool:
    """True when a publication label ends the words before a date, perhaps with a weekday ("Posted on Tue,"),
    and either starts the line or is capitalised (a story's "was published on" is not a label)."""
    tokens = re.findall(r"[A-Za-z]+|[^A-Za-z\s]", before)
    while tokens and (tokens[-1].lower() in weekdays or not tokens[-1].isalpha()):
        tokens.pop()
    if tokens and tokens[-1].lower() == "on":
        tokens.pop()
    words_only = [t for t in tokens if t.isalpha()]
    for label in labels:
        n = len(label.split())
        tail = words_only[-n:]
        if [t.lower() for t in tail] == label.split():
            first = tail[0]
            at_line_start = len(words_only) == n
            return at_line_start or first[0].isupper()
    return False


def infer_publication_date(text: str, reference: dt.date | None = None) -> tuple[dt.date | None, str]:
    """(date, "inferred") when the text itself pins the publication date down, else (None, "unknown").

    A dateline or a labelled publication line at the top of the text (`dateline_date`) gives the date.
    Otherwise the rule, conservative by design (a wrong date is worse than NULL):

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
        if isinstance(text, str) and (day := dateline_date(text)) is not None:
            return day, "inferred"
        return _infer(text, reference)
    except Exception:  # noqa: BLE001 - arbitrary input must never raise here
        return None, "unknown"


def _infer(text: str, reference: dt.date | None = None) -> tuple[dt.date | None, str]:
    if not isinstance(text, str) or not text:
        return None, "unknown"
    cores = scan(text)
    years: list[int] = []
    full: list[dt.date] = []
    partial: list[tuple[int, int]] = []  # (month, day) without a year
    weekdays: list[int] = []
    lex = date_words()
    for c in cores:
        g = c.groups
        for key in ("y", "y1", "y2"):
            y = clean_int(g.get(key))
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
            d = safe_date(clean_int(g["y"]), clean_int(g["mo"]), clean_int(g["d"]))
            if d:
                full.append(d)
        elif c.typ in ("md", "dm", "md_range", "dm_range"):
            for mk, dk, yk in (("m1", "d1", "y1"), ("m2", "d2", "y2")):
                day = clean_int(g.get(dk))
                if day is None:
                    continue
                mon = month_no(g.get(mk)) or month_no(g.get("m1")) or month_no(g.get("m2"))
                if mon is None:
                    continue
                y = clean_int(g.get(yk)) or (clean_int(g.get("y2")) if yk == "y1" else clean_int(g.get("y1")))
                if y is not None:
                    d = safe_date(y, mon, day)
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
        options = [d for d in (safe_date(y, mon, day) for y in (f.year - 1, f.year, f.year + 1)) if d]
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
