"""Header dates, date expressions and the publication date inferred from text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.dates import DateExpression, find_date_expressions
from pipeline.ingest.published import infer_publication_date, parse_header_date

D = dt.date
ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
ART1 = (ARTICLES / "000_a1a949affc85c4c7.txt").read_text(encoding="utf-8")
ART2 = (ARTICLES / "004_e6840dab288ed029.txt").read_text(encoding="utf-8")
WED = D(2020, 1, 29)  # Wednesday


def one(text: str, anchor: dt.date | None = WED) -> DateExpression:
    found = find_date_expressions(text, anchor)
    assert len(found) == 1, found
    e = found[0]
    assert text[e.char_start : e.char_end] == e.quote
    return e


# ---------------------------------------------------------------------------------------------------- header


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2020-01-27", D(2020, 1, 27)),
        ("  2020-01-27T08:15:00Z ", D(2020, 1, 27)),
        ("2020-01-27 08:15:00+02:00", D(2020, 1, 27)),
        ("2020/01/27", D(2020, 1, 27)),
        ("20200127", D(2020, 1, 27)),
        ("January 27, 2020", D(2020, 1, 27)),
        ("Jan. 27, 2020", D(2020, 1, 27)),
        ("Sept. 3, 2019", D(2019, 9, 3)),
        ("27 January 2020", D(2020, 1, 27)),
        ("Mon, 27 Jan 2020 10:00:00 +0000", D(2020, 1, 27)),
        ("Monday, January 27, 2020 - 10:32 GMT", D(2020, 1, 27)),
        ("27/01/2020", D(2020, 1, 27)),
    ],
)
def test_parse_header_date_reads_common_forms(value, expected):
    assert parse_header_date(value) == expected


@pytest.mark.parametrize("value", ["", "garbage", "January 2020", "Jan. 27", "2020-02-30", "03/04/2020", "Monday"])
def test_parse_header_date_returns_none_without_a_complete_unambiguous_date(value):
    assert parse_header_date(value) is None


# ---------------------------------------------------------------------------------------------------- expressions


def test_weekday_is_most_recent_on_or_before_anchor():
    e = one("Bilal Zikra left the city on Monday.")
    assert (e.quote, e.date_start, e.date_end, e.kind, e.precision) == ("Monday", D(2020, 1, 27), D(2020, 1, 27), "point", "day")
    assert one("The ministry said in a statement Wednesday.").date_start == WED  # same day as the anchor
    assert one("They met last Wednesday.").date_start == D(2020, 1, 22)
    assert one("They will meet next Monday.").date_start == D(2020, 2, 3)


def test_range_takes_year_from_anchor():
    e = one("Between Jan. 20 and 26, more than 129,000 people were displaced.")
    assert e.quote == "Between Jan. 20 and 26"
    assert (e.date_start, e.date_end, e.kind, e.precision) == (D(2020, 1, 20), D(2020, 1, 26), "between", "day")
    e = one("Fighting raged from Dec. 28 to Jan. 3.")
    assert (e.date_start, e.date_end, e.kind) == (D(2019, 12, 28), D(2020, 1, 3), "between")
    e = one("The UN counted 20-26 January 2020 as the worst week.")
    assert (e.date_start, e.date_end) == (D(2020, 1, 20), D(2020, 1, 26))


def test_since_a_later_month_means_previous_year():
    e = one("Almost 400,000 have been displaced since Dec. 1, the UN said.")
    assert (e.quote, e.date_start, e.date_end, e.kind) == ("since Dec. 1", D(2019, 12, 1), WED, "since")
    e = one("The number of displaced since January 15 is 120,000.", D(2020, 1, 27))
    assert (e.date_start, e.date_end, e.kind) == (D(2020, 1, 15), D(2020, 1, 27), "since")


def test_month_day_and_day_month():
    assert one("a January 15 ceasefire").date_start == D(2020, 1, 15)
    assert one("on 15 January the talks failed").date_start == D(2020, 1, 15)
    assert one("the truce of March 5, 2019").date_start == D(2019, 3, 5)


def test_as_of_is_a_single_day():
    e = one("As of 23 March, 960,000 people had been displaced.", D(2020, 3, 25))
    assert (e.quote, e.date_start, e.date_end, e.kind) == ("As of 23 March", D(2020, 3, 23), D(2020, 3, 23), "as_of")


def test_over_the_past_n_days_ends_on_the_anchor():
    e = one("about 50,000 over the past four days", D(2020, 1, 27))
    assert (e.quote, e.date_start, e.date_end, e.kind) == ("over the past four days", D(2020, 1, 24), D(2020, 1, 27), "over_past")
    e = one("in the past 24 hours", D(2020, 1, 27))
    assert (e.date_start, e.date_end) == (D(2020, 1, 26), D(2020, 1, 27))
    e = one("the city had been devastated in recent days", D(2020, 1, 27))
    assert (e.kind, e.date_start, e.date_end, e.precision) == ("over_past", D(2020, 1, 21), D(2020, 1, 27), "week")


def test_calendar_weeks_and_relative_days():
    e = one("This week, the army began advancing.")
    assert (e.date_start, e.date_end, e.kind, e.precision) == (D(2020, 1, 27), D(2020, 2, 2), "relative", "week")
    e = one("Talks collapsed last week.")
    assert (e.date_start, e.date_end) == (D(2020, 1, 20), D(2020, 1, 26))
    assert one("Shelling resumed yesterday.").date_start == D(2020, 1, 28)
    assert one("The town fell three days ago.").date_start == D(2020, 1, 26)


def test_days_later_counts_from_a_preceding_date_even_in_the_previous_sentence():
    text = "The advance follows a cease-fire struck Jan. 12 by Russia. The truce was broken two days later."
    found = find_date_expressions(text, WED)
    assert [e.quote for e in found] == ["Jan. 12", "two days later"]
    assert (found[1].date_start, found[1].kind) == (D(2020, 1, 14), "relative")
    # no reference: NULL, not a guess
    assert one("The truce was broken two days later.").date_start is None


def test_years():
    e = one("the two countries co-sponsored a de-escalation agreement in 2018")
    assert (e.quote, e.date_start, e.date_end, e.precision, e.kind) == ("2018", D(2018, 1, 1), D(2018, 12, 31), "year", "point")
    e = one("since 2011", None)
    assert (e.kind, e.date_start, e.date_end) == ("since", D(2011, 1, 1), None)
    assert find_date_expressions("Some 2000 people fled in 2000 homes.", WED) == []


def test_no_anchor_leaves_relative_dates_null():
    e = one("on Monday", None)
    assert (e.date_start, e.date_end, e.precision) == (None, None, "unknown")
    e = one("Between Jan. 20 and 26", None)
    assert (e.kind, e.date_start, e.precision) == ("between", None, "unknown")


def test_not_dates():
    for text in ["May I ask?", "more than 129,000 people", "a nearly nine-year war", "33km (20 miles)"]:
        assert find_date_expressions(text, WED) == [], text


def test_sample_article_expressions():
    found = find_date_expressions(ART2, WED)
    by_quote = {e.quote: e for e in found}
    assert by_quote["Jan. 12"].date_start == D(2020, 1, 12)
    assert by_quote["two days later"].date_start == D(2020, 1, 14)
    assert by_quote["Tuesday"].date_start == D(2020, 1, 28)
    assert by_quote["since Dec. 1"].date_start == D(2019, 12, 1)
    for e in found:
        assert ART2[e.char_start : e.char_end] == e.quote
    assert [e.char_start for e in found] == sorted(e.char_start for e in found)


# ---------------------------------------------------------------------------------------------------- inference


def test_infer_sample_with_explicit_dated_header_line():
    # "date 2020-01-27" is in the text; "on Monday" (x2) and 2020-01-27 is a Monday.
    assert infer_publication_date(ART1) == (D(2020, 1, 27), "inferred")


def test_infer_sample_without_a_year_is_unknown():
    # Latest explicit date "Jan. 26" has no year; the only year, "in 2018", is a past event and only a lower
    # bound: 2019 (Wed Jan 30) and 2020 (Wed Jan 29) both fit, so the answer must be NULL.
    assert infer_publication_date(ART2) == (None, "unknown")


def test_infer_with_a_year_finds_the_weekday_after_the_latest_date():
    text = ART2.replace("Between Jan. 20 and 26,", "Between Jan. 20 and Jan. 26, 2020,")
    assert infer_publication_date(text) == (D(2020, 1, 29), "inferred")


def test_infer_is_conservative():
    assert infer_publication_date("Officials said on Monday that 5,000 people fled.") == (None, "unknown")
    assert infer_publication_date("The war began on March 15, 2011. Shelling continued.") == (None, "unknown")
    # an old full date does not give the year when a later year is mentioned
    text = "The uprising began on March 15, 2011. In 2019 talks failed. Officials said Monday that Jan. 20 was calm."
    assert infer_publication_date(text) == (None, "unknown")
    # a future weekday is not used
    text = "Talks on Jan. 20, 2020 failed. The sides will meet again on Friday."
    assert infer_publication_date(text) == (None, "unknown")


@pytest.mark.parametrize("text", [
    "KABUL, March 3, 2021 (Reuters) - Officials said on Monday that 500 families fled.",
    "SPRINGFIELD, Ore., March 3, 2021 — Police said two people were hurt.",
    "March 3, 2021 -- The ministry said aid had arrived.",
    "Flood waters rise\n\nPublished: 3 March 2021\n\nHundreds of homes were flooded.",
    "Posted on Wednesday, March 3, 2021 10:32 AM EST\nA fire destroyed 12 homes.",
    "Storm hits the coast\n\n2021-03-03\n\nThe storm destroyed 40 homes last week.",
])
def test_a_dateline_or_a_publication_line_dates_the_article_from_its_own_text(text):
    assert infer_publication_date(text) == (D(2021, 3, 3), "inferred")


@pytest.mark.parametrize("text", [
    "The talks of March 3, 2021 — the last ones — failed, officials said.",  # a date in a sentence
    "Officials recalled that on March 3, 2021, 40 homes burned.",
    "KABUL, March 3 (Reuters) - Officials said 500 families fled.",  # no year: not a full date
    "x" * 500 + "\nPublished: 3 March 2021",  # beyond the top of the article
])
def test_dates_inside_the_story_are_not_publication_dates(text):
    assert infer_publication_date(text) == (None, "unknown")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_text(s):
    for e in find_date_expressions(s, WED):
        assert s[e.char_start : e.char_end] == e.quote
    find_date_expressions(s, None)
    d, src = infer_publication_date(s)
    assert src in ("inferred", "unknown") and (d is None) == (src == "unknown")
    parse_header_date(s)
