"""Place extraction and resolution: gazetteer keys, the sample articles and sentences written for each rule."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract.actors import extract_actors
from pipeline.extract.context import ArticleContext
from pipeline.extract.nlp import load_nlp
from pipeline.extract.places import (
    extract_places,
    focus_countries,
    fold,
    load_gazetteer,
    name_keys,
)
from pipeline.extract.types import Article

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"
MAARAT = "gn_167611"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def make_ctx(nlp, text: str) -> ArticleContext:
    text = unicodedata.normalize("NFC", text)
    art = Article("art_0000000000000000", text, "", None, None, None, None, "unknown", "en", "t.txt", "txt",
                  len(text.split()))
    return ArticleContext(art, nlp(text))


def run(nlp, gaz, text: str, with_actors: bool = True):
    ctx = make_ctx(nlp, text)
    actor_mentions = extract_actors(ctx)[0] if with_actors else ()
    mentions, places = extract_places(ctx, gaz, actor_mentions)
    for m in mentions:
        assert ctx.text[m.char_start:m.char_end] == m.quote
        assert m.place_id in places
    return ctx, mentions, places


def pid(mentions, quote: str) -> str:
    found = [m.place_id for m in mentions if m.quote == quote]
    assert found, f"{quote!r} not in {[m.quote for m in mentions]}"
    return found[0]


@pytest.fixture(scope="module")
def article0(nlp, gaz):
    return run(nlp, gaz, (ARTICLES / "000_a1a949affc85c4c7.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def article4(nlp, gaz):
    return run(nlp, gaz, (ARTICLES / "004_e6840dab288ed029.txt").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- keys and gazetteer


def test_name_keys_unify_transliterations():
    keys = {name_keys(n)[2] for n in ("Maarat al-Numan", "Maaret al-Nouman", "Marat al-Numan", "Ma‘arrat an Nu‘mān")}
    assert len(keys) == 1
    assert fold("Ma‘arrat an Nu‘mān") == "maarrat an numan"
    assert name_keys("Deir ez-Zor")[1] == name_keys("Deir al-Zor")[1]
    assert name_keys("Raqqah")[1] == name_keys("Raqqa")[1]
    assert name_keys("-") is None


def test_gazetteer_loads_fast_and_resolves(gaz):
    load_gazetteer.cache_clear()
    t = time.perf_counter()
    fresh = load_gazetteer()
    assert time.perf_counter() - t < 5.0
    for spelling in ("Maarat al-Numan", "Maaret al-Nouman", "Marat al-Numan"):
        assert MAARAT[3:] in {str(c.gid) for c in fresh.lookup(spelling)}
    assert fresh.admin1_name("SY", "12") == "Idlib"
    assert fresh.admin1_name("SY", "09") == "Aleppo"


# ---------------------------------------------------------------------------------------------- sample articles


def test_article0_three_spellings_one_place(article0):
    _, mentions, places = article0
    for spelling in ("Maaret al-Nouman", "Maarat al-Numan", "Marat al-Numan"):
        assert pid(mentions, spelling) == MAARAT
    p = places[MAARAT]
    assert p.country_iso3 == "SYR" and p.admin1 == "Idlib" and p.precision == "city"
    assert p.gazetteer_id == "167611"
    assert 35.5 < p.lat < 35.8 and 36.5 < p.lon < 36.8
    assert set(p.aliases) == {"Maaret al-Nouman", "Maarat al-Numan", "Marat al-Numan"}
    assert p.name.isascii()


def test_article0_towns_countries_regions(article0):
    _, mentions, places = article0
    for town in ("Ariha", "Saraqib", "Azaz", "Idlib", "Aleppo"):
        p = places[pid(mentions, town)]
        assert p.country_iso3 == "SYR" and p.precision == "city", town
    assert places[pid(mentions, "Ariha")].admin1 == "Idlib"
    assert places[pid(mentions, "Azaz")].admin1 == "Aleppo"
    border = places[pid(mentions, "Turkey's border")]  # "towards Turkey's border": a border region of Turkey
    assert border.place_id == "rg_tur_border" and border.country_iso3 == "TUR" and border.precision == "region"
    assert pid(mentions, "Turkish border") == "rg_tur_border"
    assert pid(mentions, "Syria's northwest") == pid(mentions, "northern Syria").replace("north", "northwest")
    assert pid(mentions, "Syria") == "iso_SYR"
    syria = places["iso_SYR"]
    assert syria.precision == "country" and 33 < syria.lat < 34  # the capital's coordinates (Damascus)
    assert pid(mentions, "Idlib province") == "rg_syr_idlib"
    assert places["rg_syr_idlib"].precision == "admin1" and places["rg_syr_idlib"].gazetteer_id is None
    quotes = [m.quote for m in mentions]
    # metonyms used as actors are not places; common words are not places
    assert "Moscow" not in quotes and "Damascus" not in quotes
    assert "More" not in quotes and "Millions" not in quotes
    assert not any(m.place_id.startswith("unres_") for m in mentions), quotes


def test_article4(article4):
    _, mentions, places = article4
    assert pid(mentions, "Senegal") == "iso_SEN"
    assert places[pid(mentions, "Istanbul")].country_iso3 == "TUR"
    assert pid(mentions, "Aleppo province") == "rg_syr_aleppo"
    assert pid(mentions, "Aleppo countryside") == "rg_syr_aleppo"  # "the western Aleppo countryside"
    assert pid(mentions, "province of Idlib") == "rg_syr_idlib"
    assert pid(mentions, "Maarat al-Numan") == MAARAT
    assert places[pid(mentions, "BEIRUT")].country_iso3 == "LBN"  # dateline
    quotes = [m.quote for m in mentions]
    assert "Turkey" not in quotes, "every 'Turkey' in this article is an actor"
    assert "Kareem" not in quotes


def test_focus_countries(nlp, article4):
    ctx = article4[0]
    ranked = focus_countries(ctx)
    assert ranked[0][0] == "SYR"
    assert {"TUR", "RUS"} <= {c for c, _ in ranked[:3]}


# ---------------------------------------------------------------------------------------------- rules


def test_disambiguation_by_focus_country(nlp, gaz):
    _, m_lb, p_lb = run(nlp, gaz, "Lebanese troops deployed in Tripoli after clashes in the north of Lebanon.")
    assert p_lb[pid(m_lb, "Tripoli")].country_iso3 == "LBN"
    _, m_ly, p_ly = run(nlp, gaz, "Militias clashed in Tripoli, the Libyan capital, as Libya's rival governments "
                                  "traded blame.")
    assert p_ly[pid(m_ly, "Tripoli")].country_iso3 == "LBY"


def test_admin1_and_named_regions(nlp, gaz):
    _, m, p = run(nlp, gaz, "Heavy fighting was reported in Helmand province and in the Donetsk region, while "
                            "aid reached the Gaza Strip.")
    assert pid(m, "Helmand province") == "rg_afg_helmand"
    assert pid(m, "Donetsk region") == "rg_ukr_donetsk_oblast"
    assert p["rg_afg_helmand"].country_iso3 == "AFG" and p["rg_afg_helmand"].lat is not None
    assert p[pid(m, "Gaza Strip")].precision == "region"


def test_non_ner_candidates_need_focus_or_size(nlp, gaz):
    _, m, _ = run(nlp, gaz, "Most residents said More aid was needed. Clashes erupted in Deir ez-Zor and Raqqa, "
                            "in eastern Syria.")
    quotes = [x.quote for x in m]
    assert "Most" not in quotes and "More" not in quotes
    assert pid(m, "Deir ez-Zor") == "gn_170794"
    assert pid(m, "eastern Syria") == "rg_syr_east"
    assert any(x.quote == "Raqqa" for x in m)


def test_unresolved_ner_places_are_kept(nlp, gaz):
    _, m, p = run(nlp, gaz, "Families sheltered near the Zanzibarquoo Valley in Syria, residents said.")
    unres = [x for x in m if x.place_id.startswith("unres_")]
    assert unres, [x.quote for x in m]
    assert p[unres[0].place_id].precision is None and p[unres[0].place_id].lat is None


def test_actor_spans_are_not_places(nlp, gaz):
    _, m, _ = run(nlp, gaz, "Damascus said it would respond, and Moscow agreed. Thousands fled from Damascus.")
    starts = [x.char_start for x in m if x.quote == "Damascus"]
    assert len(starts) == 1  # only "fled from Damascus"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_raises(nlp, gaz, text):
    ctx = make_ctx(nlp, text)
    mentions, places = extract_places(ctx, gaz)
    for mm in mentions:
        assert ctx.text[mm.char_start:mm.char_end] == mm.quote
        assert mm.place_id in places


def test_parts_of_countries_are_regions(nlp, gaz):
    _, m, places = run(nlp, gaz, "Fighting raged in northern Syria and in Syria's far northwest, near the border "
                                 "with Turkey, while shells fell inside Iraqi territory and in South Sudan.")
    north = places[pid(m, "northern Syria")]
    assert (north.place_id, north.name, north.country_iso3, north.precision) == ("rg_syr_north", "North Syria", "SYR", "region")
    assert pid(m, "Syria's far northwest") == "rg_syr_northwest"
    assert pid(m, "border with Turkey") == "rg_tur_border"
    assert pid(m, "Iraqi territory") == "iso_IRQ"
    assert pid(m, "South Sudan") == "iso_SSD"  # a country whose name starts with a direction stays the country


def test_the_town_refers_to_the_last_town_named(nlp, gaz):
    text = ("A car bomb exploded in Azaz, near the Turkish border. The explosion occurred outside a courthouse "
            "in the town, officials in the country said.")
    _, m, places = run(nlp, gaz, text)
    town = [x for x in m if x.quote == "town"]
    assert town and town[0].place_id == pid(m, "Azaz")
    assert "town" not in places[pid(m, "Azaz")].aliases  # a nominal reference is not a name of the place
    assert all(x.quote != "country" for x in m)  # no country named before "the country": nothing to refer to


def test_sites_and_there_resolve_to_the_place_they_lie_in(nlp, gaz):
    text = ("Iraqi forces seized the university complex in Mosul on Sunday. Officials said the hospital had been "
            "used as a base. Fighters remain there. The explosion occurred outside a courthouse in Azaz.")
    ctx, mentions, places = run(nlp, gaz, text)
    mosul = pid(mentions, "Mosul")
    assert pid(mentions, "university complex") == mosul, "a site resolves to the place of its sentence"
    assert pid(mentions, "hospital") == mosul, "... or to the last place named before it"
    assert pid(mentions, "there") == mosul
    assert pid(mentions, "courthouse") == pid(mentions, "Azaz")
    assert "hospital" not in places[mosul].aliases, "a common noun is not a name of the place"


def test_sites_without_a_place_are_not_places(nlp, gaz):
    _, mentions, _ = run(nlp, gaz, "The library is secret. There is no food, and the market was shelled.")
    assert [m.quote for m in mentions] == [], "no place named: 'the library', 'the market' resolve to nothing"


# ---------------------------------------------------------------------------------------------- wave 3 rules


def test_coordinates_resolve_to_the_nearest_place_or_a_point(nlp, gaz):
    text = ("The mosque stands south of Stockholm. Coordinates: 59°10′25″N 18°10′05″E / 59.173616°N 18.167988°E"
            " / 59.173616; 18.167988. A buoy was moored at 10.5°N 40.25°W in the open Atlantic.")
    _, m, p = run(nlp, gaz, text)
    coords = [x for x in m if any(ch.isdigit() for ch in x.quote)]
    assert [x.quote for x in coords] == ["59°10′25″N 18°10′05″E", "59.173616°N 18.167988°E",
                                         "59.173616; 18.167988", "10.5°N 40.25°W"]
    assert len({x.place_id for x in coords[:3]}) == 1 and coords[0].place_id.startswith("gn_")
    assert p[coords[0].place_id].country_iso3 == "SWE"
    assert "59.173616; 18.167988" not in p[coords[0].place_id].aliases  # coordinates are not a name
    sea = p[coords[3].place_id]
    assert sea.precision == "point" and abs(sea.lat - 10.5) < 1e-6 and abs(sea.lon + 40.25) < 1e-6


def test_unknown_names_made_places_by_their_context(nlp, gaz):
    text = ("Marines launched an assault on insurgent-held Karabilah, near the city of Husaybah, on Sunday. "
            "Insurgents who fled Karabilah regrouped in the desert. The attacks in Qamenas, Sarmin and Talamenes demonstrate the cruel "
            "barbarity of the regime in Idlib.")
    _, m, p = run(nlp, gaz, text)
    kara = [x for x in m if x.quote == "Karabilah"]
    assert len(kara) == 2 and kara[0].place_id == kara[1].place_id  # one sense per article
    assert p[kara[0].place_id].country_iso3 == "IRQ"  # the country of Husaybah, named in its sentence
    assert pid(m, "Talamenes").startswith(("unres_", "gn_"))
    assert p[pid(m, "Talamenes")].country_iso3 == "SYR"  # the country of the places listed with it


def test_listed_name_that_modifies_a_noun_is_not_a_place(nlp, gaz):
    _, m, _ = run(nlp, gaz, "Fighting raged in Aleppo and Sunni districts of Homs on Friday.")
    assert "Sunni" not in [x.quote for x in m]


def test_code_names_and_titles_are_not_places(nlp, gaz):
    text = ("Operation Steel Curtain began near Al Qaim. Exercise Eager Lion will be held in Jordan. "
            "On Thanksgiving Day, Defense Secretary Ash Carter spoke.")
    _, m, _ = run(nlp, gaz, text)
    got = [x.quote for x in m]
    assert not {"Steel", "Curtain", "Eager", "Lion", "Day", "Secretary"} & set(got), got
    assert "Jordan" in got


def test_facility_names_are_places_too(nlp, gaz):
    text = "Iraqi forces seized full control of Mosul University on Saturday in their battle with Islamic State."
    ctx, m, p = run(nlp, gaz, text)
    actors = [x.quote for x in extract_actors(ctx)[0]]
    assert "Mosul University" in actors
    assert p[pid(m, "Mosul University")].name == "Mosul"


def test_definite_site_far_from_any_place_is_the_earlier_site(nlp, gaz):
    filler = " ".join(f"Sentence number {i} talks about books and reading without naming anything." for i in range(8))
    text = (f"In Darayya, a suburb of Damascus in Syria, volunteers opened a library in a basement. {filler} "
            "The library is now full of readers.")
    _, m, _ = run(nlp, gaz, text)
    libs = [x for x in m if x.quote == "library"]
    assert len(libs) == 2 and libs[0].place_id == libs[1].place_id  # eight sentences apart


def test_focus_ignores_country_adjectives_and_prefers_lexicon_regions(nlp, gaz):
    ctx = make_ctx(nlp, "The Syrian Observatory for Human Rights, a UK-based group, said eight people were killed.")
    assert [c for c, _ in focus_countries(ctx, gaz)] == ["SYR"]
    ctx = make_ctx(nlp, "Hundreds of UN troops withdrew from the Syrian side of the Golan on Monday.")
    assert focus_countries(ctx, gaz)[0][0] == "SYR"
