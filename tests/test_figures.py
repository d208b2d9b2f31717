"""Figures: numbers, qualifiers, categories, units, reporters, places and time windows, on real sentences."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.context import ArticleContext
from pipeline.extract.figures import extract_figures
from pipeline.extract.nlp import load_nlp
from pipeline.extract.numbers import find_number_phrases, not_a_count, parse_number
from pipeline.extract.temporal import extract_dates, figure_window
from pipeline.extract.types import ActorMention, Article, Figure, PlaceMention
from pipeline.ids import article_id, sha256_hex, span_id

D = dt.date
ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def make_ctx(nlp, text: str, published: dt.date | None = D(2020, 1, 29)) -> ArticleContext:
    art = Article(
        article_id=article_id(text), text=text, text_sha256=sha256_hex(text), title=None, url=None, outlet=None,
        published_at=published, published_at_source="header" if published else "unknown", language="en",
        source_file="t.txt", source_format="txt", n_words=len(text.split()),
    )
    return ArticleContext(art, nlp(text))


def figures_of(nlp, text, published=D(2020, 1, 29), actors=(), places=()) -> list[Figure]:
    ctx = make_ctx(nlp, text, published)
    figs = extract_figures(ctx, list(actors), list(places), extract_dates(ctx), {})
    for f in figs:
        assert text[f.char_start : f.char_end] == f.quote
        assert f.figure_id == span_id("fig", ctx.article.article_id, "figure", f.char_start, f.char_end)
        assert f.sentence in text and f.char_start >= text.index(f.sentence)
        assert 0 <= f.confidence <= 1
        assert f.event_id is None
    return figs


def only(nlp, text, **kw) -> Figure:
    figs = figures_of(nlp, text, **kw)
    assert len(figs) == 1, [(f.quote, f.category) for f in figs]
    return figs[0]


# ---------------------------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "s, value",
    [("129,000", 129000), ("3.5 million", 3.5e6), ("1.2m", 1.2e6), ("two million", 2e6), ("three", 3),
     ("twenty-five", 25), ("one hundred and twenty", 120), ("a dozen", 12), ("half a million", 5e5), ("40k", 40000)],
)
def test_parse_number(s, value):
    assert parse_number(s) == value


@pytest.mark.parametrize(
    "text, quote, qualifier, low, high",
    [
        ("about 5,000 fled", "about 5,000", "about", None, None),
        ("around 5,000 fled", "around 5,000", "about", None, None),
        ("some 5,000 fled", "some 5,000", "about", None, None),
        ("an estimated 5,000 fled", "an estimated 5,000", "about", None, None),
        ("nearly 5,000 fled", "nearly 5,000", "almost", None, 5000),
        ("almost 5,000 fled", "almost 5,000", "almost", None, 5000),
        ("more than 5,000 fled", "more than 5,000", "more_than", 5000, None),
        ("over 5,000 fled", "over 5,000", "more_than", 5000, None),
        ("upwards of 5,000 fled", "upwards of 5,000", "more_than", 5000, None),
        ("at least 5,000 fled", "at least 5,000", "at_least", 5000, None),
        ("no fewer than 5,000 fled", "no fewer than 5,000", "at_least", 5000, None),
        ("up to 5,000 fled", "up to 5,000", "up_to", None, 5000),
        ("as many as 5,000 fled", "as many as 5,000", "up_to", None, 5000),
        ("at most 5,000 fled", "at most 5,000", "at_most", None, 5000),
        ("5,000 fled", "5,000", "exact", 5000, 5000),
        ("dozens fled", "dozens", "vague", 24, 99),
        ("scores of people fled", "scores", "vague", 40, 99),
        ("hundreds fled", "hundreds", "vague", 200, 999),
        ("thousands fled", "thousands", "vague", 2000, 9999),
        ("tens of thousands fled", "tens of thousands", "vague", 20000, 99999),
        ("hundreds of thousands fled", "hundreds of thousands", "vague", 200000, 999999),
        ("millions fled", "millions", "vague", 2000000, 9999999),
        ("between 20,000 and 30,000 fled", "between 20,000 and 30,000", "about", 20000, 30000),
        ("two to three million fled", "two to three million", "about", 2000000, 3000000),
    ],
)
def test_number_phrases_qualifiers_and_bounds(text, quote, qualifier, low, high):
    (p,) = find_number_phrases(text)
    assert (p.quote, p.qualifier, p.value_low, p.value_high) == (quote, qualifier, low, high)
    expected_value = {"5,000": 5000}.get(quote.split()[-1], low if low is not None else high)
    assert p.value == expected_value


def test_stacked_hedges_take_the_first():
    p = find_number_phrases("we are talking at the very least about 50,000 over the past four days")[0]
    assert (p.quote, p.qualifier, p.value, p.value_low) == ("at the very least about 50,000", "at_least", 50000, 50000)


@pytest.mark.parametrize(
    "text",
    ["a 33km road", "20 miles south", "5% of the budget", "12 percent", "$5 million", "a 10-day truce",
     "a nearly nine-year civil war", "a 5-year-old boy", "at 10:30 a.m.", "Article 5 of the charter",
     "on page 3", "aged 45", "the 2nd battalion", "an F-16 jet", "for two days", "three times"],
)
def test_not_counts(text):
    assert all(not_a_count(text, p) is not None for p in find_number_phrases(text)), text


@pytest.mark.parametrize(
    "text, why",
    [("Jane Roe, 34, died at the scene.", "age"), ("the driver, Sam Poe, 19, was hurt", "age"),
     ("It happened at 5:30 on Friday.", "time"), ("shots were heard at 11 p.m. nearby", None),
     ("Call 555-867-5309 with tips.", "phone"), ("Call (555) 867-5309 with tips.", "phone"),
     ("The attack on 6/18/2016 was the third.", "date"), ("a shop open 24/7", "date"),
     ("a house at 415 Oak Drive", "address"), ("outside 12 N. Main St. on Sunday", "address"),
     ("Image 1 of 10", "label"), ("told Channel 4 and News 5 on Monday", "label"), ("the 1200 block of Elm", "address")],
)
def test_numbers_that_are_not_counts_by_their_shape(text, why):
    phrases = [p for p in find_number_phrases(text) if p.form == "digits"]
    reasons = {not_a_count(text, p) for p in phrases}
    assert None not in reasons, (text, reasons)  # no number of the phrase is a count
    if why and phrases:
        assert why in reasons, (text, reasons)


@pytest.mark.parametrize(
    "text, value, category",
    [("In Dayton, 34 people died after the storm.", 34, "killed"),
     ("The gunman, police said, wounded 12 people.", 12, "injured"),
     ("Between 300-1000 people fled the village.", 300, "displaced"),
     ("Smith said 14 people were hurt in the crash.", 14, "injured")],
)
def test_counts_next_to_commas_names_and_dashes_stay_counts(nlp, text, value, category):
    assert any(f.value == value and f.category == category for f in figures_of(nlp, text)), text


def test_ages_addresses_and_phone_numbers_are_not_figures_of_a_shooting(nlp):
    text = ("Jane Roe, 34, died and two other people were wounded outside 415 Oak Drive at 10:45 p.m. Monday. "
            "Anyone with information should call 555-867-5309.")
    assert sorted((f.value, f.category) for f in figures_of(nlp, text)) == [(2, "injured")]


@pytest.mark.parametrize(
    "text, expected",
    [("4 dead, 6 hurt in fire at a warehouse", [(4, "killed"), (6, "injured")]),
     ("Officials said 9 were wounded and 2 were killed in the blast.", [(2, "killed"), (9, "injured")]),
     ("The storm killed 3 people and injured 20 in the valley.", [(3, "killed"), (20, "injured")])],
)
def test_coordinated_counts_keep_their_own_categories(nlp, text, expected):
    assert sorted((f.value, f.category) for f in figures_of(nlp, text)) == expected


# ---------------------------------------------------------------------------------------------------- categories


@pytest.mark.parametrize(
    "text, quote, category, unit",
    [
        ("More than 129,000 people were displaced from southern Idlib.", "More than 129,000 people", "displaced", "people"),
        ("Thousands of people fled their homes towards the border.", "Thousands of people", "displaced", "people"),
        ("The offensive sparked an exodus of tens of thousands of civilians.", "tens of thousands of civilians", "displaced", "people"),
        ("Some 4,000 families were forced to flee the town.", "Some 4,000 families", "displaced", "families"),
        ("Up to 500 households are sheltering in camps near the border.", "Up to 500 households", "displaced", "households"),
        ("Turkey already hosts more than 3.5 million Syrian refugees.", "more than 3.5 million Syrian refugees", "refugees", "people"),
        ("Some 2,000 families have returned to their villages.", "Some 2,000 families", "returnees", "families"),
        ("At least 12 civilians were killed in airstrikes on the town.", "At least 12 civilians", "killed", "people"),
        ("The conflict has killed hundreds of thousands of people.", "hundreds of thousands of people", "killed", "people"),
        ("Five children were among the dead.", "Five children", "killed", "children"),
        ("Another 30 people were wounded in the blast.", "30 people", "injured", "people"),
        ("Dozens of people remain missing after the strike.", "Dozens of people", "missing", "people"),
        ("Police arrested 45 protesters in the capital.", "45 protesters", "detained", "people"),
        ("More than 800,000 people are at risk of displacement.", "More than 800,000 people", "at_risk", "people"),
        ("More than 1.2m people in the region are in need of humanitarian assistance.", "More than 1.2m people", "in_need", "people"),
        ("Idlib and surrounding areas hold more than 4 million civilians.", "more than 4 million civilians", "population", "people"),
        ("About 2,300 people were evacuated from the besieged district.", "About 2,300 people", "evacuated", "people"),
        ("About 80,000 people are besieged in the old city.", "About 80,000 people", "besieged", "people"),
        ("An estimated 3,000 buildings were damaged or destroyed.", "An estimated 3,000 buildings", "homes_destroyed", "buildings"),
        ("The barrel bombs had laid waste to scores of homes.", "scores of homes", "homes_destroyed", "homes"),
        ("Turkey said it had at least three observation posts in the province.", "at least three observation posts", "other", "other"),
    ],
)
def test_category_and_unit(nlp, text, quote, category, unit):
    f = only(nlp, text)
    assert (f.quote, f.category, f.unit) == (quote, category, unit)


def test_figure_without_counted_noun_takes_category_from_clause(nlp):
    f = only(nlp, "The Syrian Observatory has put the number of displaced since January 15 at 120,000.", published=D(2020, 1, 27))
    assert (f.quote, f.value, f.qualifier, f.category, f.unit) == ("120,000", 120000, "exact", "displaced", "people")


@pytest.mark.parametrize(
    "text",
    [
        "The 33km road to the city, 20 miles long, was closed.",
        "The two countries signed the agreement in 2018.",
        "One of the officials, aged 45, spoke on page 3 about Resolution 2254.",
        "The ceasefire lasted two days and 5% of the budget went on a 10-day operation costing $5 million.",
        "He was the first to arrive at 10:30 on Jan. 20, in the nearly nine-year war.",
    ],
)
def test_not_figures(nlp, text):
    assert figures_of(nlp, text) == []


# ---------------------------------------------------------------------------------------------------- reporter / place


@pytest.mark.parametrize(
    "text, reporter",
    [
        ("More than 800,000 people are at risk of displacement, the International Rescue Committee said.", "the International Rescue Committee"),
        ("The United Nations estimates that almost 400,000 have been displaced, said David Swanson.", "The United Nations"),
        ("Thousands of people fled, said Raed Saleh.", "Raed Saleh"),
        ("Some 2,000 families have returned, according to the local council.", "the local council"),
        ("At least 12 civilians were killed, according to data from the United Nations’ local partners shared with The Washington Post.", "the United Nations’ local partners"),
        ("The Syrian Observatory has put the number of displaced at 120,000.", "The Syrian Observatory"),
        ("A witness said thousands fled from the towns.", "A witness"),
    ],
)
def test_reporter_text(nlp, text, reporter):
    f = only(nlp, text)
    assert f.reporter_text == reporter
    assert reporter in text


def test_reporter_actor_id_from_actor_mention(nlp):
    text = "More than 800,000 people are at risk of displacement, the International Rescue Committee said."
    start = text.index("International Rescue Committee")
    m = ActorMention("x", start, start + len("International Rescue Committee"), "International Rescue Committee", "act_irc", 0)
    f = only(nlp, text, actors=[m])
    assert (f.reporter_text, f.reporter_actor_id) == ("the International Rescue Committee", "act_irc")


def test_no_reporter_without_source(nlp):
    assert only(nlp, "Idlib and surrounding areas hold more than 4 million civilians.").reporter_text is None


def test_place_governing_the_figure_not_the_destination(nlp):
    text = "More than 129,000 people were displaced from southern Idlib towards the Turkish border at Bab al-Hawa."
    s1 = text.index("Idlib")
    s2 = text.index("Bab al-Hawa")
    places = [PlaceMention("x", s1, s1 + 5, "Idlib", "gn_idlib", 0), PlaceMention("x", s2, s2 + 11, "Bab al-Hawa", "gn_bab", 0)]
    assert only(nlp, text, places=places).place_id == "gn_idlib"
    text2 = "Thousands of civilians fled towards Turkey."
    s = text2.index("Turkey")
    assert only(nlp, text2, places=[PlaceMention("x", s, s + 6, "Turkey", "iso_TUR", 0)]).place_id is None


# ---------------------------------------------------------------------------------------------------- windows


@pytest.mark.parametrize(
    "text, published, kind, start, end",
    [
        ("Between Jan. 20 and 26, more than 129,000 people were displaced.", D(2020, 1, 29), "between", D(2020, 1, 20), D(2020, 1, 26)),
        ("Almost 400,000 have been displaced since Dec. 1.", D(2020, 1, 29), "since", D(2019, 12, 1), D(2020, 1, 29)),
        ("We have seen at the very least 50,000 displaced over the past four days.", D(2020, 1, 27), "over_past", D(2020, 1, 24), D(2020, 1, 27)),
        ("As of 23 March, nearly 960,000 people had been displaced.", D(2020, 3, 25), "as_of", D(2020, 3, 23), D(2020, 3, 23)),
        ("Thousands of people fled on Monday.", D(2020, 1, 29), "point", D(2020, 1, 27), D(2020, 1, 27)),
        ("In 2018, 1,200 people were detained.", D(2020, 1, 29), "point", D(2018, 1, 1), D(2018, 12, 31)),
        ("Five children were among the dead, the health ministry said Wednesday.", D(2020, 1, 29), "as_of", D(2020, 1, 29), D(2020, 1, 29)),
        # no date expression: the tense says what the count is
        ("Idlib and surrounding areas hold more than 4 million civilians.", D(2020, 1, 29), "as_of", None, D(2020, 1, 29)),
        ("Some 82,000 people have been displaced, the agency said.", D(2020, 1, 29), "as_of", None, D(2020, 1, 29)),
        ("Some 82,000 people remain in camps.", None, "as_of", None, None),
        ("Five people were killed in the attack.", D(2020, 1, 29), "point", None, None),
        ("Thousands had fled before the offensive began.", D(2020, 1, 29), "unknown", None, None),
        ("Up to 40,000 people will need shelter.", D(2020, 1, 29), "unknown", None, None),
    ],
)
def test_windows(nlp, text, published, kind, start, end):
    f = only(nlp, text, published=published)
    assert (f.window_kind, f.window_start, f.window_end) == (kind, start, end)


def test_window_picks_the_figures_own_clause(nlp):
    text = ("Over the past few days we have seen thousands of new internally displaced persons - and we are "
            "talking here at the very least about 50,000 over the past four days, Issa said.")
    figs = figures_of(nlp, text, published=D(2020, 1, 27))
    by_quote = {f.quote: f for f in figs}
    assert by_quote["thousands of new internally displaced persons"].window_start == D(2020, 1, 21)
    assert by_quote["at the very least about 50,000"].window_start == D(2020, 1, 24)
    assert all(f.reporter_text == "Issa" for f in figs)


def test_figure_window_without_a_date_or_a_finite_verb_is_unknown(nlp):
    ctx = make_ctx(nlp, "Thousands fled.")
    assert figure_window(ctx, 0, 9, []) == (None, None, "point")  # one occasion, its day not told
    ctx = make_ctx(nlp, "Thousands of displaced civilians.")
    assert figure_window(ctx, 0, 9, []) == (None, None, "unknown")


def test_hypothetical_lowers_confidence(nlp):
    real = only(nlp, "Half a million refugees returned to their homes.")
    hypo = only(nlp, "Half a million refugees could return if the fighting stops.")
    assert hypo.confidence < real.confidence


# ---------------------------------------------------------------------------------------------------- samples


def _sample(nlp, name: str, published: dt.date | None):
    text = (ARTICLES / name).read_text(encoding="utf-8")
    ctx = make_ctx(nlp, text, published)
    dates = extract_dates(ctx)
    try:  # written by another helper; fall back to no actor mentions while it does not exist
        from pipeline.extract import actors as actors_module
    except ImportError:
        actor_mentions, actors = [], {}
    else:
        if hasattr(actors_module, "load_registry"):
            actor_mentions, actors = actors_module.extract_actors(ctx, actors_module.load_registry())
        else:
            actor_mentions, actors = actors_module.extract_actors(ctx)
    figs = extract_figures(ctx, actor_mentions, [], dates, actors)
    for f in figs:
        assert text[f.char_start : f.char_end] == f.quote
        if f.reporter_actor_id is not None:
            rs = text.index(f.reporter_text, text.index(f.sentence))
            assert any(m.actor_id == f.reporter_actor_id and m.char_start < rs + len(f.reporter_text) and rs < m.char_end
                       for m in actor_mentions)
    assert [(f.char_start, f.char_end) for f in figs] == sorted((f.char_start, f.char_end) for f in figs)
    return {f.quote: f for f in figs}


def test_sample_washington_post(nlp):
    figs = _sample(nlp, "004_e6840dab288ed029.txt", D(2020, 1, 29))
    f = figs["more than 129,000 people"]
    assert (f.value, f.value_low, f.value_high, f.qualifier, f.category, f.unit) == (129000, 129000, None, "more_than", "displaced", "people")
    assert (f.window_kind, f.window_start, f.window_end) == ("between", D(2020, 1, 20), D(2020, 1, 26))
    assert f.reporter_text == "the United Nations’ local partners"
    f = figs["almost 400,000"]
    assert (f.qualifier, f.value_high, f.category, f.reporter_text) == ("almost", 400000, "displaced", "The United Nations")
    assert (f.window_kind, f.window_start, f.window_end) == ("since", D(2019, 12, 1), D(2020, 1, 29))
    f = figs["More than 800,000 people"]
    assert (f.category, f.reporter_text, f.window_kind) == ("at_risk", "the International Rescue Committee", "as_of")
    f = figs["more than 4 million civilians"]
    assert (f.category, f.qualifier, f.value) == ("population", "more_than", 4_000_000)
    assert figs["hundreds of thousands of refugees"].category == "refugees"
    assert figs["at least three"].category == "other"
    # dates, years and the "two countries" are not figures
    assert not any(q in figs for q in ("two", "2018", "20", "26", "12", "1"))


def test_sample_washington_post_without_publication_date(nlp):
    figs = _sample(nlp, "004_e6840dab288ed029.txt", None)
    f = figs["more than 129,000 people"]
    assert (f.window_kind, f.window_start, f.window_end) == ("between", None, None)


def test_sample_first_article(nlp):
    figs = _sample(nlp, "000_a1a949affc85c4c7.txt", D(2020, 1, 27))
    f = figs["tens of thousands of civilians"]
    assert (f.qualifier, f.value, f.value_low, f.value_high, f.category) == ("vague", 20000, 20000, 99999, "displaced")
    assert (f.window_kind, f.window_start) == ("point", D(2020, 1, 27))
    f = figs["120,000"]
    assert (f.category, f.reporter_text, f.window_kind, f.window_start, f.window_end) == (
        "displaced", "The Syrian Observatory", "since", D(2020, 1, 15), D(2020, 1, 27))
    f = figs["at the very least about 50,000"]
    assert (f.qualifier, f.category, f.reporter_text, f.window_kind) == ("at_least", "displaced", "Issa", "over_past")
    f = figs["more than 3.5 million Syrian refugees"]
    assert (f.category, f.value, f.window_kind, f.window_end) == ("refugees", 3_500_000, "as_of", D(2020, 1, 27))
    assert figs["hundreds of thousands of people"].category == "killed"
    assert (figs["scores of homes"].category, figs["scores of homes"].unit) == ("homes_destroyed", "homes")
    assert not any(q in figs for q in ("33", "20", "2020", "nine", "15", "12"))


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_arbitrary_text(s):
    nlp = load_nlp()
    for p in find_number_phrases(s):
        assert s[p.char_start : p.char_end] == p.quote
    if s.strip():
        ctx = make_ctx(nlp, s)
        for f in extract_figures(ctx, [], [], extract_dates(ctx), {}):
            assert s[f.char_start : f.char_end] == f.quote


def test_four_digit_count_is_not_a_year(nlp):
    f = only(nlp, "In the town, 2000 people were displaced.")
    assert (f.quote, f.value, f.category) == ("2000 people", 2000, "displaced")
    assert figures_of(nlp, "The war began in 2011 and a total of 2011 was bad.") == []


def test_coordinates_are_not_figures_but_counts_next_to_them_are(nlp):
    text = ("Air strikes hit a village at 35.0325°N 43.6464°E on Monday, killing at least 12 people. Another strike "
            "hit a camp near 36°11′N 37°09′E, where 300 families had fled.")
    quotes = sorted(f.quote for f in figures_of(nlp, text))
    assert quotes == ["300 families", "at least 12 people"]


@pytest.mark.parametrize(
    "text, category",
    [
        ("Thousands of residents of the town fled north toward the border.", "displaced"),
        ("At least 40 residents were killed in the strikes.", "killed"),
        ("The town's 5,000 residents have no electricity.", "population"),
        ("About 12,000 residents live in the district.", "population"),
    ],
)
def test_residents_says_who_the_clause_says_what_happened(nlp, text, category):
    assert only(nlp, text).category == category


@pytest.mark.parametrize(
    "text, reporter",
    [
        ("Some two million people are in need of aid in the province, OCHA estimates.", "OCHA"),
        ("More than 900 families were displaced last week, UNICEF estimates.", "UNICEF"),
        ("More than 900 families were displaced last week, the agency estimates.", "the agency"),
    ],
)
def test_trailing_x_estimates_names_the_reporter(nlp, text, reporter):
    assert only(nlp, text).reporter_text == reporter


def _reporters(nlp, text):
    return {f.quote: f.reporter_text for f in figures_of(nlp, text, published=None)}


def test_figures_in_a_quotation_are_the_speakers_words(nlp):
    got = _reporters(nlp, "The mayor spoke on Monday. “At least 40 people were killed and 300 families have fled,” "
                          "Mayor Ahmed Salim said. The army denied it.")
    assert got == {"At least 40 people": "Mayor Ahmed Salim", "300 families": "Mayor Ahmed Salim"}
    got = _reporters(nlp, "Hospital director Leila Haddad said: “We received 85 wounded overnight. Most were "
                          "children.” Fighting continued. About 2,000 people have fled the town.")
    assert got == {"85": "Hospital director Leila Haddad", "About 2,000 people": None}  # outside the quotation: nobody


def test_a_press_statement_voices_the_paragraphs_after_its_introduction(nlp):
    text = ("Minister welcomes the report\nCommenting on the report, the Minister for Refugees said:\n\n"
            "This is a catastrophe. More than 300,000 people have fled their homes since the summer.\n\n"
            "We will keep working with our partners.\n\nThe aid agency's director said:\n\n"
            "We are worried. Some 12,000 families need shelter.")
    got = _reporters(nlp, text)
    assert got["More than 300,000 people"] == "the Minister for Refugees"
    assert got["Some 12,000 families"] == "The aid agency's director"  # the first statement ended there


def test_no_speaker_no_statement(nlp):
    text = "Background:\n\nMore than 300,000 people have fled their homes since the summer."
    assert _reporters(nlp, text) == {"More than 300,000 people": None}
