"""Event extraction on real sentences with the real spaCy model.

Actor, place and date mentions are test data here: built by hand from offsets found with str.find, so these
tests exercise the event extractor alone. The last tests run the real actor, place and date extractors on the
sample articles.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
import yaml

from pipeline.extract.context import ArticleContext
from pipeline.extract.events import (
    cluster_events,
    crosswalk_row,
    extract_events,
    load_crosswalk,
    load_event_lexicon,
    noun_singular_candidates,
    verb_lemma_candidates,
)
from pipeline.extract.nlp import load_nlp
from pipeline.extract.types import ActorInfo, ActorMention, Article, DateMention, Event, PlaceMention
from pipeline.ids import article_id, sha256_hex, short_hash

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "articles"
PUB = dt.date(2020, 1, 27)

# Test actors: id -> (type, surface forms).
ACTORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "act_syr_gov": ("government", ("President Bashar al-Assad", "Assad", "Damascus", "the Syrian government",
                                   "government forces", "the regime", "The regime")),
    "act_syr_mil": ("military", ("The Syrian army", "the Syrian army", "Syrian forces", "Syrian troops")),
    "act_rus": ("government", ("Russia", "Moscow", "Russian air power", "Russian warplanes")),
    "act_tur": ("government", ("Turkey", "Ankara")),
    "act_tur_mod": ("government", ("the Turkish Defense Ministry",)),
    "act_erdogan": ("person", ("President Recep Tayyip Erdogan", "Erdogan")),
    "act_rebels": ("rebel_group", ("rebel factions", "armed rebels", "rebel groups", "the rebels", "rebels",
                                   "Hayat Tahrir al-Sham", "the militants")),
    "act_civ": ("civilians", ("civilians", "residents", "villagers")),
    "act_police": ("government", ("police", "Police", "security forces")),
    "act_protesters": ("civilians", ("protesters", "Protesters", "students")),
    "act_un": ("igo", ("The United Nations", "the United Nations", "the U.N.", "UNHCR")),
    "act_usa": ("government", ("Washington", "the United States", "The United States")),
    "act_iran": ("government", ("Iran", "Tehran")),
    "act_eu": ("igo", ("The European Union", "the European Union")),
    "act_sdf": ("rebel_group", ("the SDF", "Kurdish fighters", "The SDF")),
    "act_jordan": ("government", ("Jordan",)),
    "act_lebanon": ("government", ("Lebanon",)),
    "act_hezbollah": ("rebel_group", ("Hezbollah",)),
}
PLACES: dict[str, tuple[str, ...]] = {
    "gn_idlib": ("Idlib province", "Idlib"),
    "gn_maarat": ("Maarat al-Numan", "Maaret al-Nouman", "Marat al-Numan"),
    "gn_saraqib": ("Saraqib",),
    "gn_aleppo": ("Aleppo",),
    "gn_raqqa": ("Raqqa",),
    "gn_homs": ("Homs",),
    "gn_deraa": ("Deraa",),
    "gn_geneva": ("Geneva",),
    "gn_sochi": ("Sochi",),
    "gn_kobani": ("Kobani",),
    "iso_SYR": ("Syria",),
}
ACTOR_INFO = {aid: ActorInfo(aid, aid, kind) for aid, (kind, _) in ACTORS.items()}


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _article(text: str, published: dt.date | None = PUB) -> Article:
    return Article(
        article_id=article_id(text), text=text, text_sha256=sha256_hex(text), title=None, url=None, outlet=None,
        published_at=published, published_at_source="header" if published else "unknown", language="en",
        source_file="test.txt", source_format="txt", n_words=len(text.split()),
    )


def _find_all(text: str, surface: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(surface) + r"(?![\w-])", text)]


def _mentions(ctx: ArticleContext) -> tuple[list[ActorMention], list[PlaceMention]]:
    """Actor and place mentions of the test lexicons, longest surface first, without overlaps."""
    text, aid = ctx.text, ctx.article.article_id
    cands = [(s, "actor", a) for a, (_, ss) in ACTORS.items() for s in ss]
    cands += [(s, "place", p) for p, ss in PLACES.items() for s in ss]
    taken: list[tuple[int, int]] = []
    actors, places = [], []
    for surface, kind, rid in sorted(cands, key=lambda c: -len(c[0])):
        for start in _find_all(text, surface):
            end = start + len(surface)
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            if kind == "actor":
                actors.append(ActorMention(aid, start, end, surface, rid, ctx.sentence_index_at(start)))
            else:
                places.append(PlaceMention(aid, start, end, surface, rid, ctx.sentence_index_at(start)))
    return actors, places


def _date(ctx: ArticleContext, surface: str, start: dt.date | None, end: dt.date | None, precision: str):
    pos = ctx.text.find(surface)
    assert pos >= 0, surface
    return DateMention(ctx.article.article_id, pos, pos + len(surface), surface, start, end, precision,
                       ctx.sentence_index_at(pos))


def _run(nlp, text: str, dates=(), published: dt.date | None = PUB) -> list[Event]:
    ctx = ArticleContext(_article(text, published), nlp(text))
    actors, places = _mentions(ctx)
    date_mentions = [_date(ctx, *d) for d in dates]
    return extract_events(ctx, actors, places, date_mentions, ACTOR_INFO)


def _one(events: list[Event], etype: str) -> Event:
    found = [e for e in events if e.event_type == etype]
    assert found, f"no {etype} in {[(e.event_type, e.quote) for e in events]}"
    return found[0]


def _check_evidence(events: list[Event], text: str) -> None:
    for e in events:
        assert text[e.char_start : e.char_end] == e.quote
        assert e.quote and e.quote in e.sentence
        assert re.fullmatch(r"evt_[0-9a-f]{16}", e.event_id)
        assert re.fullmatch(r"clu_[0-9a-f]{16}", e.cluster_id)
        assert 0 <= e.confidence <= 1
        assert set(e.context) <= {"negated", "hypothetical", "future", "historical", "claimed"}
        assert e.date_precision in {"day", "week", "month", "year", "unknown"}
        assert (e.date_start is None) == (e.date_precision == "unknown")


# ----------------------------------------------------------------------------------------- lexicon files


def test_crosswalk_covers_every_event_type_and_mode():
    tables = yaml.safe_load((ROOT / "schemas" / "tables.yaml").read_text())
    col = next(c for c in tables["tables"]["events"]["columns"] if c["name"] == "event_type")
    enum = set(col["enum"])
    rows = load_crosswalk()
    assert {r["event_type"] for r in rows} == enum
    for etype in enum:
        assert any(r["event_type"] == etype and r["mode"] == "" for r in rows), f"{etype} has no mode-less row"
    assert len({(r["event_type"], r["mode"]) for r in rows}) == len(rows), "duplicate (event_type, mode) rows"
    assert list(rows[0]) == ["event_type", "mode", "cameo_root", "cameo_root_label", "acled_event_type",
                             "acled_sub_event_type", "penta_class", "notes"]
    acled = {"", "Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
             "Strategic developments"}
    for r in rows:
        assert r["acled_event_type"] in acled
        if r["cameo_root"]:
            root = int(r["cameo_root"])
            assert re.fullmatch(r"[0-9]{2}", r["cameo_root"]) and 1 <= root <= 20
            penta = 0 if root == 1 else 1 if root <= 5 else 2 if root <= 8 else 3 if root <= 13 else 4
            assert r["penta_class"] == str(penta), r
            assert r["cameo_root_label"]
        else:
            assert r["penta_class"] == "" and r["event_type"] == "DISPLACEMENT"
    # the codebook's anchors
    assert crosswalk_row("ASSAULT", None)["cameo_root"] == "19"
    assert crosswalk_row("ASSAULT", "aerial")["acled_event_type"] == "Explosions/Remote violence"
    assert crosswalk_row("AGREE", "ceasefire")["acled_sub_event_type"] == "Agreement"
    assert crosswalk_row("PROTEST", "riot")["acled_event_type"] == "Riots"
    assert crosswalk_row("ASSAULT", "no-such-mode")["cameo_root"] == "19"  # falls back to the type's row


def test_every_lexicon_mode_has_a_crosswalk_row():
    lex = load_event_lexicon()
    keys = {(r["event_type"], r["mode"]) for r in load_crosswalk()}
    for table in (lex.verbs, lex.nouns, lex.adjectives):
        for word, senses in table.items():
            for s in senses:
                assert (s.event_type, s.mode or "") in keys, (word, s)


def test_own_morphology_finds_lemmas():
    assert "capture" in verb_lemma_candidates("captured")
    assert "capture" in verb_lemma_candidates("capturing")
    assert "shell" in verb_lemma_candidates("shelled")
    assert "stop" in verb_lemma_candidates("stopped")
    assert "deny" in verb_lemma_candidates("denied")
    assert "flee" in verb_lemma_candidates("fleeing")
    assert "airstrike" in noun_singular_candidates("airstrikes")
    lex = load_event_lexicon()
    assert "retake" in lex.verb_forms["retook"] and "flee" in lex.verb_forms["fled"]
    assert "on" in lex.object_preps and "no" in lex.negation  # YAML booleans quoted


# ------------------------------------------------------------------------------------ one type per sentence

TYPE_CASES = [
    ("Syrian forces shelled Saraqib on Sunday.", "ASSAULT", "act_syr_mil", None, "gn_saraqib"),
    ("Police arrested dozens of protesters in Homs.", "COERCE", "act_police", "act_protesters", "gn_homs"),
    ("Turkey deployed thousands of troops to Idlib.", "MOBILIZE", "act_tur", None, "gn_idlib"),
    ("Iran threatened to retaliate against the United States.", "THREATEN", "act_iran", "act_usa", None),
    ("Turkey accused Russia of violating the truce.", "ACCUSE", "act_tur", "act_rus", None),
    ("Russia and Turkey signed a ceasefire in Sochi.", "AGREE", "act_rus", "act_tur", "gn_sochi"),
    ("Erdogan met with President Bashar al-Assad in Geneva.", "CONSULT", "act_erdogan", "act_syr_gov",
     "gn_geneva"),
    ("Tehran praised the Syrian government for its restraint.", "SUPPORT", "act_iran", "act_syr_gov", None),
    ("The United Nations urged Russia to halt the offensive.", "REQUEST", "act_un", "act_rus", None),
    ("The rebels rejected the proposal from Moscow.", "REJECT", "act_rebels", "act_rus", None),
    ("Thousands of students protested against the regime in Deraa.", "PROTEST", "act_protesters", "act_syr_gov",
     "gn_deraa"),
    ("The European Union imposed new sanctions on Damascus.", "SANCTION", "act_eu", "act_syr_gov", None),
    ("The United Nations delivered humanitarian aid to civilians in Aleppo.", "AID", "act_un", "act_civ",
     "gn_aleppo"),
    ("Washington will cooperate with the SDF against the militants.", "COOPERATE", "act_usa", "act_sdf", None),
    ("Hezbollah conceded defeat after weeks of fighting.", "CONCEDE", "act_hezbollah", None, None),
    ("The rebels withdrew from Saraqib on Monday.", "RETREAT", "act_rebels", None, "gn_saraqib"),
    ("Hundreds of civilians fled Kobani as the militants advanced.", "DISPLACEMENT", None, "act_civ",
     "gn_kobani"),
]


@pytest.mark.parametrize("text,etype,actor1,actor2,place", TYPE_CASES, ids=[c[1] for c in TYPE_CASES])
def test_each_event_type(nlp, text, etype, actor1, actor2, place):
    events = _run(nlp, text)
    _check_evidence(events, text)
    e = _one(events, etype)
    assert e.actor1_id == actor1
    assert e.actor2_id == actor2
    assert e.place_id == place
    row = crosswalk_row(e.event_type, e.mode)
    assert e.cameo_root == (row["cameo_root"] or None)


def test_unrelated_sentence_has_no_event(nlp):
    assert _run(nlp, "The weather in Aleppo was cold and grey all week.") == []
    assert _run(nlp, "An aid worker with the United Nations described the rescue team's work.") == []


# ------------------------------------------------------------------------------------------- argument roles


def test_active_voice_with_territory_and_place(nlp):
    text = "The Syrian army captured Maarat al-Numan from rebel factions on Tuesday."
    e = _one(_run(nlp, text, dates=[("Tuesday", dt.date(2020, 1, 28), dt.date(2020, 1, 28), "day")]), "ASSAULT")
    assert (e.actor1_id, e.actor2_id, e.place_id, e.mode) == ("act_syr_mil", "act_rebels", "gn_maarat", "territory")
    assert (e.date_start, e.date_precision) == (dt.date(2020, 1, 28), "day")
    assert e.quote == "The Syrian army captured Maarat al-Numan from rebel factions"
    assert e.acled_event_type == "Battles" and e.cameo_root == "19"
    assert e.context == ()


def test_passive_voice_agent_is_actor1(nlp):
    text = "Saraqib was shelled by Syrian forces overnight, residents said."
    e = _one(_run(nlp, text), "ASSAULT")
    assert e.actor1_id == "act_syr_mil"
    assert e.place_id == "gn_saraqib"
    assert e.mode == "heavy-weapons"
    assert e.acled_event_type == "Explosions/Remote violence"


def test_nominal_trigger_possessor_and_target(nlp):
    text = "Russia's airstrikes on rebel factions near Idlib intensified this week."
    e = _one(_run(nlp, text), "ASSAULT")
    assert (e.actor1_id, e.actor2_id, e.mode, e.place_id) == ("act_rus", "act_rebels", "aerial", "gn_idlib")
    assert e.quote.startswith("Russia's airstrikes on rebel factions")


def test_nominal_ceasefire_between_two_actors(nlp):
    text = "The fighting comes despite a January 12 ceasefire between Turkey and Russia."
    e = _one(_run(nlp, text, dates=[("January 12", dt.date(2020, 1, 12), dt.date(2020, 1, 12), "day")]), "AGREE")
    assert (e.actor1_id, e.actor2_id, e.mode) == ("act_tur", "act_rus", "ceasefire")
    assert e.date_start == dt.date(2020, 1, 12)
    assert e.quote == "a January 12 ceasefire between Turkey and Russia"
    assert e.cameo_root == "05" and e.acled_event_type == "Strategic developments"


def test_ceasefire_struck_by_is_agree_not_assault(nlp):
    text = "The advance follows a cease-fire struck Jan. 12 by Russia, which backs Assad, and Turkey."
    events = _run(nlp, text)
    assert not [e for e in events if e.event_type == "ASSAULT"]
    agree = [e for e in events if e.event_type == "AGREE"]
    assert len(agree) == 1  # the verb and its nominal object are one event
    e = agree[0]
    assert (e.actor1_id, e.actor2_id) == ("act_rus", "act_tur")
    assert "act_syr_gov" not in e.assoc_actor_ids  # Assad is in Russia's relative clause, not the deal
    assert e.quote == "a cease-fire struck Jan. 12 by Russia, which backs Assad, and Turkey"
    support = _one(events, "SUPPORT")  # "Russia, which backs Assad"
    assert (support.actor1_id, support.actor2_id) == ("act_rus", "act_syr_gov")


def test_backed_by_gives_support_and_inherited_subject(nlp):
    text = "Syrian forces backed by Russian air power have stepped up a campaign to take control of Idlib province."
    events = _run(nlp, text)
    support = _one(events, "SUPPORT")
    assert (support.actor1_id, support.actor2_id) == ("act_rus", "act_syr_mil")
    assault = _one(events, "ASSAULT")
    assert assault.actor1_id == "act_syr_mil" and assault.place_id == "gn_idlib"
    assert assault.quote.endswith("take control of Idlib province")


def test_assoc_actors_and_light_verb(nlp):
    text = "Syrian troops launched an offensive on Saraqib alongside Hezbollah."
    e = _one(_run(nlp, text), "ASSAULT")
    assert e.actor1_id == "act_syr_mil"
    assert e.assoc_actor_ids == ("act_hezbollah",)
    assert e.place_id == "gn_saraqib"


def test_displacement_forced_by_actor(nlp):
    text = "The regime continues to kill civilians, forcing residents to leave their homes in Idlib."
    events = _run(nlp, text)
    kill = _one(events, "ASSAULT")
    assert (kill.actor1_id, kill.actor2_id) == ("act_syr_gov", "act_civ")
    assert kill.acled_event_type == "Violence against civilians"
    forced = _one(events, "DISPLACEMENT")
    assert (forced.actor1_id, forced.actor2_id, forced.mode) == ("act_syr_gov", "act_civ", "forced")
    assert forced.cameo_root == "20"


def test_actorless_events_kept_only_for_displacement_or_placed_assault(nlp):
    events = _run(nlp, "More than 129,000 people were displaced from southern Idlib.")
    d = _one(events, "DISPLACEMENT")
    assert d.actor1_id is None and d.place_id == "gn_idlib" and d.confidence < 0.8
    assert d.quote.startswith("More than 129,000 people were displaced")
    assert _run(nlp, "The talks were described as useful.") == []


def test_no_date_means_unknown_not_publication_date(nlp):
    e = _one(_run(nlp, "Syrian forces shelled Saraqib."), "ASSAULT")
    assert (e.date_start, e.date_end, e.date_precision) == (None, None, "unknown")


# -------------------------------------------------------------------------------------------- context flags


def test_negated(nlp):
    e = _one(_run(nlp, "Turkey did not attack the Syrian army."), "ASSAULT")
    assert "negated" in e.context
    e2 = _one(_run(nlp, "Erdogan has refrained from criticizing Russia."), "ACCUSE")
    assert e2.context == ("negated",)
    plain = _one(_run(nlp, "Turkey attacked the Syrian army."), "ASSAULT")
    assert plain.context == () and plain.confidence > e.confidence


def test_hypothetical(nlp):
    assert "hypothetical" in _one(_run(nlp, "Russia could bomb Idlib."), "ASSAULT").context
    e = _one(_run(nlp, "Residents fear arrest if their towns are recaptured by the regime."), "ASSAULT")
    assert "hypothetical" in e.context and e.actor1_id == "act_syr_gov"
    e = _one(_run(nlp, "The Syrian army attempted to retake Saraqib."), "ASSAULT")
    assert e.context == ("hypothetical",)


def test_future(nlp):
    e = _one(_run(nlp, "Turkey will withdraw from Idlib."), "RETREAT")
    assert e.context == ("future",) and e.actor1_id == "act_tur"
    e = _one(_run(nlp, "Ankara plans to deploy more troops to Idlib."), "MOBILIZE")
    assert e.context == ("future",)


def test_historical_needs_an_old_explicit_date(nlp):
    text = "Russia and Turkey co-sponsored a de-escalation agreement in 2018."
    e = _one(_run(nlp, text, dates=[("2018", dt.date(2018, 1, 1), dt.date(2018, 12, 31), "year")]), "AGREE")
    assert e.context == ("historical",)
    assert (e.date_start, e.date_end, e.date_precision) == (dt.date(2018, 1, 1), dt.date(2018, 12, 31), "year")
    recent = _one(_run(nlp, text.replace("2018", "2019"),
                       dates=[("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31), "year")]), "AGREE")
    assert "historical" not in recent.context


def test_claimed_when_reported_by_a_party(nlp):
    text = "Moscow and Damascus say they are fighting armed rebels in Aleppo."
    e = _one(_run(nlp, text), "ASSAULT")
    assert (e.actor1_id, e.actor2_id) == ("act_rus", "act_rebels")
    assert e.assoc_actor_ids == ("act_syr_gov",)
    assert e.context == ("claimed",)
    third = _one(_run(nlp, "The United Nations said Syrian forces shelled Saraqib."), "ASSAULT")
    assert "claimed" not in third.context
    own = _one(_run(nlp, "The Syrian army captured Saraqib, it said in a statement."), "ASSAULT")
    assert own.context == ("claimed",) and own.actor1_id == "act_syr_mil"


def test_threat_and_reported_pronoun(nlp):
    events = _run(nlp, "Earlier, the Turkish Defense Ministry warned that it would retaliate against the Syrian army.")
    threat = _one(events, "THREATEN")
    assert threat.actor1_id == "act_tur_mod"
    retaliation = _one(events, "ASSAULT")
    assert (retaliation.actor1_id, retaliation.actor2_id) == ("act_tur_mod", "act_syr_mil")
    assert "hypothetical" in retaliation.context


# --------------------------------------------------------------------------------- evidence, ids, robustness


def test_ids_and_order_are_deterministic(nlp):
    text = ("The Syrian army captured Saraqib. Russia's airstrikes on Idlib killed civilians. "
            "Turkey accused Russia of breaking the ceasefire. Thousands of civilians fled Aleppo.")
    a = _run(nlp, text)
    b = _run(nlp, text)
    assert a == b and len(a) >= 4
    assert [(e.char_start, e.char_end) for e in a] == sorted((e.char_start, e.char_end) for e in a)
    assert len({e.event_id for e in a}) == len(a)
    for e in a:
        assert e.cluster_id == "clu_" + short_hash(e.event_id)
    _check_evidence(a, text)


@pytest.mark.parametrize("text", ["", "   ", "\x00\u200b\ufeff", "🙂 ✈️ 💣 attack!!! ", "攻撃 قصف нападение",
                                  "no no no not never if would", "Attack" * 300, "A\n\n\nB.\t\r\n C"])
def test_odd_input_never_raises(nlp, text):
    events = _run(nlp, text)
    _check_evidence(events, text)


# --------------------------------------------------------------------------------------------- clustering


def _event(eid: str, etype="AGREE", a1="act_rus", a2="act_tur", place=None, start=None, end=None,
           precision="unknown", quote="x", mode="ceasefire") -> Event:
    return Event(eid, "art_x", etype, mode, (), a1, a2, (), place, start, end or start, precision, None, None,
                 0.5, "clu_" + short_hash(eid), 0, len(quote), quote, quote)


def test_cluster_same_event_across_reports_order_independent():
    d = dt.date(2020, 1, 12)
    evs = [
        _event("evt_a", start=d, precision="day"),
        _event("evt_b", a1="act_tur", a2="act_rus", start=d, precision="day"),  # same pair, either order
        _event("evt_c", a1="act_rus", a2="act_tur", quote="a cease-fire struck Jan. 12 by Russia and Turkey"),
        _event("evt_d", start=dt.date(2020, 3, 5), precision="day"),  # another ceasefire, later
        _event("evt_e", etype="ASSAULT", mode=None, start=d, precision="day"),  # another type
        _event("evt_f", a1="act_usa", a2="act_iran", start=d, precision="day"),  # other actors
        _event("evt_g"),  # undated, no date words: cannot be matched
    ]
    out = cluster_events(evs)
    ids = {e.event_id: e.cluster_id for e in out}
    assert ids["evt_a"] == ids["evt_b"] == ids["evt_c"]
    assert len({ids[k] for k in ("evt_a", "evt_d", "evt_e", "evt_f", "evt_g")}) == 5
    assert ids["evt_d"] == "clu_" + short_hash("evt_d")  # a lone report keeps its placeholder
    assert [e.event_id for e in out] == [e.event_id for e in evs]
    for seed in range(3):
        shuffled = evs[:]
        random.Random(seed).shuffle(shuffled)
        assert {e.event_id: e.cluster_id for e in cluster_events(shuffled)} == ids


def test_cluster_same_place_without_conflicting_actors():
    d = dt.date(2020, 1, 27)
    a = _event("evt_1", etype="ASSAULT", mode=None, a1="act_syr_mil", a2=None, place="gn_saraqib", start=d,
               precision="day")
    b = _event("evt_2", etype="ASSAULT", mode=None, a1=None, a2=None, place="gn_saraqib", start=d, precision="day")
    c = _event("evt_3", etype="ASSAULT", mode=None, a1="act_usa", a2=None, place="gn_saraqib", start=d,
               precision="day")
    ids = {e.event_id: e.cluster_id for e in cluster_events([a, b, c])}
    assert ids["evt_1"] == ids["evt_2"]
    assert ids["evt_3"] != ids["evt_1"] or ids["evt_3"] == ids["evt_2"]  # only joined through the actorless one


# ------------------------------------------------------------------------------------------ sample articles


def _sample_articles():
    from pipeline.ingest.corpus import ingest_corpus

    return ingest_corpus(SAMPLE).articles


def test_sample_articles_with_hand_mentions(nlp):
    from pipeline.extract.temporal import extract_dates

    all_events = []
    for art in _sample_articles():
        ctx = ArticleContext(art, nlp(art.text))
        actors, places = _mentions(ctx)
        events = extract_events(ctx, actors, places, extract_dates(ctx), ACTOR_INFO)
        _check_evidence(events, art.text)
        all_events.extend(events)
        if "Maarat al-Numan from rebel factions" in art.text:
            captured = [e for e in events if e.event_type == "ASSAULT" and "captured" in e.quote]
            assert captured and captured[0].actor1_id == "act_syr_mil" and "claimed" in captured[0].context
            demand = [e for e in events if e.event_type == "REQUEST" and e.actor1_id == "act_tur"]
            assert demand and demand[0].actor2_id == "act_rus"
            assert any(e.event_type == "MOBILIZE" and e.actor1_id == "act_tur" for e in events)
            assert any(e.event_type == "ACCUSE" and e.actor1_id == "act_erdogan" and "negated" in e.context
                       for e in events)
        else:
            assert any(e.event_type == "DISPLACEMENT" and e.actor1_id == "act_syr_gov"
                       and e.date_start == dt.date(2020, 1, 27) for e in events)  # "sparked a new exodus"
            claimed = [e for e in events if "claimed" in e.context]
            assert claimed and claimed[0].actor1_id == "act_rus"
    ceasefires = [e for e in cluster_events(all_events)
                  if e.event_type == "AGREE" and e.mode == "ceasefire" and "12" in e.quote]
    assert len(ceasefires) == 2 and ceasefires[0].article_id != ceasefires[1].article_id
    assert ceasefires[0].cluster_id == ceasefires[1].cluster_id


def test_sample_articles_with_real_extractors(nlp):
    from pipeline.extract.actors import extract_actors
    from pipeline.extract.places import extract_places
    from pipeline.extract.temporal import extract_dates

    all_events = []
    for art in _sample_articles():
        ctx = ArticleContext(art, nlp(art.text))
        actor_mentions, actors = extract_actors(ctx)
        place_mentions, _ = extract_places(ctx, actor_mentions=actor_mentions)
        events = extract_events(ctx, actor_mentions, place_mentions, extract_dates(ctx), actors)
        _check_evidence(events, art.text)
        for e in events:
            for a in (e.actor1_id, e.actor2_id, *e.assoc_actor_ids):
                assert a is None or a in actors
        assert {e.event_type for e in events} >= {"ASSAULT", "DISPLACEMENT", "AGREE", "SUPPORT"}
        all_events.extend(events)
    clustered = cluster_events(all_events)
    agree = [e for e in clustered if e.event_type == "AGREE" and e.mode == "ceasefire" and "12" in e.quote]
    assert len(agree) == 2 and agree[0].cluster_id == agree[1].cluster_id
    assert {agree[0].actor1_id, agree[0].actor2_id} == {agree[1].actor1_id, agree[1].actor2_id}


# ------------------------------------------------------------------- wave 2: statements, intent, places


def test_reported_hostile_act_by_another_party_is_an_accusation(nlp):
    text = "On Monday the Turkish Defense Ministry said the regime continues to kill civilians by attacks from both land and air."
    events = _run(nlp, text)
    _check_evidence(events, text)
    acc = _one(events, "ACCUSE")
    assert (acc.actor1_id, acc.actor2_id, acc.cameo_root) == ("act_tur_mod", "act_syr_gov", "11")
    # the reported act is kept too, and the means ("by attacks") shares the doer of the act
    assaults = [e for e in events if e.event_type == "ASSAULT"]
    assert any(e.quote.endswith("attacks from both land and air") and e.actor1_id == "act_syr_gov" for e in assaults)


def test_no_accusation_when_the_speaker_reports_its_own_act(nlp):
    for text in ("Russia said it struck rebel positions in Idlib.", "Moscow said that Russia struck the rebels."):
        events = _run(nlp, text)
        assert _one(events, "ASSAULT").actor1_id == "act_rus"
        assert not [e for e in events if e.event_type == "ACCUSE"], text


def test_statements_of_intent_and_wishes(nlp):
    ev = _run(nlp, "Iran wants to attack Jordan.")
    threat = _one(ev, "THREATEN")
    assert (threat.actor1_id, threat.actor2_id, threat.cameo_root) == ("act_iran", "act_jordan", "13")
    assert "hypothetical" in _one(ev, "ASSAULT").context
    ev = _run(nlp, "Iran wants Hezbollah to attack Jordan.")
    req = _one(ev, "REQUEST")
    assert (req.actor1_id, req.actor2_id) == ("act_iran", "act_hezbollah")
    ev = _run(nlp, "Turkey pledged to release the prisoners.")
    agree = _one(ev, "AGREE")
    assert agree.actor1_id == "act_tur" and agree.cameo_root == "03"
    assert not [e for e in _run(nlp, "Iran wants to build a stadium.") if e.event_type in ("THREATEN", "AGREE")]


def test_diplomatic_verbs(nlp):
    ev = _one(_run(nlp, "Jordan ratified an agreement with the European Union on Tuesday."), "AGREE")
    assert (ev.actor1_id, ev.actor2_id, ev.mode) == ("act_jordan", "act_eu", "formal")
    ev = _one(_run(nlp, "The United States presented evidence against Iran."), "ACCUSE")
    assert (ev.actor1_id, ev.actor2_id) == ("act_usa", "act_iran")
    ev = _one(_run(nlp, "The prisoners were freed by the rebels."), "RETREAT")
    assert ev.actor1_id == "act_rebels" and ev.mode == "release"


def test_conditional_warning_is_a_threat(nlp):
    text = "Erdogan spoke to Russia. “If you do not stop, then we are running out of patience,” Erdogan said."
    ev = _one(_run(nlp, text), "THREATEN")
    assert "patience" in ev.quote


def test_nominal_attacks_without_named_doer(nlp):
    text = "Rescue workers say air attacks have demolished hospitals, schools, and other civilian areas."
    ev = _one(_run(nlp, text), "ASSAULT")
    assert ev.quote.startswith("air attacks") and ev.actor1_id is None and ev.mode == "aerial"
    ev = _one(_run(nlp, "The truce was broken two days later when bombardment resumed."), "ASSAULT")
    assert ev.quote == "bombardment"
    # a nominal trigger that is neither subject nor agent still needs an actor or a place
    assert not [e for e in _run(nlp, "He spoke about attacks.") if e.event_type == "ASSAULT"]


def test_counted_displaced_persons(nlp):
    ev = _one(_run(nlp, "In recent days we have seen thousands of new internally displaced persons in Idlib."),
              "DISPLACEMENT")
    assert ev.place_id == "gn_idlib"
    assert not [e for e in _run(nlp, "Aid reached internally displaced persons in Idlib.") if e.event_type == "DISPLACEMENT"]


def test_dateline_is_no_place_when_the_sentence_names_one(nlp):
    global PLACES
    text = ("BEIRUT — The Syrian army captured a key town in Idlib province, a significant advance for the regime, "
            "which had repeatedly attempted to retake the town of Maarat al-Numan from rebel factions.")
    PLACES = {**PLACES, "gn_beirut": ("BEIRUT",)}
    try:
        ev = [e for e in _run(nlp, text) if e.event_type == "ASSAULT" and e.actor1_id == "act_syr_mil"][0]
        assert ev.place_id == "gn_maarat"  # the town named later, not the dateline nor the province
        only = _one(_run(nlp, "BEIRUT — Syrian forces attacked the rebels on Monday."), "ASSAULT")
        assert only.place_id == "gn_beirut"  # nothing else named: the dateline is the best there is
    finally:
        PLACES = {k: v for k, v in PLACES.items() if k != "gn_beirut"}


def test_petrarch_scoring_counts_a_symmetric_event_both_ways():
    from pipeline.eval.adapters import petrarch
    from pipeline.extract.types import ArticleExtraction

    actors = {"a": ActorInfo("a", "A", "government", "BRA"), "b": ActorInfo("b", "B", "government", "USA")}
    art = _article("x")

    def ev(etype: str, root: str) -> Event:
        return Event("evt", art.article_id, etype, None, (), "a", "b", (), None, None, None, "unknown", root, None,
                     0.5, "clu", 0, 1, "x", "x")

    ex = ArticleExtraction(article=art, actors=actors, events=[ev("CONSULT", "04"), ev("ASSAULT", "19")])
    got = petrarch.event_triples(ex)
    assert got[0][0] == (petrarch.Triple("BRA", "USA", "04"), petrarch.Triple("USA", "BRA", "04"))
    assert got[1][0] == (petrarch.Triple("BRA", "USA", "19"),)  # directed: one way only


def test_engaged_in_a_nominal_trigger(nlp):
    text = "Armed rebels engaged the Syrian army in a firefight near Idlib on Sunday."
    ev = _one(_run(nlp, text), "ASSAULT")
    assert (ev.actor1_id, ev.actor2_id) == ("act_rebels", "act_syr_mil")


def test_received_from_makes_the_giver_actor1(nlp):
    text = "Kurdish fighters received weapons from Washington last year."
    ev = _one(_run(nlp, text), "AID")
    assert (ev.actor1_id, ev.actor2_id) == ("act_usa", "act_sdf")
    assert crosswalk_row(ev.event_type, ev.mode)["cameo_root"] == "07"


def test_launched_missiles_at(nlp):
    text = "The rebels launched missiles at Damascus on Friday."
    ev = _one(_run(nlp, text), "ASSAULT")
    assert (ev.actor1_id, ev.actor2_id) == ("act_rebels", "act_syr_gov")


def test_country_list_in_apposition_are_all_participants(nlp):
    text = "The United States, Iran, and Turkey met on Monday."
    ev = _one(_run(nlp, text), "CONSULT")
    assert {ev.actor1_id, ev.actor2_id, *ev.assoc_actor_ids} == {"act_usa", "act_iran", "act_tur"}


# ------------------------------------------------ statements of intent, undergoers, one act told twice (CAMEO)


def _types(events: list[Event]) -> list[str]:
    return [e.event_type for e in events]


def test_announced_cooperative_act_is_an_intent_to_cooperate(nlp):
    text = "Turkey said it would send humanitarian aid to civilians in Idlib."
    events = _run(nlp, text)
    _check_evidence(events, text)
    intent = _one(events, "AGREE")
    assert (intent.actor1_id, intent.actor2_id, intent.cameo_root) == ("act_tur", "act_civ", "03")
    assert intent.context == ()
    act = _one(events, "AID")  # the announced act itself, not (yet) done
    assert act.actor1_id == "act_tur" and "hypothetical" in act.context


def test_announced_refusal_is_a_rejection(nlp):
    text = "Washington said it would not provide support to the SDF."
    events = _run(nlp, text)
    refusal = _one(events, "REJECT")
    assert (refusal.actor1_id, refusal.actor2_id, refusal.cameo_root) == ("act_usa", "act_sdf", "12")
    assert "AGREE" not in _types(events)


@pytest.mark.parametrize("text", [
    "Turkey said Russia would send humanitarian aid to civilians.",  # someone else's act: reported, not promised
    "Turkey said it would attack the SDF.",  # not a cooperative act
    "Turkey said it sent humanitarian aid to civilians.",  # done, not announced
])
def test_speech_verbs_make_no_intent_otherwise(nlp, text):
    assert not {"AGREE", "REJECT"} & set(_types(_run(nlp, text)))


def test_pressure_faced_from_someone(nlp):
    text = "Damascus faces growing pressure from Moscow to halt the offensive."
    ev = _one(_run(nlp, text), "REQUEST")
    assert (ev.actor1_id, ev.actor2_id, ev.cameo_root) == ("act_rus", "act_syr_gov", "10")


def test_came_under_attack_from(nlp):
    text = "Turkish positions near Idlib came under attack from the rebels on Sunday."
    ev = _one(_run(nlp, text), "ASSAULT")
    assert ev.actor1_id == "act_rebels"


def test_plight_without_a_doer_names_no_target(nlp):
    events = _run(nlp, "Villagers near Idlib face daily shelling.")
    assert all(e.actor2_id != "act_civ" for e in events)


def test_passive_subject_does_the_infinitive(nlp):
    text = "Erdogan is scheduled to meet Assad in Sochi next week."
    ev = _one(_run(nlp, text), "CONSULT")
    assert (ev.actor1_id, ev.actor2_id) == ("act_erdogan", "act_syr_gov")
    assert "future" in ev.context


def test_purpose_clause_of_the_same_act_is_not_a_second_event(nlp):
    text = "Erdogan met with President Bashar al-Assad in Geneva to discuss the ceasefire."
    events = _run(nlp, text)
    assert _types(events).count("CONSULT") == 1


def test_participle_of_a_nominal_attack_gives_its_target(nlp):
    text = "The rebels launched an attack targeting Syrian troops near Saraqib."
    events = [e for e in _run(nlp, text) if e.event_type == "ASSAULT"]
    assert len(events) == 1
    assert (events[0].actor1_id, events[0].actor2_id) == ("act_rebels", "act_syr_mil")


def test_what_an_act_is_about_is_no_event_of_its_own(nlp):
    events = _run(nlp, "The European Union lifted the sanctions on Damascus.")
    assert _one(events, "RETREAT").actor2_id == "act_syr_gov"
    assert "SANCTION" not in _types(events)


def test_light_verb_preposition_names_the_target(nlp):
    ev = _one(_run(nlp, "Turkey issued arrest warrants for the rebels on Monday."), "COERCE")
    assert (ev.actor1_id, ev.actor2_id, ev.cameo_root) == ("act_tur", "act_rebels", "17")


def test_apposition_member_of_names_the_actor(nlp):
    text = "Turkey released the mayor, a member of Hezbollah, on Monday."
    ev = _one(_run(nlp, text), "RETREAT")
    assert (ev.actor1_id, ev.actor2_id) == ("act_tur", "act_hezbollah")


def test_help_is_aid_only_to_an_actor(nlp):
    ev = _one(_run(nlp, "Russia helped the Syrian army with weapons and advisers."), "AID")
    assert (ev.actor1_id, ev.actor2_id, ev.cameo_root) == ("act_rus", "act_syr_mil", "07")
    assert "AID" not in _types(_run(nlp, "Russian advisers helped to plan the offensive on Saraqib."))


def test_killed_in_an_attack_by_someone(nlp):
    text = "Five civilians were killed in an air strike by Russian warplanes near Idlib."
    kill = next(e for e in _run(nlp, text) if e.event_type == "ASSAULT" and e.actor2_id == "act_civ")
    assert kill.actor1_id == "act_rus"


def test_clashes_between_two_sides_give_the_killing_no_doer(nlp):
    text = "Five civilians were killed in clashes between the rebels and Syrian troops."
    kill = next(e for e in _run(nlp, text) if e.event_type == "ASSAULT" and e.actor2_id == "act_civ")
    assert kill.actor1_id is None


def test_gerund_after_object_is_done_by_the_object(nlp):
    text = "Police arrested students for helping the rebels."
    aid = _one(_run(nlp, text), "AID")
    assert (aid.actor1_id, aid.actor2_id) == ("act_protesters", "act_rebels")


def test_one_accusation_per_speaker_and_accused(nlp):
    text = "Turkey said five civilians were killed in an air strike by the regime."
    acc = [e for e in _run(nlp, text) if e.event_type == "ACCUSE"]
    assert [(e.actor1_id, e.actor2_id) for e in acc] == [("act_tur", "act_syr_gov")]


def test_participle_inside_a_report_is_no_accusation(nlp):
    text = "The United Nations said it will send a team to identify civilians killed by the militants."
    assert "ACCUSE" not in _types(_run(nlp, text))
    assert "ACCUSE" in _types(_run(nlp, "The United Nations said the militants killed civilians."))


def test_claimed_responsibility_names_the_attacker(nlp):
    text = "Hezbollah claimed responsibility for a roadside bombing that killed three Syrian troops near Homs."
    events = [e for e in _run(nlp, text) if e.event_type == "ASSAULT"]
    bombing = next(e for e in events if e.actor2_id is None)
    assert bombing.actor1_id == "act_hezbollah" and "claimed" in bombing.context
    kill = next(e for e in events if e.actor2_id == "act_syr_mil")
    assert kill.actor1_id == "act_hezbollah"


def test_mediation_between_two_sides(nlp):
    text = "Jordan offered to mediate between Turkey and the SDF."
    events = _run(nlp, text)
    talks = _one(events, "CONSULT")
    assert (talks.actor1_id, talks.actor2_id, talks.assoc_actor_ids) == ("act_jordan", "act_tur", ("act_sdf",))
    assert "hypothetical" in talks.context
    assert _one(events, "AGREE").cameo_root == "03"


def test_pledged_money_is_an_intent_to_cooperate(nlp):
    ev = _one(_run(nlp, "The European Union pledged 50 million euros in aid to civilians in Aleppo."), "AGREE")
    assert (ev.actor1_id, ev.actor2_id, ev.cameo_root) == ("act_eu", "act_civ", "03")


def test_a_vow_threatens_only_with_a_hostile_act(nlp):
    threat = _one(_run(nlp, "Iran vowed to attack the rebels."), "THREATEN")
    assert (threat.actor1_id, threat.actor2_id, threat.cameo_root) == ("act_iran", "act_rebels", "13")
    assert "THREATEN" not in _types(_run(nlp, "Iran vowed to rebuild the city."))


def test_refused_permission_is_a_rejection(nlp):
    events = _run(nlp, "Turkey said it would not give permission to Washington to use the air base.")
    refusal = _one(events, "REJECT")
    assert (refusal.actor1_id, refusal.actor2_id) == ("act_tur", "act_usa")
    assert "negated" in _one(events, "CONCEDE").context


def test_sending_a_team_is_announced_help(nlp):
    intent = _one(_run(nlp, "The United Nations said it will send a team of experts to Aleppo."), "AGREE")
    assert (intent.actor1_id, intent.cameo_root) == ("act_un", "03")


def _real(nlp, text: str) -> tuple[list[Event], dict]:
    """Events of a sentence with the real actor, place and date extractors."""
    from pipeline.extract.actors import extract_actors
    from pipeline.extract.places import extract_places
    from pipeline.extract.temporal import extract_dates

    ctx = ArticleContext(_article(text), nlp(text))
    actor_mentions, actors = extract_actors(ctx)
    place_mentions, _ = extract_places(ctx, actor_mentions=actor_mentions)
    events = extract_events(ctx, actor_mentions, place_mentions, extract_dates(ctx), actors)
    _check_evidence(events, text)
    return events, actors


def test_real_extractors_office_with_a_country_modifier_and_a_nationality_on_an_attack(nlp):
    events, actors = _real(nlp, "The US Secretary of State wants to help Jordan. Ankara condemned the Syrian offensive.")
    intent = _one(events, "AGREE")
    assert (actors[intent.actor1_id].country_iso3, actors[intent.actor2_id].country_iso3) == ("USA", "JOR")
    offensive = next(e for e in events if e.event_type == "ASSAULT")
    assert actors[offensive.actor1_id].country_iso3 == "SYR" and actors[offensive.actor1_id].actor_type == "military"


def test_an_agreement_endorsed_is_what_the_act_is_about(nlp):
    events = _run(nlp, "The European Union endorsed an association agreement with Jordan on Tuesday.")
    assert _one(events, "SUPPORT").actor1_id == "act_eu"
    assert "AGREE" not in _types(events)
    # an agreement whose parties are named stays an event of its own
    events = _run(nlp, "Turkey welcomed the ceasefire agreement between Russia and the rebels.")
    assert _one(events, "AGREE").actor1_id == "act_rus"


def test_participle_description_is_no_statement(nlp):
    events = _run(nlp, "Turkey arrested rebels accused of planning attacks in Ankara.")
    assert "ACCUSE" not in _types(events)
    assert _one(events, "COERCE").actor2_id == "act_rebels"
    assert _one(_run(nlp, "Rebels accused by Turkey of planning attacks were arrested."), "ACCUSE").actor1_id == "act_tur"


# --- issue 3: events carry the actors a news sentence names ---------------------------------------------------


def _country(actors: dict, actor_id: str | None) -> str | None:
    return actors[actor_id].country_iso3 if actor_id else None


def test_nationality_on_a_nominal_attack_is_the_attacker(nlp):
    # the parser splits "in [Turkish artillery] shelling": the shelling and the killing are still done by Turkey
    events, actors = _real(nlp, "Three civilians were killed in Turkish artillery shelling near the border on Monday.")
    assaults = [e for e in events if e.event_type == "ASSAULT"]
    assert len(assaults) == 2
    assert all(_country(actors, e.actor1_id) == "TUR" and actors[e.actor1_id].actor_type == "military"
               for e in assaults)
    killing = next(e for e in assaults if "killed" in e.quote)
    assert killing.actor2_id is not None and actors[killing.actor2_id].actor_type == "civilians"
    assert killing.quote.endswith("shelling"), "the quote reaches the attack that names the doer"
    events, actors = _real(nlp, "Four fishermen were wounded in Egyptian navy shelling off the coast.")
    assert {_country(actors, e.actor1_id) for e in events if e.event_type == "ASSAULT"} == {"EGY"}
    events, actors = _real(nlp, "An Iranian drone strike hit a fuel depot near the port.")
    strike = _one(events, "ASSAULT")
    assert _country(actors, strike.actor1_id) == "IRN" and strike.quote.startswith("An Iranian drone strike")


def test_an_actor_named_before_a_nominal_attack_is_its_doer_unless_opposed(nlp):
    events = _run(nlp, "Hezbollah rocket attacks hit Homs overnight.")
    assert any(e.event_type == "ASSAULT" and e.actor1_id == "act_hezbollah" for e in events)
    events = _run(nlp, "Two rebels died in anti-Hezbollah strikes near Homs.")
    assert all(e.actor1_id != "act_hezbollah" for e in events), "anti-X strikes are not done by X"


def test_conjoined_full_names_of_a_meeting_are_both_participants(nlp):
    events, actors = _real(nlp, "Emmanuel Macron and Vladimir Putin will meet in Paris on Friday.")
    meet = _one(events, "CONSULT")
    assert (actors[meet.actor1_id].name, actors[meet.actor2_id].name) == ("Emmanuel Macron", "Vladimir Putin")
    assert "future" in meet.context
    # "Barack" is parsed as a preposition with "Obama" as its object, and "Putin" hangs from "Obama"
    events, actors = _real(nlp, "Barack Obama and Vladimir Putin will meet in Geneva next month.")
    meet = _one(events, "CONSULT")
    assert (actors[meet.actor1_id].name, actors[meet.actor2_id].name) == ("Barack Obama", "Vladimir Putin")
    # a list parsed as two subjects of the verb, the third conjoined to the second
    events, actors = _real(nlp, "Barack Obama, Vladimir Putin and Angela Merkel met in Berlin.")
    meet = _one(events, "CONSULT")
    assert actors[meet.actor2_id].name == "Vladimir Putin"
    assert [actors[a].name for a in meet.assoc_actor_ids] == ["Angela Merkel"]


def test_coordinated_nationalities_on_one_noun_are_all_participants(nlp):
    events, actors = _real(nlp, "Canadian and Dutch diplomats met in Vienna.")
    meet = _one(events, "CONSULT")
    assert (_country(actors, meet.actor1_id), _country(actors, meet.actor2_id)) == ("CAN", "NLD")
    events, actors = _real(nlp, "U.S. and Iraqi troops raided the village.")
    raid = _one(events, "ASSAULT")
    assert _country(actors, raid.actor1_id) == "USA" and [_country(actors, a) for a in raid.assoc_actor_ids] == ["IRQ"]
    events, actors = _real(nlp, "US, British and French warplanes struck targets near Raqqa.")
    strike = _one(events, "ASSAULT")
    assert _country(actors, strike.actor1_id) == "USA"
    assert [_country(actors, a) for a in strike.assoc_actor_ids] == ["GBR", "FRA"]


def test_countries_listed_after_an_office_are_the_participants(nlp):
    events, actors = _real(nlp, "The defence ministers of Egypt, Jordan and Iraq met in Amman on Sunday.")
    meet = _one(events, "CONSULT")
    assert (_country(actors, meet.actor1_id), _country(actors, meet.actor2_id)) == ("EGY", "JOR")
    assert [_country(actors, a) for a in meet.assoc_actor_ids] == ["IRQ"]
    assert meet.quote.startswith("The defence ministers of Egypt")
    events, actors = _real(nlp, "The leaders of Kenya and Ethiopia signed a border agreement.")
    deal = _one(events, "AGREE")
    assert (_country(actors, deal.actor1_id), _country(actors, deal.actor2_id)) == ("KEN", "ETH")


# ------------------------------------------------------------ issue 3: one act told twice is one event


def _of_type(events: list[Event], etype: str) -> list[Event]:
    return [e for e in events if e.event_type == etype]


@pytest.mark.parametrize(
    "text, actor1, actor2, mode, quote_part",
    [
        # a nominal trigger that is the subject of the verb trigger
        ("Air strikes by Russian warplanes killed five civilians near Saraqib.", "act_rus", "act_civ", "aerial",
         "Air strikes"),
        # a result mode yields to the method: "demolished" (destroy) is what the air attacks did
        ("Rescue workers say air attacks have demolished hospitals and schools in Homs.", None, None, "aerial",
         "air attacks have demolished"),
        # the means of the act, nominal and verbal
        ("The regime continues to kill civilians by attacks from both land and air.", "act_syr_gov", "act_civ",
         None, "by attacks from both land and air"),
        ("Syrian troops killed 12 civilians in Homs by shelling the market.", "act_syr_mil", "act_civ",
         "heavy-weapons", "by shelling the market"),
        # the participle of the light verb of a nominal trigger
        ("The rebels launched an offensive on Saraqib on Friday, attacking army positions with rockets.",
         "act_rebels", None, None, "attacking army positions"),
    ],
)
def test_one_act_told_twice_in_a_sentence_is_one_event(nlp, text, actor1, actor2, mode, quote_part):
    events = _run(nlp, text)
    _check_evidence(events, text)
    assaults = _of_type(events, "ASSAULT")
    assert len(assaults) == 1, [(e.mode, e.quote) for e in assaults]
    ev = assaults[0]
    assert (ev.actor1_id, ev.actor2_id, ev.mode) == (actor1, actor2, mode)
    assert quote_part in ev.quote, "the quote spans both tellings"
    assert ev.cameo_root == crosswalk_row("ASSAULT", mode)["cameo_root"]


def test_one_flight_told_twice_is_one_displacement(nlp):
    text = "Thousands of families took refuge in Idlib after fleeing the shelling."
    assert len(_of_type(_run(nlp, text), "DISPLACEMENT")) == 1
    text = ("More than 129,000 people were displaced — a number that includes some who have been displaced "
            "multiple times — from southern Idlib.")
    displaced = _of_type(_run(nlp, text), "DISPLACEMENT")
    assert len(displaced) == 1 and displaced[0].quote.startswith("More than 129,000 people were displaced")


def test_acts_of_different_actors_or_places_stay_apart(nlp):
    text = "The rebels attacked Saraqib after Syrian troops attacked Homs."
    assaults = _of_type(_run(nlp, text), "ASSAULT")
    assert len(assaults) == 2
    assert {e.actor1_id for e in assaults} == {"act_rebels", "act_syr_mil"}
    # the act a killing happened in stays an event of its own, with the killing's target kept
    text = "Five civilians were killed in clashes between the rebels and Syrian troops."
    assert any(e.actor2_id == "act_civ" for e in _of_type(_run(nlp, text), "ASSAULT"))
    # a siege and a capture are two acts even when told in one clause
    text = "The Syrian army encircled Saraqib and was close to capturing it."
    assert {e.mode for e in _of_type(_run(nlp, text), "ASSAULT")} == {"siege", "territory"}


def test_a_bare_mention_of_fighting_is_no_event(nlp):
    assert _of_type(_run(nlp, "The renewed fighting comes despite a truce agreed last week."), "ASSAULT") == []
    # still events: an act said to happen, one pointed back at, one with a place
    assert _of_type(_run(nlp, "Fighting erupted again overnight."), "ASSAULT")
    assert _of_type(_run(nlp, "This offensive was part of a larger operation."), "ASSAULT")
    assert _of_type(_run(nlp, "The renewed fighting in Idlib comes despite a truce."), "ASSAULT")


def test_merged_events_keep_ids_deterministic_and_figure_links_valid(nlp):
    from pipeline.extract import extract_article

    text = ("More than 129,000 people were displaced — a number that includes some who have been displaced "
            "multiple times — from southern Idlib. Air attacks have demolished hospitals in Idlib, killing "
            "at least 12 people.")
    runs = [extract_article(_article(text), nlp(text)) for _ in range(2)]
    assert [e.event_id for e in runs[0].events] == [e.event_id for e in runs[1].events]
    ids = {e.event_id for e in runs[0].events}
    assert len(ids) == len(runs[0].events)
    linked = [f for f in runs[0].figures if f.event_id is not None]
    assert linked and all(f.event_id in ids for f in linked)
    displaced = next(f for f in runs[0].figures if f.category == "displaced")
    event = next(e for e in runs[0].events if e.event_id == displaced.event_id)
    assert event.event_type == "DISPLACEMENT" and "people were displaced — a number" in event.quote
    killed = next(f for f in runs[0].figures if f.category == "killed")
    assert next(e for e in runs[0].events if e.event_id == killed.event_id).event_type == "ASSAULT"


def test_sample_articles_tell_each_act_once(nlp):
    from pipeline.extract import extract_article

    by_sentence: dict[str, list[Event]] = {}
    for art in _sample_articles():
        ex = extract_article(art, nlp(art.text))
        ids = {e.event_id for e in ex.events}
        assert all(f.event_id is None or f.event_id in ids for f in ex.figures)
        for e in ex.events:
            by_sentence.setdefault(e.sentence, []).append(e)

    def assaults_in(fragment: str) -> list[Event]:
        [sentence] = [s for s in by_sentence if fragment in s]
        return _of_type(by_sentence[sentence], "ASSAULT")

    def telling(fragment: str, *words: str) -> list[Event]:
        return [e for e in assaults_in(fragment) if any(w in e.quote for w in words)]

    assert len(telling("air attacks have demolished", "air attacks", "demolished")) == 1
    assert len(assaults_in("kill innocent civilians by attacks")) == 1
    assert len(telling("devastated by an assault", "devastated", "assault of", "barrel bombs")) == 1
    assert not [e for e in assaults_in("The renewed fighting comes") if "renewed fighting" in e.quote]
    kill = assaults_in("kill innocent civilians by attacks")[0]
    assert kill.actor2_id is not None and "by attacks from both land and air" in kill.quote
