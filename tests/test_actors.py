"""Actor extraction and resolution: the sample articles and sentences written for each rule."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.extract.actors import ACTOR_TYPES, extract_actors, load_registry
from pipeline.extract.context import ArticleContext
from pipeline.extract.nlp import load_nlp
from pipeline.extract.types import Article

ARTICLES = Path(__file__).resolve().parent.parent / "data" / "articles"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def make_ctx(nlp, text: str) -> ArticleContext:
    text = unicodedata.normalize("NFC", text)
    art = Article("art_0000000000000000", text, "", None, None, None, None, "unknown", "en", "t.txt", "txt",
                  len(text.split()))
    return ArticleContext(art, nlp(text))


def run(nlp, registry, text: str):
    ctx = make_ctx(nlp, text)
    mentions, actors = extract_actors(ctx, registry)
    for m in mentions:
        assert ctx.text[m.char_start:m.char_end] == m.quote
        assert m.actor_id in actors
    for a in actors.values():
        if a.parent_actor_id:
            assert a.parent_actor_id in actors, "parents are returned too (foreign key)"
    return ctx, mentions, actors


def by_quote(mentions, quote: str, nth: int = 0) -> str:
    found = [m.actor_id for m in mentions if m.quote == quote]
    assert len(found) > nth, f"{quote!r} not found in {[m.quote for m in mentions]}"
    return found[nth]


def quotes(mentions) -> list[str]:
    return [m.quote for m in mentions]


@pytest.fixture(scope="module")
def article0(nlp, registry):
    return run(nlp, registry, (ARTICLES / "000_a1a949affc85c4c7.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def article4(nlp, registry):
    return run(nlp, registry, (ARTICLES / "004_e6840dab288ed029.txt").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- registry


def test_registry_is_valid_and_large(registry):
    assert len(registry.actors) >= 150
    for aid, a in registry.actors.items():
        assert re.fullmatch(r"act_[a-z0-9_]+", aid)
        assert a.actor_type in ACTOR_TYPES
        assert a.curated is True
        if a.parent_actor_id:
            assert a.parent_actor_id in registry.actors
        if a.country_iso3:
            assert re.fullmatch(r"[A-Z]{3}", a.country_iso3)
        if a.wikidata_qid:
            assert re.fullmatch(r"Q[0-9]+", a.wikidata_qid)
    for needed in ("act_syr_gov", "act_syr_military", "act_rus_gov", "act_tur_gov", "act_islamic_state", "act_hts",
                   "act_hezbollah", "act_houthis", "act_taliban", "act_rsf", "act_un_ocha", "act_unhcr", "act_sohr",
                   "act_white_helmets", "act_icrc", "act_msf", "act_bashar_al_assad", "act_vladimir_putin"):
        assert needed in registry.actors
    assert registry.actors["act_syr_military"].parent_actor_id == "act_syr_gov"
    assert registry.actors["act_bashar_al_assad"].parent_actor_id == "act_syr_gov"


# ---------------------------------------------------------------------------------------------- sample articles


def test_article0_people_and_organisations(article0):
    _, mentions, actors = article0
    assert by_quote(mentions, "Syrian Observatory for Human Rights") == "act_sohr"
    assert by_quote(mentions, "Syrian Observatory") == "act_sohr"
    issa = by_quote(mentions, "Fouad Sayed Issa")
    assert by_quote(mentions, "Issa") == issa, "a surname alone is the full name met earlier"
    assert actors[issa].actor_type == "person" and actors[issa].curated is False
    violet = by_quote(mentions, "Violet Organisation")
    assert actors[issa].parent_actor_id == violet
    saleh = by_quote(mentions, "Raed Saleh")
    assert actors[saleh].parent_actor_id == "act_white_helmets"
    assert by_quote(mentions, "White Helmets") == "act_white_helmets"
    assert by_quote(mentions, "Bashar al-Assad") == "act_bashar_al_assad"
    assert by_quote(mentions, "Assad") == "act_bashar_al_assad"


def test_article0_states_and_metonyms(article0):
    _, mentions, actors = article0
    assert by_quote(mentions, "Moscow") == "act_rus_gov"
    assert by_quote(mentions, "Damascus") == "act_syr_gov"
    assert by_quote(mentions, "Syrian forces") == "act_syr_military"
    assert by_quote(mentions, "Russian air power") == "act_rus_military"
    assert by_quote(mentions, "Syrian army") == "act_syr_military"
    assert by_quote(mentions, "government forces") == "act_syr_military"
    # "a ceasefire between Turkey and Russia" and "Turkey, which backs ..." are actors
    assert quotes(mentions).count("Turkey") == 2
    # ... but "Syria's northwest", "towards Turkey's border", "parts of Syria" are places
    assert "Syria" not in quotes(mentions)
    turkey_starts = [m.char_start for m in mentions if m.quote == "Turkey"]
    text = article0[0].text
    assert text.index("Turkey's border") not in turkey_starts
    # places tagged ORG/PERSON by spaCy are not actors
    for place in ("Idlib", "Saraqib", "Azaz", "Maarat al-Numan", "Maaret al-Nouman", "Ariha"):
        assert place not in quotes(mentions)
    assert actors["act_syr_military"].parent_actor_id == "act_syr_gov"
    assert "act_syr_gov" in actors  # parent included
    assert "Syrian forces" in actors["act_syr_military"].aliases


def test_article4(article4):
    ctx, mentions, actors = article4
    assert by_quote(mentions, "regime") == "act_syr_gov", "'the regime' is the focus country's government"
    zikra = by_quote(mentions, "Bilal Zikra")
    assert by_quote(mentions, "Zikra") == zikra
    assert by_quote(mentions, "Turkish Defense Ministry") == "act_tur_mod"
    assert actors["act_tur_mod"].parent_actor_id == "act_tur_gov"
    swanson = by_quote(mentions, "David Swanson")
    assert actors[swanson].parent_actor_id == "act_un_ocha"
    assert by_quote(mentions, "U.N. Office for the Coordination of Humanitarian Affairs") == "act_un_ocha"
    assert by_quote(mentions, "International Rescue Committee") == "act_irc"
    assert by_quote(mentions, "Recep Tayyip Erdogan") == "act_recep_tayyip_erdogan"
    assert by_quote(mentions, "Erdogan") == "act_recep_tayyip_erdogan"
    # a leader's possessive: the leader stays a mention of the person, the head noun is the army / government
    troops = next(m for m in mentions if m.quote == "troops" and ctx.text[m.char_start - 8:m.char_start] == "Assad’s ")
    assert troops.actor_id == "act_syr_military"
    assert by_quote(mentions, "Vladimir Putin") == "act_vladimir_putin"
    putin_gov = next(m for m in mentions if m.quote == "government"
                     and ctx.text[m.char_start - 17:m.char_start] == "Vladimir Putin’s ")
    assert putin_gov.actor_id == "act_rus_gov"
    fahim = by_quote(mentions, "Kareem Fahim")
    assert actors[fahim].actor_type == "person", "byline: '<Name> in <Place> contributed to this report'"
    assert by_quote(mentions, "government troops") == "act_syr_military"
    assert by_quote(mentions, "Ankara") == "act_tur_gov"
    assert by_quote(mentions, "Moscow") == "act_rus_gov"
    assert by_quote(mentions, "United Nations") == "act_un"
    assert "Maarat al-Numan" not in quotes(mentions)
    assert "Idlib" not in quotes(mentions)
    assert "Senegal" not in quotes(mentions)  # "a visit to Senegal" is a place
    # every mention in order, no overlaps
    spans = [(m.char_start, m.char_end) for m in mentions]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_deterministic(nlp, registry):
    text = (ARTICLES / "004_e6840dab288ed029.txt").read_text(encoding="utf-8")
    assert run(nlp, registry, text)[1:] == run(nlp, registry, text)[1:]


# ---------------------------------------------------------------------------------------------- rules


def test_metonymy_subject_object_and_place(nlp, registry):
    _, m, _ = run(nlp, registry, "Russia, which backs the Syrian government, criticised Turkey on Tuesday. "
                                 "Meanwhile thousands of families fled to Turkey in the winter.")
    assert [x.actor_id for x in m if x.quote == "Russia"] == ["act_rus_gov"]
    assert [x.actor_id for x in m if x.quote == "Turkey"] == ["act_tur_gov"], "criticised Turkey: actor; to Turkey: place"
    assert by_quote(m, "Syrian government") == "act_syr_gov"


def test_capital_as_subject(nlp, registry):
    _, m, _ = run(nlp, registry, "Kyiv said Russian troops shelled the city of Kharkiv overnight, while Washington "
                                 "warned of new sanctions.")
    assert by_quote(m, "Kyiv") == "act_ukr_gov"
    assert by_quote(m, "Russian troops") == "act_rus_military"
    assert by_quote(m, "Washington") == "act_usa_gov"


def test_focus_cues_follow_the_article_country(nlp, registry):
    text = ("Fighting between the army and the Rapid Support Forces spread across Khartoum and Omdurman, "
            "Sudanese officials said. Residents of El Fasher in North Darfur said the army shelled their homes.")
    _, m, _ = run(nlp, registry, text)
    assert by_quote(m, "army") == "act_sdn_military"
    assert by_quote(m, "Rapid Support Forces") == "act_rsf"
    assert by_quote(m, "Sudanese officials") == "act_sdn_gov"


def test_role_prefix_gives_parent(nlp, registry):
    _, m, actors = run(nlp, registry, "UNHCR spokesman Andrej Mahecic told reporters in Geneva that the agency "
                                      "was alarmed.")
    person = by_quote(m, "Andrej Mahecic")
    assert actors[person].parent_actor_id == "act_unhcr"


def test_role_apposition_gives_parent(nlp, registry):
    _, m, actors = run(nlp, registry, "\"We need access,\" said Sarah Miller, country director for the Norwegian "
                                      "Refugee Council in Yemen.")
    person = by_quote(m, "Sarah Miller")
    assert actors[person].parent_actor_id == "act_nrc"
    assert actors[person].actor_type == "person"


def test_abbreviations_are_case_sensitive(nlp, registry):
    _, m, _ = run(nlp, registry, "This is what IS fighters want, and who knows what the WHO will say.")
    assert by_quote(m, "IS") == "act_islamic_state"
    assert by_quote(m, "WHO") == "act_who"
    assert "is" not in quotes(m) and "who" not in quotes(m)


def test_unregistered_country_as_actor_is_discovered_government(nlp, registry):
    _, m, actors = run(nlp, registry, "Senegal condemned the attack and summoned the ambassador.")
    aid = by_quote(m, "Senegal")
    assert aid.startswith("disc_")
    assert actors[aid].actor_type == "government" and actors[aid].country_iso3 == "SEN"


def test_unknown_organisation_is_discovered_not_dropped(nlp, registry):
    _, m, actors = run(nlp, registry, "Molham Volunteering Team, a Syrian charity, said it had delivered tents. "
                                      "The Syrian Health Ministry said 12 people were injured.")
    team = by_quote(m, "Molham Volunteering Team")
    assert team.startswith("disc_") and actors[team].curated is False
    ministry = by_quote(m, "Syrian Health Ministry")  # leading "The" left out of the quote
    assert actors[ministry].actor_type == "government"
    assert actors[ministry].parent_actor_id == "act_syr_gov" and actors[ministry].country_iso3 == "SYR"


def test_houthis_and_possessive_stripped(nlp, registry):
    _, m, _ = run(nlp, registry, "The Houthis' missile attack on Saudi Arabia was condemned by the Saudi-led "
                                 "coalition.")
    assert by_quote(m, "Houthis") == "act_houthis"
    assert by_quote(m, "Saudi-led coalition") == "act_saudi_led_coalition"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_raises(nlp, registry, text):
    ctx = make_ctx(nlp, text)
    mentions, _ = extract_actors(ctx, registry)
    for mm in mentions:
        assert ctx.text[mm.char_start:mm.char_end] == mm.quote


def test_pronouns_resolve_or_are_left_out(nlp, registry):
    text = ("The Foreign Secretary, Boris Johnson, said: I welcome the report. We will keep up the pressure. "
            "The Syrian Democratic Forces announced that they began an advance. "
            '"We have to go through bombed-out buildings," says Anas Ahmad. He says it is dangerous. '
            "It rained.")
    ctx, mentions, actors = run(nlp, registry, text)
    johnson = by_quote(mentions, "Boris Johnson")
    assert by_quote(mentions, "Foreign Secretary") == johnson, "a title in apposition is that person"
    assert by_quote(mentions, "I") == johnson, "I -> the speaker of the statement opened by 'said:'"
    assert by_quote(mentions, "We") == (actors[johnson].parent_actor_id or johnson), \
        "we -> the speaker's organisation (the registry's Boris Johnson belongs to the UK government)"
    assert by_quote(mentions, "they") == "act_sdf", "they -> the last group"
    anas = by_quote(mentions, "Anas Ahmad")
    assert by_quote(mentions, "We", 1) == anas, "a quote's 'we' -> its speaker (no organisation known)"
    assert by_quote(mentions, "He") == anas, "he -> the last person"
    assert "it" not in quotes(mentions) and "It" not in quotes(mentions), "'it' is never resolved"
    assert all(m.role_hint == "pronoun" for m in mentions if m.quote in ("I", "We", "they", "He"))
    assert "He" not in actors[anas].aliases, "a pronoun is not a name of the actor"
    assert len({m.actor_id for m in mentions}) == len(actors) - sum(
        1 for a in actors.values() if a.actor_id not in {m.actor_id for m in mentions}), "no actor per pronoun"


def test_unresolved_first_person_is_not_a_mention(nlp, registry):
    _, mentions, _ = run(nlp, registry, "I have been conducting interviews by phone. We never met.")
    assert quotes(mentions) == []


def test_common_noun_actors(nlp, registry):
    text = ("Syrian government troops shelled Idlib on Monday. Protesters gathered in Damascus, and security "
            "forces fired on them. Iraqi villagers fled. The Islamic State claimed the attack; the group said "
            "it would fight on. U.S. Central Command said the command had no comment.")
    _, mentions, actors = run(nlp, registry, text)
    protesters = by_quote(mentions, "Protesters")
    assert actors[protesters].name == "Protesters (SYR)" and not actors[protesters].curated
    assert by_quote(mentions, "security \nforces".replace(" \n", " ")) == "act_syr_military"
    assert by_quote(mentions, "them") == "act_syr_military"
    assert by_quote(mentions, "Iraqi villagers") == "act_irq_civilians", "a nationality names the country"
    assert by_quote(mentions, "group") == "act_islamic_state", "'the group' -> the last non-state organisation"
    assert by_quote(mentions, "command") == by_quote(mentions, "U.S. Central Command")


# --- countries of unnamed actors and offices; countries as targets (PETRARCH-style dyads) -------------------


def _actor_of(mentions, actors, quote: str):
    return actors[by_quote(mentions, quote)]


def test_nationality_gives_country_to_every_group(nlp, registry):
    _, ms, actors = run(nlp, registry, "A Tunisian court has jailed a Nigerian student. Ukrainian lawmakers "
                                        "endorsed the deal, and Georgian demonstrators met Filipino peacekeepers.")
    court = _actor_of(ms, actors, "Tunisian court")
    assert (court.country_iso3, court.actor_type) == ("TUN", "government")
    assert _actor_of(ms, actors, "Nigerian student").country_iso3 == "NGA"
    lawmakers = _actor_of(ms, actors, "Ukrainian lawmakers")
    assert (lawmakers.country_iso3, lawmakers.actor_type) == ("UKR", "government")
    assert _actor_of(ms, actors, "Georgian demonstrators").country_iso3 == "GEO"
    keepers = _actor_of(ms, actors, "Filipino peacekeepers")
    assert (keepers.country_iso3, keepers.actor_type) == ("PHL", "military")


def test_country_named_after_the_head(nlp, registry):
    _, ms, actors = run(nlp, registry, "A court in Guyana issued warrants. Exiled dissidents from Myanmar staged a protest. "
                                        "Ministers from the Georgian government arrived in the city.")
    assert _actor_of(ms, actors, "court").country_iso3 == "GUY"
    assert _actor_of(ms, actors, "Exiled dissidents").country_iso3 == "MMR"
    assert _actor_of(ms, actors, "Ministers").country_iso3 == "GEO"


def test_generic_group_without_nationality_keeps_no_country(nlp, registry):
    _, ms, actors = run(nlp, registry, "Lawmakers endorsed the deal on Tuesday.")
    assert _actor_of(ms, actors, "Lawmakers").country_iso3 is None


def test_state_offices_stand_for_the_government(nlp, registry):
    _, ms, actors = run(nlp, registry, "The stopover came as the US leader prepared to attend the Olympics.")
    assert by_quote(ms, "US leader") == "act_usa_gov"
    _, ms, actors = run(nlp, registry, "Iraq's national security advisor met with Syrian President Bashar Assad.")
    assert by_quote(ms, "Iraq") == "act_irq_gov"
    _, ms, actors = run(nlp, registry, "The US commander in Iraq, General John Hamilton Carver, held talks in Beirut.")
    person = _actor_of(ms, actors, "John Hamilton Carver")
    assert person.actor_type == "person" and person.country_iso3 == "USA"


def test_organisation_modifier_owns_the_group(nlp, registry):
    _, ms, actors = run(nlp, registry, "Hundreds of UN troops withdrew from the sector on Monday.")
    assert by_quote(ms, "UN") == "act_un"
    assert "troops" not in quotes(ms)


def test_country_as_target_of_an_event_but_not_as_destination(nlp, registry):
    _, ms, _ = run(nlp, registry, "The United States fired missiles at Russia this week.")
    assert by_quote(ms, "Russia") == "act_rus_gov"
    _, ms, _ = run(nlp, registry, "Washington will supply arms to Israel and lift sanctions on Iran.")
    assert by_quote(ms, "Israel") == "act_isr_gov" and by_quote(ms, "Iran") == "act_irn_gov"
    _, ms, _ = run(nlp, registry, "Thousands of families fled to Turkey, and the minister visited Jordan.")
    assert "Turkey" not in quotes(ms) and "Jordan" not in quotes(ms)
    _, ms, _ = run(nlp, registry, "Artillery shelled Kyiv overnight.")
    assert "Kyiv" not in quotes(ms)  # a capital after an attack verb is the place hit


def test_country_lists_parsed_as_apposition(nlp, registry):
    _, ms, _ = run(nlp, registry, "The US, Russia, and Switzerland met yesterday.")
    assert {"US", "Russia", "Switzerland"} <= set(quotes(ms))


# ---------------------------------------------------------------------------------------------- wave 3 rules


def test_two_nationalities_on_one_noun(nlp, registry):
    _, m, infos = run(nlp, registry, "Russian and Syrian warplanes bombed the town overnight, and US and British "
                                  "activists staged a protest.")
    assert by_quote(m, "Russian") == "act_rus_military" and by_quote(m, "Syrian warplanes") == "act_syr_military"
    assert infos[by_quote(m, "US")].country_iso3 == "USA"
    assert infos[by_quote(m, "British activists")].country_iso3 == "GBR"


def test_lower_case_names_where_clearly_names(nlp, registry):
    _, m, _ = run(nlp, registry, "President obama said the US wants to help iSrael.")
    assert by_quote(m, "obama") == "act_barack_obama"
    assert by_quote(m, "iSrael") == "act_isr_gov"
    _, m, _ = run(nlp, registry, "The president said the minister would visit the israel museum.")
    assert "israel" not in quotes(m)


# ---------------------------------------------------------------------------------------------- issue 3 rules


def test_nationality_before_a_split_attack_phrase_is_the_attacker(nlp, registry):
    # parsed as "in [Israeli tank]" + a verb "shelling": read on the surface
    _, m, infos = run(nlp, registry, "Five people were killed in Israeli tank shelling east of the city.")
    assert by_quote(m, "Israeli") == "act_isr_military"
    _, m, _ = run(nlp, registry, "An Israeli tank crew fired at the crowd.")
    assert "Israeli" not in quotes(m), "a nationality on a vehicle crew is no attack by itself"


def test_abbreviations_as_coordinated_nationality_adjectives(nlp, registry):
    _, m, infos = run(nlp, registry, "UAE and Saudi troops took the port, and U.K. and U.S. officials met in London.")
    assert infos[by_quote(m, "UAE")].country_iso3 == "ARE"
    assert infos[by_quote(m, "Saudi troops")].country_iso3 == "SAU"
    assert by_quote(m, "U.K.") == "act_gbr_gov" and by_quote(m, "U.S. officials") == "act_usa_gov"
    _, m, infos = run(nlp, registry, "The US and British ambassadors met the minister.")
    assert infos[by_quote(m, "US")].country_iso3 == "USA"
    assert infos[by_quote(m, "British ambassadors")].country_iso3 == "GBR"


def test_countries_listed_after_an_office_are_actors_not_places(nlp, registry):
    _, m, _ = run(nlp, registry, "The foreign ministers of Russia, Turkey and Iran met in Tehran on Wednesday.")
    assert (by_quote(m, "Russia"), by_quote(m, "Turkey"), by_quote(m, "Iran")) == (
        "act_rus_gov", "act_tur_gov", "act_irn_gov")
    assert "foreign ministers" not in quotes(m), "the office stands for none of the listed states alone"
    assert "Tehran" not in quotes(m)
    _, m, _ = run(nlp, registry, "Thousands of refugees of Syria and Iraq crossed the border.")
    assert "Syria" not in quotes(m), "only offices, governments and forces of a state make it an actor"


def test_the_nationality_of_an_attacker_is_not_the_country_of_its_victims():
    """ "Turkish shelling", "a US drone strike" name who attacked, not where the article is: unnamed victims and
    officials do not take the attacker's country (places.focus_countries skips such mentions)."""
    import datetime as dt

    from pipeline.eval.runner import TextItem, extract_items

    texts = {
        "tr": "Three civilians were killed in Turkish shelling of the village on Sunday, local officials said.",
        "ye": "A US drone strike killed two militants in Yemen, officials said.",
        "tr_police": "Turkish police detained 40 protesters in Istanbul on Sunday, officials said.",
    }
    ex = extract_items([TextItem(k, v, dt.date(2020, 1, 28)) for k, v in texts.items()])

    def country(key: str, quote: str) -> str | None:
        e = ex[key]
        m = next(m for m in e.actor_mentions if m.quote == quote)
        return e.actors[m.actor_id].country_iso3

    assert country("tr", "Turkish") == "TUR"  # the attacker
    assert country("tr", "civilians") is None and country("tr", "local officials") is None
    assert country("ye", "US") == "USA" and country("ye", "militants") == "YEM" and country("ye", "officials") == "YEM"
    assert country("tr_police", "officials") == "TUR"  # a nationality that is not an attacker still counts
