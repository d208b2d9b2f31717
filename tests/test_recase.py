"""All-lower-case articles: capitals back for the NLP only, original words in every published span."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.eval.runner import TextItem, extract_items
from pipeline.extract.recase import is_lowercase_text, recase_for_nlp

ARTICLE = (
    "kabul: at least 12 civilians were killed and more than 200 families fled their homes in herat province "
    "on monday, march 3, the united nations said. the taliban denied that its fighters had attacked the "
    "villages near herat. \"we did not attack anyone,\" a taliban spokesman said. afghan security forces "
    "continued to come down hard on the insurgents around kandahar, officials said, as a ban on the march "
    "planned for may was announced by the governor. the ministry said 40 people were detained."
)


def test_only_all_lower_case_articles_are_touched():
    assert is_lowercase_text(ARTICLE)
    normal = ARTICLE.capitalize().replace("kabul", "Kabul").replace("herat", "Herat") * 2
    assert not is_lowercase_text(normal)
    assert recase_for_nlp(normal) is normal
    short = "kabul: two killed."
    assert recase_for_nlp(short) is short  # too few letters to tell


def test_recased_text_keeps_every_offset_and_only_adds_capitals():
    out = recase_for_nlp(ARTICLE)
    assert len(out) == len(ARTICLE) and out.lower() == ARTICLE.lower()
    for word in ("Kabul:", "Herat province", "Monday, March 3", "United Nations", "Kandahar", "Afghan", "Taliban"):
        assert word in out, word
    # words that are also names stay words: "a ban on the march planned for may", "continued to come down"
    for word in ("a ban on the march planned for may", "continued to come down"):
        assert word in out, word


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=400).map(str.lower))
def test_recasing_never_changes_length_or_letters(s):
    text = (s + " ") * 3
    out = recase_for_nlp(text)
    assert len(out) == len(text)
    assert all(a == b or a.upper() == b for a, b in zip(text, out))


def test_extraction_of_a_lower_case_article_finds_places_dates_and_keeps_the_original_words():
    ex = extract_items([TextItem("lc", ARTICLE, dt.date(2020, 3, 5))])["lc"]
    text = ex.article.text
    assert text == ARTICLE  # the published article is the original text
    places = {ex.places[m.place_id].name for m in ex.place_mentions}
    assert {"Kabul", "Herat"} <= places or {"Kabul", "Herat Province"} <= places or "Kandahar" in places, places
    for rec in [*ex.actor_mentions, *ex.place_mentions, *ex.date_mentions, *ex.figures, *ex.events]:
        assert rec.quote == text[rec.char_start:rec.char_end] and rec.quote == rec.quote.lower()
    for rec in [*ex.figures, *ex.events]:
        assert rec.sentence in text
    assert any(d.quote in ("monday, march 3", "march 3") and d.date_end == dt.date(2020, 3, 3) for d in ex.date_mentions)
    figs = {f.quote: f for f in ex.figures}
    assert not any(q.strip() == "3" for q in figs), figs  # "march 3" is a date, not a figure
    assert figs["at least 12 civilians"].category == "killed"
    assert figs["at least 12 civilians"].reporter_text == "the united nations"
    assert any(f.category == "detained" for f in ex.figures)


def test_a_lower_case_article_through_the_pipeline(tmp_path, state_dir):
    """Through the real CLI: blocking checks pass (every quote is the original text between its offsets) and the
    published tables hold the places and dates the capitals made findable."""
    import duckdb

    from conftest import run_cli

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "lower.txt").write_text("published: 2020-03-05\n\n" + ARTICLE + "\n", encoding="utf-8")
    run = run_cli(articles, tmp_path / "wh", state_dir)
    con = duckdb.connect(str(run.warehouse / "newsledger.duckdb"), read_only=True)
    try:
        places = {r[0] for r in con.execute("SELECT p.name FROM mentions m JOIN places p ON p.place_id = m.resolved_id "
                                            "WHERE m.kind = 'place'").fetchall()}
        text = con.execute("SELECT text FROM articles").fetchone()[0]
        quotes = con.execute("SELECT char_start, char_end, text FROM mentions").fetchall()
    finally:
        con.close()
    assert "Kandahar" in places and any(p.startswith("Herat") for p in places), places
    assert ARTICLE in text and all(text[s:e] == q for s, e, q in quotes)
