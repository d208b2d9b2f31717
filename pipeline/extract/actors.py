"""Actor extraction and resolution against the curated registry (pipeline/lexicons/actors.yaml).

Sources of mentions, in priority order (a later source never takes characters an earlier one took; within a
source the longest match wins):

1. Registry names: every alias of the registry, including the aliases generated from the `states` blocks
   ("Syrian forces" -> Syria's military, "Turkish Defense Ministry" -> Turkey's defence ministry, "Syrians" ->
   Syrian civilians, "Assad's troops" -> Syria's military, "UN ..." also as "U.N. ..."/"United Nations ...").
   Matching: first letter with its case, rest case-insensitive, all-capital words exactly (see
   `pipeline.extract.places.name_pattern`); a name glued to a lower-case word by a hyphen ("US-backed") is
   not a mention. A name written in lower case is matched where it is clearly a name: a person's name right
   after a capitalised person title ("President obama"), any name with a capital inside the word ("iSrael").
   Two or more nationalities on one noun ("US and British activists", "Russian and Syrian warplanes") give
   one mention per nationality, each of the actor the noun names for that country.
2. Focus-country cues (actor_cues.yaml `focus_cues`): "the regime", "government forces", "rebel factions" ...
   resolve to the government / military / armed opposition of the article's focus country (the best-ranked
   country of `places.focus_countries` that has that actor in the registry).
3. Metonyms: a country or capital name ("Moscow", "Turkey") is its government only when the syntax makes it
   an actor -- subject of a verb, passive agent ("organized by Russia"), antecedent of "which/who" relative
   clause, object of an actor verb ("criticised Russia"), possessor of an actor noun ("Russia's backing"), object
   of between/with/against/for attached to a non-geographic word ("a ceasefire between Turkey and Russia"), or
   of "of/to/with" after an adjective ("critical of Russia"); conjuncts inherit the role of the first conjunct.
   Everywhere else ("in Syria", "towards Turkey's border", "parts of Syria") the name is a place and left to
   the place extractor. Countries without a registry state become a discovered "Government of <country>".
4. spaCy NER: PERSON and ORG spans (GPE only for metonyms as above). Person names are extended to the left
   over proper nouns spaCy left out ("Sayed Issa" -> "Fouad Sayed Issa"). A one-word PERSON/ORG equal to the
   last name of a person met earlier in the article is that person ("Issa said", "Zikra said"). A PERSON/ORG
   span that is a place of the gazetteer in a focus country or a well-known place ("Maarat al-Numan",
   "Saraqib") is not an actor. Everything else becomes a discovered actor (`disc_…`, curated False): persons
   of type person, organisations typed by keywords (actor_cues.yaml `org_type_keywords`), never dropped.

5. Unnamed actors (after the named ones, never over them; actor_cues.yaml documents every list):
   - common-noun phrases: "the coalition"/"the command" -> the last actor named with that head noun; "the
     group" -> the last non-state organisation; "the secretary", "The Foreign Secretary" -> the person named
     with that title ("Secretary of State John Kerry", or in apposition); generic groups ("security forces",
     "the police", "protesters", "civilians") -> the focus country's registry actor of that role (or the
     country of a nationality adjective in the phrase), else one discovered generic actor per article and
     country ("Protesters (SYR)");
   - pronouns, resolved by a simple documented coreference: he/she -> the last person mention; they -> the
     last group mention within two sentences; I -> the speaker of the quote (subject of a speech verb next to
     it, or of an earlier "<speaker> said:"); we -> the speaker's organisation, else the last organisation.
     A pronoun that does not resolve is not a mention; a pronoun never creates an actor. Possessive
     determiners count only before a noun for people ("his comrades").
   These mentions carry role_hint nominal/title/pronoun and do not add their words to the actor's aliases.
6. Bylines: "<Name> in <Place> contributed to this report." -> that person (parent: the outlet, when known).
   A leader's possessive ("Vladimir Putin's government") gives two mentions: the person and the government.

Parents of discovered people: "<Person>, <role clause>" where the clause starts with a role noun ("head of the
rescue team White Helmets", "spokesman for the U.N. Office for ...", "an aid worker with the Violet
Organisation") -> the first organisation named in the clause; "<Org> spokesman <Person>" -> that organisation;
"<Nationality> <titles> <Person>" -> that state's government. Discovered organisations whose name starts with a
nationality ("Syrian Health Ministry") get that country and, when governmental, its government as parent.

Quotes leave out a leading "the" and a trailing possessive "'s"/"’s"; the quote is always
text[char_start:char_end].
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Sequence

from pipeline.extract.attribution import quote_speaker, speech_attributions, speech_verbs
from pipeline.extract.context import ArticleContext
from pipeline.extract.events.lexicon import load_event_lexicon
from pipeline.extract.events.morphology import noun_keys, verb_lemmas
from pipeline.extract.places import (
    LEAD_PREP,
    NAME_END,
    Gazetteer,
    focus_countries,
    focus_set,
    fold,
    load_gazetteer,
    load_nationalities,
    name_pattern,
)
from pipeline.extract.types import ActorInfo, ActorMention
from pipeline.ids import discovered_actor_id
from pipeline.lexicons import load as load_lexicon
from pipeline.records import enum

ACTOR_TYPES = frozenset(enum("actors", "actor_type"))
_ID_RE = re.compile(r"^[a-z0-9_]+$")
_QID_RE = re.compile(r"^Q[0-9]+$")
_LEAD_THE = re.compile(r"^(?:[Tt]he|THE)\s+")


def _norm(s: str) -> str:
    """Key under which an alias and a matched text are compared."""
    s = re.sub(r"['’‘`ʿ]", "'", s)
    s = re.sub(r"[-‐‑\s]+", " ", s)
    return s.strip().lower()


def _inflections(base: str) -> set[str]:
    irregular = {"tell": {"told"}, "meet": {"met"}, "fight": {"fought"}, "lead": {"led"}, "make": {"made"},
                 "run": {"ran"}, "fly": {"flew", "flown"}, "leave": {"left"}, "bind": {"bound"},
                 "flee": {"fled"}, "set": {"set"}, "sell": {"sold"}, "say": {"said"}, "write": {"wrote", "written"},
                 "go": {"goes", "went"}}
    w = base.split()[0].lower()
    out = {w, w + "s", w + "es", w + "ed", w + "ing", w + "d"}
    if w.endswith("e"):
        out |= {w[:-1] + "ing", w + "d"}
    if w.endswith("y"):
        out |= {w[:-1] + "ies", w[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][bdgmnprt]$", w):
        out |= {w + w[-1] + "ed", w + w[-1] + "ing"}
    return out | irregular.get(w, set())


# ---------------------------------------------------------------------------------------------- registry


@dataclass
class ActorRegistry:
    """The curated registry, expanded and compiled for matching."""

    actors: dict[str, ActorInfo]  # actor_id -> info (aliases: the registry's explicit aliases)
    targets: dict[str, tuple[str, str]]  # normalised alias -> (kind, target); kind alias|metonym|focus
    patterns: dict[str, re.Pattern]  # first character -> alternation of every alias starting with it
    focus_roles: dict[str, dict[str, str]]  # ISO3 -> {government|military|rebels -> actor_id}
    gov_by_iso3: dict[str, str]
    cues: dict
    adj_iso3: dict[str, str] = field(default_factory=dict)
    possessive_person: dict[str, str] = field(default_factory=dict)  # "putin's government" -> the person
    _verb_sets: dict[str, frozenset[str]] = field(default_factory=dict)
    _word_sets: dict[str, frozenset[str]] = field(default_factory=dict)

    def info(self, actor_id: str) -> ActorInfo | None:
        return self.actors.get(actor_id)

    def verbs(self, key: str) -> frozenset[str]:
        if key not in self._verb_sets:
            forms: set[str] = set()
            for v in self.cues.get(key, ()):
                forms |= _inflections(v)
            self._verb_sets[key] = frozenset(forms)
        return self._verb_sets[key]

    def words(self, key: str) -> frozenset[str]:
        """The lower-case words of an actor_cues.yaml list (built once per key)."""
        found = self._word_sets.get(key)
        if found is None:
            found = self._word_sets[key] = frozenset(w.lower() for w in self.cues.get(key, ()))
        return found


def _variants(alias: str) -> list[str]:
    out = [alias]
    for short, longs in (("UN ", ("U.N. ", "United Nations ")), ("US ", ("U.S. ",))):
        if alias.startswith(short):
            out += [lg + alias[len(short):] for lg in longs]
    return out


@functools.lru_cache(maxsize=1)
def load_registry() -> ActorRegistry:
    """The registry from lexicons/actors.yaml (+ nationalities.yaml, actor_cues.yaml), validated and compiled."""
    data = load_lexicon("actors.yaml")
    cues = load_lexicon("actor_cues.yaml")
    cues["speech_verbs"] = list(speech_verbs()["quote_speaker"])
    nat = load_nationalities()

    actors: dict[str, ActorInfo] = {}
    targets: dict[str, tuple[str, str]] = {}
    focus_roles: dict[str, dict[str, str]] = defaultdict(dict)
    gov_by_iso3: dict[str, str] = {}
    parents: dict[str, str] = {}

    def add_actor(rid: str, name: str, typ: str, country: str | None, parent: str | None,
                  aliases: Sequence[str], qid: str | None = None) -> str:
        if not _ID_RE.match(rid):
            raise ValueError(f"actors.yaml: bad id {rid!r}")
        if typ not in ACTOR_TYPES:
            raise ValueError(f"actors.yaml: {rid}: bad type {typ!r}")
        if qid is not None and not _QID_RE.match(str(qid)):
            raise ValueError(f"actors.yaml: {rid}: bad wikidata id {qid!r}")
        aid = f"act_{rid}"
        if aid in actors:
            raise ValueError(f"actors.yaml: duplicate id {rid!r}")
        actors[aid] = ActorInfo(aid, name, typ, country, None, tuple(sorted(set(aliases))), qid, True)
        if parent:
            parents[aid] = f"act_{parent}"
        return aid

    def add_alias(alias: str, kind: str, target: str) -> None:
        for v in _variants(alias):
            key = _norm(v)
            if key and key not in targets:  # first definition wins: explicit entries come first
                targets[key] = (kind, target)

    # explicit actors first (their aliases take precedence over generated ones)
    for a in data.get("actors", ()):
        aid = add_actor(a["id"], a["name"], a["type"], a.get("country"), a.get("parent"),
                        a.get("aliases") or (), a.get("wikidata"))
        for al in a.get("aliases") or ():
            add_alias(al, "alias", aid)

    gov_nouns = cues["government_nouns"]
    force_nouns = cues["force_nouns"]
    civ_nouns = cues["civilian_nouns"]
    rebel_nouns = cues["rebel_nouns"]
    for st in data.get("states", ()):
        iso3 = st["iso3"]
        country = st["country"]
        rid = iso3.lower()
        adjs = nat.get(iso3, {}).get("adj", [])
        plurals = nat.get(iso3, {}).get("plural", [])
        gov_al = list(st.get("government") or ())
        gov = add_actor(f"{rid}_gov", f"Government of {country}", "government", iso3, None, gov_al)
        gov_by_iso3[iso3] = gov
        focus_roles[iso3]["government"] = gov
        for al in gov_al + [f"{adj} {n}" for adj in adjs for n in gov_nouns] + [f"government of {country}"]:
            add_alias(al, "alias", gov)
        for m in st.get("metonyms") or ():
            add_alias(m, "metonym", gov)
        mil = st.get("military") or {}
        mil_al = list(mil.get("aliases") or ())
        mil_id = add_actor(f"{rid}_military", mil.get("name") or f"Armed forces of {country}", "military", iso3,
                           f"{rid}_gov", mil_al)
        focus_roles[iso3]["military"] = mil_id
        for al in mil_al + [f"{adj} {n}" for adj in adjs for n in force_nouns]:
            add_alias(al, "alias", mil_id)
        mod_al = list(st.get("mod") or ())
        mod = add_actor(f"{rid}_mod", f"Ministry of Defence ({country})", "government", iso3, f"{rid}_gov", mod_al)
        for al in mod_al + [f"{adj} {n}" for adj in adjs for n in
                            ("Defense Ministry", "Defence Ministry", "Ministry of Defense", "Ministry of Defence")]:
            add_alias(al, "alias", mod)
        mfa_al = list(st.get("mfa") or ())
        mfa = add_actor(f"{rid}_mfa", f"Ministry of Foreign Affairs ({country})", "government", iso3,
                        f"{rid}_gov", mfa_al)
        for al in mfa_al + [f"{adj} {n}" for adj in adjs for n in
                            ("Foreign Ministry", "Ministry of Foreign Affairs", "Foreign Affairs Ministry")]:
            add_alias(al, "alias", mfa)
        civ = add_actor(f"{rid}_civilians", f"{adjs[0] if adjs else country} civilians", "civilians", iso3, None, ())
        focus_roles[iso3]["civilians"] = civ
        for al in [f"{adj} {n}" for adj in adjs for n in civ_nouns] + plurals:
            add_alias(al, "alias", civ)
        if st.get("rebels"):
            reb = add_actor(f"{rid}_rebels", f"Armed opposition ({country})", "rebel_group", iso3, None, ())
            focus_roles[iso3]["rebels"] = reb
            for al in [f"{adj} {n}" for adj in adjs for n in rebel_nouns]:
                add_alias(al, "alias", reb)

    # leaders' possessives: "Assad's troops", "Putin's government" (the name stays a mention of the person)
    possessive_person: dict[str, str] = {}
    for a in data.get("actors", ()):
        aid = f"act_{a['id']}"
        names = [al for al in a.get("aliases") or () if al[:1].isupper()]
        if a.get("head_of"):
            iso3 = a["head_of"]
            for al in names:
                for n in ("government", "regime", "administration"):
                    add_alias(f"{al}'s {n}", "alias", f"act_{iso3.lower()}_gov")
                    possessive_person.setdefault(_norm(f"{al}'s {n}"), aid)
                for n in cues["leader_force_nouns"]:
                    add_alias(f"{al}'s {n}", "alias", f"act_{iso3.lower()}_military")
                    possessive_person.setdefault(_norm(f"{al}'s {n}"), aid)
        if a.get("forces_of"):
            for al in names:
                for n in cues["leader_force_nouns"]:
                    add_alias(f"{al}'s {n}", "alias", f"act_{a['forces_of']}")
                    possessive_person.setdefault(_norm(f"{al}'s {n}"), aid)

    # focus-country cues
    for role, phrases in (cues.get("focus_cues") or {}).items():
        for ph in phrases:
            add_alias(ph, "focus", role)

    # parents (validated after every id exists)
    for aid, pid in parents.items():
        if pid not in actors:
            raise ValueError(f"actors.yaml: {aid} has unknown parent {pid}")
        actors[aid] = replace(actors[aid], parent_actor_id=pid)
    for kind, target in targets.values():
        if kind == "alias" and target not in actors:
            raise ValueError(f"actors.yaml: alias target {target} unknown")

    # one alternation per first character (case-sensitive), longest alias first
    by_first: dict[str, list[str]] = defaultdict(list)
    for key_alias in _all_alias_strings(data, cues, nat):
        first = key_alias[0]
        by_first[first].append(key_alias)
        if key_alias[:4].lower() == "the ":
            by_first["T" if first == "t" else "t"].append(key_alias)
    patterns = {
        ch: re.compile(
            "(?:" + "|".join(name_pattern(a) for a in sorted(set(al), key=lambda a: (-len(a), a))) + ")" + NAME_END
        )
        for ch, al in by_first.items()
    }
    adj_iso3 = {adj: iso3 for iso3, v in nat.items() for adj in v["adj"]}
    return ActorRegistry(dict(sorted(actors.items())), targets, patterns, dict(focus_roles), gov_by_iso3, cues,
                         adj_iso3, possessive_person)


def _all_alias_strings(data: dict, cues: dict, nat: dict) -> list[str]:
    """Every alias string as written (with variants), for building the patterns."""
    out: list[str] = []
    for a in data.get("actors", ()):
        out += [v for al in a.get("aliases") or () for v in _variants(al)]
    for st in data.get("states", ()):
        iso3 = st["iso3"]
        adjs = nat.get(iso3, {}).get("adj", [])
        plurals = nat.get(iso3, {}).get("plural", [])
        country = st["country"]
        out += list(st.get("government") or ()) + list(st.get("metonyms") or ())
        out += list((st.get("military") or {}).get("aliases") or ()) + list(st.get("mod") or ())
        out += list(st.get("mfa") or ()) + plurals + [f"government of {country}"]
        nouns = (cues["government_nouns"] + cues["force_nouns"] + cues["civilian_nouns"] + cues["rebel_nouns"]
                 + ["Defense Ministry", "Defence Ministry", "Ministry of Defense", "Ministry of Defence",
                    "Foreign Ministry", "Ministry of Foreign Affairs", "Foreign Affairs Ministry"])
        out += [f"{adj} {n}" for adj in adjs for n in nouns]
    for a in data.get("actors", ()):
        names = [al for al in a.get("aliases") or () if al[:1].isupper()]
        if a.get("head_of") or a.get("forces_of"):
            for al in names:
                out += [f"{al}'s {n}" for n in ("government", "regime", "administration")
                        + tuple(cues["leader_force_nouns"])]
    for phrases in (cues.get("focus_cues") or {}).values():
        out += list(phrases)
    return [o for o in out if o]


# ---------------------------------------------------------------------------------------------- extraction


@dataclass
class _Cand:
    start: int
    end: int
    actor_id: str
    priority: int
    role_hint: str | None


# "<Name> [in|from <Place>] contributed (reporting|to this report)" at the start of a line
_BYLINE_RE = re.compile(
    r"(?m)^[ \t]*(?P<name>[A-Z][\w'’.-]+(?:[ \t]+[A-Z][\w'’.-]+){1,3})(?:[ \t]+(?:in|from)[ \t]+[A-Z][^\n]{0,60}?)?"
    r"[ \t]+contributed[ \t]+(?:reporting|to[ \t]+this[ \t]+(?:report|article|story))")
_STATE_SUFFIXES = ("_gov", "_military", "_mod", "_mfa", "_civilians", "_rebels")
_WORD_START = re.compile(r"(?<![\w\-‐‑])(?<!\w['’])\w")  # not inside a word, a hyphenation or "Assad's"


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    m = _LEAD_THE.match(text[start:end])
    if m and start + m.end() < end:
        start += m.end()
    if end - start > 2 and text[end - 2] in "'’" and text[end - 1] in "sS":
        end -= 2
    elif end - start > 1 and text[end - 1] in "'’":
        end -= 1
    while end > start and text[end - 1] in " ,.;:":
        if text[end - 1] == "." and re.search(r"\b\w\.$", text[start:end]):
            break  # keep the dot of "U.N."
        end -= 1
    return start, end


_ODD_CASE_RE = re.compile(r"(?<![\w\-‐‑])[a-z]+[A-Z]\w*")  # "iSrael"
_TITLE_BEFORE_LOWER_RE = re.compile(r"(?<![\w.])([A-Z][\w.]*)[ \u00a0]+(?=[a-z])")  # "President obama"

# compiled patterns of `_Extraction._coordination_patterns`, by (registry, gazetteer) identity
_COORD_CACHE: dict[tuple[int, int], tuple[re.Pattern[str], dict[str, dict]]] = {}


class _Extraction:
    def __init__(self, ctx: ArticleContext, reg: ActorRegistry, gaz: Gazetteer) -> None:
        self.ctx = ctx
        self.text = ctx.text
        self.reg = reg
        self.gaz = gaz
        ranked = focus_countries(ctx, gaz)
        self.focus_ranked = [iso3 for iso3, _ in ranked]
        self.focus = focus_set(ranked)
        self._state_nouns = reg.words("state_office_nouns") | reg.words("government_nouns") | reg.words("force_nouns")
        self.discovered: dict[str, ActorInfo] = {}
        self.person_ner = [(e.start_char, e.end_char) for e in ctx.doc.ents if e.label_ == "PERSON"]

    # -- helpers ---------------------------------------------------------------------------------------

    def span(self, start: int, end: int):
        return self.ctx.doc.char_span(start, end, alignment_mode="expand")

    def focus_actor(self, role: str) -> str | None:
        for iso3 in self.focus_ranked:
            aid = self.reg.focus_roles.get(iso3, {}).get(role)
            if aid:
                return aid
        return None

    def discover(self, name: str, typ: str, country: str | None = None, parent: str | None = None) -> str:
        key = fold(name)
        aid = discovered_actor_id(key)
        if aid not in self.discovered:
            self.discovered[aid] = ActorInfo(aid, name, typ, country, parent, (), None, False)
        else:
            old = self.discovered[aid]
            if (parent and not old.parent_actor_id) or len(name) > len(old.name):
                self.discovered[aid] = replace(old, name=max(old.name, name, key=len),
                                               parent_actor_id=old.parent_actor_id or parent)
        return aid

    # -- metonymy --------------------------------------------------------------------------------------

    def is_actor_use(self, start: int, end: int) -> bool:
        span = self.span(start, end)
        if span is None or len(span) == 0:
            return False
        reg = self.reg
        geo = reg.words("geographic_nouns")
        root = span.root
        tok = root
        for _ in range(6):
            if tok.dep_ == "conj" and tok.head is not tok:
                tok = tok.head
            elif tok.dep_ == "appos" and tok.ent_type_ == "GPE" and tok.head.ent_type_ == "GPE":
                tok = tok.head  # a list of countries parsed as apposition: "The US, Russia, and Switzerland met"
            else:
                break
        for t in {root, tok}:
            for ch in t.children:
                if ch.dep_ == "relcl" and any(
                    c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("which", "who", "that") for c in ch.children
                ):
                    return True
        dep = tok.dep_
        head = tok.head
        if dep == "nsubj":
            return True
        if dep == "nsubjpass":
            return head.lower_ in reg.verbs("actor_passive_verbs")
        if dep == "poss":
            return head.lower_ in reg.words("actor_possessed_nouns") and head.lower_ not in geo
        # a country after an event trigger: the first conjunct must be a country too, on the same line
        country_arg = (self._is_country_name(start, end) and tok.ent_type_ == "GPE"
                       and "\n" not in self.text[min(head.idx, start):max(head.idx, end)])
        if dep == "dobj":
            return head.lower_ in reg.verbs("actor_object_verbs") or (country_arg and self._directed_trigger(head))
        if dep == "pobj":
            prep = head
            if prep.dep_ == "agent":
                return True
            ph = prep.head
            if prep.lower_ == "of" and ph is not prep and self._is_country_name(start, end) and self._state_head(ph):
                return True  # "the foreign ministers of Russia, Turkey and Iran", "the leaders of Egypt and Jordan"
            if prep.lower_ == "by" and ph.tag_ == "VBN":
                return True
            if prep.lower_ in reg.words("actor_prepositions"):
                if ph.lower_ in geo or ph.lower_ in reg.verbs("motion_verbs"):
                    return False
                return ph is not prep
            if prep.lower_ in ("of", "to", "with") and ph.pos_ == "ADJ":
                return True
            if (prep.lower_ in reg.words("target_prepositions") and ph is not prep and country_arg
                    and self._directed_trigger(ph)):
                return True  # "fired missiles at Russia", "supply arms to Israel", "sanctions on Iran"
        return False

    def _state_head(self, tok) -> bool:
        """Whether a noun names a state's people in office or its forces (actor_cues.yaml `state_office_nouns`,
        `government_nouns`, `force_nouns`; singular or plural): its "of <country>" names the state as an actor."""
        low = tok.lower_
        if not tok.is_alpha:
            return False
        words = self._state_nouns
        return tok.pos_ in ("NOUN", "PROPN") and (low in words or (low.endswith("s") and low[:-1] in words))

    def _of_country_list(self, tok) -> bool:
        """Whether a state noun is followed by "of" and a list of two or more countries ("the foreign ministers
        of Russia, Turkey and Iran"): each country is then an actor of its own (`is_actor_use`), and the noun
        stands for none of them alone."""
        if not self._state_head(tok):
            return False
        for c in tok.rights:
            if c.dep_ == "prep" and c.lower_ == "of" and c.i == tok.i + 1:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    return False
                names = [_span_text(t) for t in (pobj, *pobj.conjuncts)]
                return len(names) >= 2 and all(self.gaz.country_by_name(n) is not None for n in names)
        return False

    def _is_country_name(self, start: int, end: int) -> bool:
        """Whether the text is a country's name (not a capital's)."""
        return self.gaz.country_by_name(self.text[start:end]) is not None

    def _directed_trigger(self, tok) -> bool:
        """Whether `tok` is a word of the event lexicon with a reading that is done to someone (not only one of
        actor_cues.yaml `place_event_types`, where a country after it is where things happen)."""
        if tok.lower_ in self.reg.verbs("motion_verbs"):
            return False
        types = _event_types(tok)
        return bool(types) and not types <= frozenset(self.reg.cues.get("place_event_types") or ())

    # -- sources ---------------------------------------------------------------------------------------

    def registry_candidates(self) -> list[_Cand]:
        text = self.text
        out: list[_Cand] = []
        # names written in lower case where they are clearly names: right after a capitalised person title
        # ("President obama") or with a capital inside the word ("iSrael"); matched as if capitalised (the
        # quote keeps the text as written)
        person_titles = self.reg.words("person_titles")
        odd_case_at = {m.start() for m in _ODD_CASE_RE.finditer(text)}
        after_title_at = {m.end() for m in _TITLE_BEFORE_LOWER_RE.finditer(text) if m.group(1).lower() in person_titles}
        for wm in _WORD_START.finditer(text):
            pos = wm.start()
            pat = self.reg.patterns.get(text[pos])
            m = pat.match(text, pos) if pat is not None else None
            subject = text
            odd_case, after_title = pos in odd_case_at, pos in after_title_at
            if m is None and (odd_case or after_title):
                pat = self.reg.patterns.get(text[pos].upper())
                subject = text[:pos] + text[pos].upper() + text[pos + 1:]
                m = pat.match(subject, pos) if pat is not None else None
            if not m:
                continue
            if subject is not text:
                kind_, target_ = self.reg.targets.get(_norm(m.group(0)), (None, None))
                if kind_ != "alias" and kind_ != "metonym":
                    continue
                if after_title and not odd_case and not (kind_ == "alias"
                                                         and self.reg.actors[target_].actor_type == "person"):
                    continue  # after a title only a person's name ("President obama")
            key = _norm(m.group(0))
            kind, target = self.reg.targets.get(key, (None, None))
            if kind is None:
                continue
            start, end = _strip_span(text, m.start(), m.end())
            apos = re.search(r"['’][sS]\s+", text[start:end])
            if kind == "alias" and key in self.reg.possessive_person and apos:
                # "Vladimir Putin's government": the person, and the government the phrase's head stands for
                out.append(_Cand(start, start + apos.start(), self.reg.possessive_person[key], 0, "person"))
                out.append(_Cand(start + apos.end(), end, target, 0, "org"))
                continue
            if kind == "alias":
                info = self.reg.actors[target]
                hint = "person" if info.actor_type == "person" else (
                    "nationality" if target.endswith(_STATE_SUFFIXES) and any(
                        text[start:end] == a or text[start:end].startswith(a + " ") or text[start:end] == a + "s"
                        for a in self.reg.adj_iso3) or info.actor_type == "civilians" else "org")
                out.append(_Cand(start, end, target, 0, hint))
            elif kind == "focus":
                span = self.span(start, end)
                if span is not None and span[-1].dep_ in ("amod", "compound", "nmod") and span[-1].head.i > span[-1].i:
                    continue  # "the military campaign": the cue only qualifies a thing
                aid = self.focus_actor(target)
                if aid:
                    out.append(_Cand(start, end, aid, 1, "focus"))
            elif kind == "metonym":
                if _overlap_any(start, end, self.person_ner):
                    continue
                if self.is_actor_use(start, end):
                    out.append(_Cand(start, end, target, 1, "metonym"))
        return out

    def byline_candidates(self) -> list[_Cand]:
        """Contributor lines ("Kareem Fahim in Istanbul contributed to this report.") -> the person, whose
        parent is the article's outlet when the registry knows it."""
        out = []
        outlet = self.ctx.article.outlet
        kind, parent = self.reg.targets.get(_norm(outlet), (None, None)) if outlet else (None, None)
        for m in _BYLINE_RE.finditer(self.text):
            name = re.sub(r"\s+", " ", m.group("name"))
            aid = self.discover(name, "person", None, parent if kind == "alias" else None)
            out.append(_Cand(m.start("name"), m.end("name"), aid, 0, "person"))
        return out

    def coordinated_nationality_candidates(self) -> list[_Cand]:
        """Two or more nationalities on one noun ("US and British activists", "Russian and Syrian warplanes",
        "French, German and Italian diplomats"): every nationality gets its own mention of the actor the noun
        names for that country -- the registry's ("Russian warplanes" -> Russia's military) or the generic
        group's (actor_cues.yaml `generic_actors`). The first conjuncts' mentions are their adjective alone
        ("Russian"); the last one's is the adjective with the noun, unless the registry already names it."""
        nat_re, groups = self._coordination_patterns()
        out: list[_Cand] = []
        text = self.text
        for m in nat_re.finditer(text):
            adjs = [(a.start() + m.start("list"), a.end() + m.start("list"))
                    for a in re.finditer(r"[A-Z][\w.]*(?:\s[A-Z][\w.]*)?", m.group("list"))]
            adjs.append(m.span("last"))
            noun_words = m.group("noun").split()
            for k, (a, b) in enumerate(adjs):
                iso3 = self._nationality_iso3(text[a:b])
                if iso3 is None:
                    break
            else:
                for k, (a, b) in enumerate(adjs):
                    iso3 = self._nationality_iso3(text[a:b])
                    last = k == len(adjs) - 1
                    for n in (2, 1):
                        if len(noun_words) < n:
                            continue
                        noun = " ".join(noun_words[:n])
                        end = m.start("noun") + len(noun)
                        kind, target = self.reg.targets.get(_norm(f"{text[a:b]} {noun}"), (None, None))
                        if kind == "alias":
                            if not last:
                                out.append(_Cand(a, b, target, 0, "nationality"))
                            break
                        group = groups.get(noun.lower())
                        if group is not None:
                            aid = self.generic_actor(group, iso3)
                            if aid:
                                out.append(_Cand(a, end if last else b, aid, 1, "nominal"))
                            break
        return out

    def attacker_nationality_candidates(self, taken: list[tuple[int, int]]) -> list[_Cand]:
        """A nationality adjective on a nominal attack ("Israeli shelling", "Russian air strikes", "Israeli tank
        shelling"): the armed forces of that country (actor_cues.yaml `generic_actors`, the group whose
        `focus` is military), mentioned by the adjective alone."""
        group = next((g for g in self.reg.cues.get("generic_actors") or () if g.get("focus") == "military"), None)
        if group is None:
            return []
        out: list[_Cand] = []
        for tok in self.ctx.doc:
            if tok.dep_ not in ("amod", "compound") or not tok.text[:1].isupper():
                continue
            start, end = tok.idx, tok.idx + len(tok.text)
            iso3 = self._nationality_iso3(tok.text)
            if iso3 is None or _overlap_any(start, end, taken):
                continue
            head = tok.head
            while head.dep_ == "compound" and head.head.i > head.i:
                head = head.head  # "Israeli tank shelling"
            if (head.i <= tok.i or "ASSAULT" not in _event_types(head)) and self._attack_after(tok, taken) is None:
                continue
            aid = self.generic_actor(group, iso3)
            if aid:
                out.append(_Cand(start, end, aid, 3, "nationality"))
        return out

    def _attack_after(self, tok, taken: list[tuple[int, int]], max_between: int = 2):
        """The nominal attack word a nationality adjective opens, read on the surface when the parser split the
        phrase ("in Israeli tank shelling" parsed as "in [Israeli tank]" + a verb "shelling"): up to
        `max_between` lower-case singular nouns or adjectives ("tank", "air", "drone"), none of them part of
        an actor's mention, then a lower-case noun or gerund with an ASSAULT reading in the event lexicon and no
        subject of its own. None if there is no such word."""
        doc = tok.doc
        sent_end = tok.sent.end
        for j in range(tok.i + 1, min(sent_end, tok.i + 2 + max_between)):
            t = doc[j]
            if not (t.is_alpha and t.is_lower) or _overlap_any(t.idx, t.idx + len(t.text), taken):
                return None
            if t.tag_ in ("NN", "NNS", "VBG") and "ASSAULT" in _event_types(t, nouns_only=True) and not any(
                    c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
                return t
            if t.tag_ not in ("NN", "JJ"):
                return None
        return None

    def _nationality_iso3(self, word: str) -> str | None:
        word = word.strip()
        if word in self.reg.adj_iso3:
            return self.reg.adj_iso3[word]
        country = self.gaz.country_by_name(word) if word.isupper() or "." in word else None
        return country.iso3 if country else None

    def _coordination_patterns(self) -> tuple[re.Pattern[str], dict[str, dict]]:
        key = (id(self.reg), id(self.gaz))
        if key not in _COORD_CACHE:
            if len(_COORD_CACHE) > 4:
                _COORD_CACHE.clear()
            _COORD_CACHE[key] = self._build_coordination_patterns()
        return _COORD_CACHE[key]

    def _build_coordination_patterns(self) -> tuple[re.Pattern[str], dict[str, dict]]:
        groups: dict[str, dict] = {}
        for g in self.reg.cues.get("generic_actors") or ():
            for n in g["nouns"]:
                groups.setdefault(n.lower(), g)
        abbrevs = [n for ns in self.gaz.country_names.values() for n in ns if n.isupper() or "." in n]
        nat = "(?:" + "|".join(re.escape(w) for w in sorted({*self.reg.adj_iso3, *abbrevs}, key=len, reverse=True)
                               if w[:1].isupper()) + ")"
        pat = re.compile(rf"(?<![\w-])(?P<list>{nat}(?:,[ \u00a0]+{nat})*),?[ \u00a0]+(?:and|or)[ \u00a0]+"
                         rf"(?P<last>{nat})[ \u00a0]+(?P<noun>[a-z][a-z-]+(?:[ \u00a0][a-z][a-z-]+)?)")
        return pat, groups

    def country_metonym_candidates(self) -> list[_Cand]:
        """Country names without a registry state, used as actors -> discovered governments."""
        out = []
        for m in self.gaz.country_re.finditer(self.text):
            start, end = m.span()
            c = self.gaz.country_by_name(m.group(0))
            if c is None or c.iso3 in self.reg.gov_by_iso3 or _overlap_any(start, end, self.person_ner):
                continue
            if self.is_actor_use(start, end):
                aid = self.discover(f"Government of {c.name}", "government", c.iso3)
                out.append(_Cand(start, end, aid, 2, "metonym"))
        return out

    def ner_candidates(self, taken: list[tuple[int, int]]) -> list[_Cand]:
        text = self.text
        out: list[_Cand] = []
        titles = self.reg.words("titles")
        persons_by_last: dict[str, str] = {}
        for ent in self.ctx.doc.ents:
            if ent.label_ not in ("PERSON", "ORG"):
                continue
            start, end = _strip_span(text, ent.start_char, ent.end_char)
            if end <= start:
                continue
            lead = LEAD_PREP.match(text, start, end)
            if lead and lead.end() < end:
                start = lead.end()  # "Near Palmyra", "In Raqqa": spaCy took the preposition into the name
                if any(c.level == 0 for c in self.gaz.lookup(text[start:end])):
                    continue  # "Near Tal Afar": a place name after a place preposition, not an actor
            if ent.label_ == "PERSON":
                start = self._extend_left(ent, start, titles)
                while True:  # drop leading titles ("President X")
                    m = re.match(r"([\w.'’-]+)\s+", text[start:end])
                    if m and m.group(1).lower() in titles and start + m.end() < end:
                        start += m.end()
                    else:
                        break
            if _overlap_any(start, end, taken):
                continue
            name = re.sub(r"\s+", " ", text[start:end])
            if not re.search(r"[A-Z]", name) or len(name) < 2 or len(name) > 100:
                continue
            key = _norm(name)
            kind, target = self.reg.targets.get(key, (None, None))
            if kind == "alias":
                out.append(_Cand(start, end, target, 2, "person" if ent.label_ == "PERSON" else "org"))
                taken.append((start, end))
                continue
            words = name.split()
            if len(words) == 1 and self._surname_key(name) in persons_by_last:
                out.append(_Cand(start, end, persons_by_last[self._surname_key(name)], 2, "person"))
                taken.append((start, end))
                continue
            if self.gaz.is_probable_place(name, self.focus):
                continue
            if ent.label_ == "PERSON":
                if len(words) == 1 and name.lower() in titles:
                    continue
                aid = self.discover(name, "person")
                if len(words) > 1:
                    persons_by_last.setdefault(self._surname_key(words[-1]), aid)
                out.append(_Cand(start, end, aid, 2, "person"))
            else:
                if len(words) == 1 and name.lower() in titles:
                    continue  # "Defense" of "Defense Secretary Ash Carter"
                typ, country, parent = self._org_type(name)
                aid = self.discover(name, typ, country, parent)
                out.append(_Cand(start, end, aid, 2, "org"))
            taken.append((start, end))
        out.extend(self.titled_person_candidates(taken, persons_by_last))
        return out

    def _surname_key(self, word: str) -> str:
        """A surname folded, without an Arabic article prefix ("al-Abadi" and "Abadi" -> "abadi")."""
        w = word.strip()
        for p in sorted(self.reg.words("surname_prefixes"), key=len, reverse=True):
            if w.lower().startswith(p) and len(w) > len(p) + 1:
                w = w[len(p):]
                break
        return fold(w)

    def titled_person_candidates(self, taken: list[tuple[int, int]], persons_by_last: dict[str, str]) -> list[_Cand]:
        """Capitalised names right after a capitalised person title that spaCy did not tag as a person
        ("President Hollande", "Prime Minister Abadi"); a surname met earlier resolves to that person."""
        doc = self.ctx.doc
        titles = self.reg.words("person_titles")
        stop = self.reg.words("not_person_names")
        out: list[_Cand] = []
        i = 0
        n = len(doc)
        while i < n:
            tok = doc[i]
            if not (tok.text[:1].isupper() and tok.lower_ in titles):
                i += 1
                continue
            j = i + 1
            while j < n and doc[j].text[:1].isupper() and doc[j].lower_ in titles:
                j += 1
            k = j
            while (k < n and k - j < 4 and doc[k].pos_ == "PROPN" and doc[k].text[:1].isupper()
                   and doc[k].text.replace("-", "").isalpha() and doc[k].lower_ not in stop
                   and doc[k].lower_ not in titles and doc[k].ent_type_ in ("", "PERSON", "ORG", "NORP", "GPE")
                   and doc[k].sent == tok.sent):
                k += 1
            if k > j and not (k < n and doc[k].lower_ in stop):
                start, end = doc[j].idx, doc[k - 1].idx + len(doc[k - 1].text)
                name = re.sub(r"\s+", " ", self.text[start:end])
                if (not _overlap_any(start, end, taken) and self.reg.targets.get(_norm(name), (None,))[0] is None
                        and self.gaz.country_by_name(name) is None and not self.gaz.regions_named(name)
                        and name not in self.reg.adj_iso3):
                    words = name.split()
                    key = self._surname_key(name) if len(words) == 1 else None
                    aid = persons_by_last.get(key) if key else None
                    if aid is None:
                        aid = self.discover(name, "person")
                        if len(words) > 1:
                            persons_by_last.setdefault(self._surname_key(words[-1]), aid)
                    out.append(_Cand(start, end, aid, 2, "person"))
                    taken.append((start, end))
            i = max(k, i + 1)
        return out

    def _extend_left(self, ent, start: int, titles: frozenset[str]) -> int:
        doc = self.ctx.doc
        i = ent.start
        while i > 0:
            prev = doc[i - 1]
            if (prev.pos_ == "PROPN" and prev.text[:1].isupper() and prev.ent_type_ in ("", "PERSON")
                    and prev.lower_ not in titles and prev.text.isalpha() and not prev.is_sent_end
                    and prev.sent == ent.sent and prev.whitespace_):
                if prev.lower_ in self.reg.words("titles") or prev.text in self.reg.adj_iso3:
                    break
                i -= 1
            else:
                break
        return min(start, doc[i].idx) if i < ent.start else start

    def _org_type(self, name: str) -> tuple[str, str | None, str | None]:
        low = " " + re.sub(r"[^\w.]+", " ", name.lower()) + " "
        typ = "other"
        for t, kws in (self.reg.cues.get("org_type_keywords") or {}).items():
            if any(f" {k} " in low for k in kws):
                typ = t
                break
        country = None
        parent = None
        first = name.split()[0] if name.split() else ""
        for adj, iso3 in self.reg.adj_iso3.items():
            if name.startswith(adj + " "):
                country = iso3
                if typ in ("government", "military"):
                    parent = self.reg.gov_by_iso3.get(iso3)
                break
        if first in ("UN", "U.N.") or name.startswith("United Nations "):
            parent = "act_un"
            typ = "igo" if typ in ("other", "ngo") else typ
        return typ, country, parent

    # -- unnamed actors: common-noun phrases, titles and pronouns --------------------------------------

    def _actor_info(self, aid: str) -> ActorInfo | None:
        return self.discovered.get(aid) or self.reg.actors.get(aid)

    def _is_person(self, aid: str) -> bool:
        info = self._actor_info(aid)
        return info is not None and info.actor_type == "person"

    def generic_actor(self, group: dict, adj_iso3: str | None) -> str | None:
        """The actor a common-noun phrase of `group` stands for (see actor_cues.yaml `generic_actors`)."""
        role = group.get("focus")
        if role:
            aid = self.reg.focus_roles.get(adj_iso3, {}).get(role) if adj_iso3 else self.focus_actor(role)
            if aid:
                return aid
        if adj_iso3:  # a country the phrase names itself ("Ukrainian lawmakers") holds for every group
            iso3: str | None = adj_iso3
        elif group.get("country") is False:
            iso3 = None
        else:
            iso3 = self.focus_ranked[0] if self.focus_ranked else None
        name = f"{group['label']} ({iso3})" if iso3 else str(group["label"])
        parent = None
        if group.get("parent_focus") and iso3:
            parent = self.reg.focus_roles.get(iso3, {}).get(group["parent_focus"])
        return self.discover(name, group["type"], iso3, parent)

    def _noun_phrase(self, tok, taken: list[tuple[int, int]]) -> tuple[int, int] | None:
        """Character span of a head noun with the adjectives/compounds right before it (never a taken span)."""
        doc = self.ctx.doc
        head_start, head_end = tok.idx, tok.idx + len(tok.text)
        if _overlap_any(head_start, head_end, taken):
            return None
        j = tok.i
        while j - 1 >= tok.sent.start:
            p = doc[j - 1]
            if p.dep_ not in ("amod", "compound") or not (j - 1 < p.head.i <= tok.i) or not p.text[:1].isalpha():
                break
            if _overlap_any(p.idx, p.idx + len(p.text), taken):
                break
            j -= 1
        return doc[j].idx, head_end

    def _modifier_iso3(self, tok) -> str | None:
        """The country a nationality or country word modifying an office noun names, when the parser attached it
        as a nominal modifier left out of the noun phrase ("The US Secretary of State": "US" is an nmod)."""
        for c in tok.children:
            if c.dep_ == "nmod" and c.i < tok.i and c.text[:1].isupper():
                iso3 = self._nationality_iso3(c.text)
                if iso3:
                    return iso3
        return None

    def _adj_iso3(self, start: int, end: int) -> str | None:
        for w in re.findall(r"[\w'’.-]+", self.text[start:end]):
            if w.rstrip(".") in self.reg.adj_iso3 or w in self.reg.adj_iso3:
                return self.reg.adj_iso3.get(w) or self.reg.adj_iso3[w.rstrip(".")]
        return None

    def _phrase_iso3(self, tok, start: int, end: int) -> str | None:
        """The country a common-noun phrase names: a nationality adjective in it ("Georgian demonstrators"), a
        country possessor ("Iraq's national security advisor"), else a country named right after the head by
        in/from/of ("a court in Guyana", "dissidents from Myanmar")."""
        iso3 = self._adj_iso3(start, end)
        if iso3:
            return iso3
        for c in tok.children:
            if c.dep_ == "poss" and c.ent_type_ == "GPE":
                country = self.gaz.country_by_name(_span_text(c))
                if country is not None:
                    return country.iso3
        state_nouns = {n.lower() for n in self.reg.cues["government_nouns"] + self.reg.cues["force_nouns"]}
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in ("in", "from", "of") and c.i == tok.i + 1:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is None:
                    continue
                if pobj.ent_type_ == "GPE":
                    country = self.gaz.country_by_name(_span_text(pobj))
                    if country is not None:
                        return country.iso3  # "a court in Guyana", "dissidents from Myanmar"
                if c.lower_ == "in":
                    continue
                if pobj.lower_ in state_nouns:  # "ministers from the Georgian government"
                    iso3 = self._adj_iso3(pobj.left_edge.idx, pobj.idx + len(pobj.text))
                    if iso3:
                        return iso3
                if pobj.ent_type_ == "ORG":  # "leaders of Egypt's Muslim Brotherhood"
                    for g in pobj.children:
                        if g.dep_ == "poss" and g.ent_type_ == "GPE":
                            country = self.gaz.country_by_name(_span_text(g))
                            if country is not None:
                                return country.iso3
        return None

    def state_government(self, iso3: str) -> str | None:
        """The government of a state: the registry's, else a discovered "Government of <country>"."""
        aid = self.reg.gov_by_iso3.get(iso3)
        if aid:
            return aid
        country = self.gaz.country_by_iso3(iso3)
        return self.discover(f"Government of {country.name}", "government", iso3) if country else None

    def _give_state(self, person_id: str, iso3: str) -> None:
        """A discovered person introduced by a state's office ("The US commander ..., General X") belongs to
        that state (its government as parent) unless known otherwise."""
        info = self.discovered.get(person_id)
        if info is None or info.country_iso3 or info.parent_actor_id:
            return
        self.discovered[person_id] = replace(info, country_iso3=iso3, parent_actor_id=self.reg.gov_by_iso3.get(iso3))

    def _last_mention(self, cands: Sequence[_Cand], before: int, min_sentence: int, pred) -> _Cand | None:
        best = None
        for c in cands:
            if c.end <= before and self.ctx.sentence_index_at(c.start) >= min_sentence and pred(c):
                if best is None or c.start > best.start:
                    best = c
        return best

    def nominal_candidates(self, chosen: list[_Cand]) -> list[_Cand]:
        """Actor mentions for common-noun phrases: definite references to an organisation named earlier
        ("the coalition", "the group"), titles standing for a person named with them ("the secretary"), and
        generic groups ("security forces", "protesters", "civilians") resolved as actor_cues.yaml says."""
        doc = self.ctx.doc
        cues = self.reg.cues
        groups: dict[str, dict] = {}
        for g in cues.get("generic_actors") or ():
            for n in g["nouns"]:
                groups.setdefault(n.lower(), g)
        militants = next((g for g in cues.get("generic_actors") or () if g["label"] == "Militants"), None)
        group_nouns = self.reg.words("group_nouns")
        militant_adj = self.reg.words("militant_adjectives")
        org_heads = self.reg.words("org_head_nouns")
        titles = {t.lower() for t in cues.get("title_anaphors") or ()}
        offices = {t.lower() for t in cues.get("state_office_nouns") or ()}
        window = int(cues.get("anaphora_max_sentences") or 4)
        taken = [(c.start, c.end) for c in chosen]
        known = list(chosen)
        out: list[_Cand] = []
        for tok in doc:
            if tok.pos_ not in ("NOUN", "PROPN") or not tok.text.isalpha() or not _is_nominal_head(tok):
                continue
            if tok.pos_ == "PROPN" and tok.ent_type_ in ("PERSON", "GPE", "LOC", "FAC", "NORP"):
                continue
            span = self._noun_phrase(tok, taken)
            if span is None or self._of_country_list(tok):
                continue
            start, end = span
            words = self.text[start:end].lower().split()
            low = tok.lower_
            det = next((c.lower_ for c in tok.lefts if c.dep_ in ("det", "poss")), None)
            definite = det in ("the", "this", "these", "that", "those")
            sent_i = self.ctx.sentence_index_at(start)
            aid = None
            hint = "nominal"
            # a title standing for a person named with it ("the secretary", "The Foreign Secretary")
            two = " ".join(words[-2:])
            title = two if two in titles else (low if low in titles else None)
            office_iso3 = None
            if two in offices or low in offices or (tok.lower_ == "state" and two == "secretary of state"):
                office_iso3 = self._adj_iso3(start, end) or self._modifier_iso3(tok)
            if title and (definite or tok.text[:1].isupper() or office_iso3):
                nxt = doc[tok.i + 1] if tok.i + 1 < len(doc) else None
                if nxt is not None and nxt.ent_type_ == "PERSON":
                    continue  # "Secretary Kerry": the name is the mention
                aid = self._titled_person(title.split()[-1], start, end, known)
                if aid is not None and office_iso3:
                    self._give_state(aid, office_iso3)
                elif aid is None and office_iso3:
                    aid = self.state_government(office_iso3)  # "the US leader", "the French president"
                if aid is None:
                    continue
                hint = "title"
            elif office_iso3 and low not in groups and two not in groups:
                aid = self.state_government(office_iso3)  # "a US envoy", "Iranian negotiators"
                hint = "title"
            elif definite and low in org_heads:
                c = self._last_mention(known, start, 0, lambda c: not self._is_person(c.actor_id)
                                       and low in (fold(self._actor_info(c.actor_id).name).split()
                                                   + fold(self.text[c.start:c.end]).split()))
                if c is not None:
                    aid = c.actor_id
            if aid is None and low in group_nouns:
                if any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.rights):
                    continue  # "a group of supporters", "a group of buildings": the members are what counts
                if definite:
                    c = self._last_mention(known, start, sent_i - window, lambda c: (
                        self._actor_info(c.actor_id).actor_type in ("rebel_group", "other", "ngo", "political_party",
                                                                     "igo", "media")))
                    aid = c.actor_id if c is not None else None
                if aid is None and militants and any(w in militant_adj for w in words[:-1]):
                    aid = self.generic_actor(militants, self._adj_iso3(start, end))
                if aid is None:
                    continue
            if aid is None:
                key = two if two in groups else (low if low in groups else None)
                if key is None:
                    continue
                if any(c.dep_ in ("compound", "nmod") and _overlap_any(c.idx, c.idx + len(c.text), taken)
                       and not self._overlap_state_actor(c, known) for c in tok.lefts):
                    continue  # "UN troops", "Hamas fighters": the organisation named is the actor
                aid = self.generic_actor(groups[key], self._phrase_iso3(tok, start, end))
            if aid is None:
                continue
            cand = _Cand(start, end, aid, 3, hint)
            out.append(cand)
            known.append(cand)
            taken.append((start, end))
        return out

    def _overlap_state_actor(self, tok, known: Sequence[_Cand]) -> bool:
        """Whether the mention covering `tok` is a state's government, forces or people (a nationality word)."""
        for c in known:
            if c.start <= tok.idx < c.end:
                info = self._actor_info(c.actor_id)
                return info is not None and info.actor_type in ("government", "military", "civilians") and \
                    c.role_hint in ("nationality", "metonym")
        return False

    def _titled_person(self, title_word: str, start: int, end: int, known: Sequence[_Cand]) -> str | None:
        """The person a title phrase refers to: the person named right after it (", Boris Johnson,"), else the
        last person named earlier with that title word just before the name, else the only one named later."""
        people = sorted((c for c in known if self._is_person(c.actor_id)), key=lambda c: c.start)
        after = re.match(r"\s*,\s*", self.text[end:end + 4])
        if after:
            for c in people:
                if c.start == end + after.end():
                    return c.actor_id
        pat = re.compile(rf"\b{re.escape(title_word)}\b[^.;:]{{0,40}}$", re.I)
        titled = [c for c in people if pat.search(self.text[max(0, c.start - 60):c.start])]
        before = [c for c in titled if c.end <= start]
        if before:
            return before[-1].actor_id
        later = {c.actor_id for c in titled}
        return next(iter(later)) if len(later) == 1 else None

    def pronoun_candidates(self, chosen: list[_Cand]) -> list[_Cand]:
        """Actor mentions for personal pronouns that resolve (see actor_cues.yaml `pronouns`); a pronoun
        never creates an actor and an unresolved one is not a mention."""
        doc = self.ctx.doc
        cues = self.reg.cues
        pro = {k: frozenset(v) for k, v in (cues.get("pronouns") or {}).items()}
        window = int(cues.get("anaphora_max_sentences") or 4)
        taken = [(c.start, c.end) for c in chosen]
        known = list(chosen)
        out: list[_Cand] = []
        # a possessive determiner is a mention only before a noun for people ("his comrades", "our partners");
        # "their lot", "our education" qualify a thing and are left out
        people = self.reg.words("people_nouns") | {
            n.lower() for g in cues.get("generic_actors") or () for n in g["nouns"]}
        toks = [t for t in doc if t.pos_ == "PRON" and (t.tag_ != "PRP$" or t.head.lower_ in people)
                and (t.text.islower() or t.text == "I" or t.text.istitle())
                and not _overlap_any(t.idx, t.idx + len(t.text), taken)]

        def add(t, aid: str) -> None:
            c = _Cand(t.idx, t.idx + len(t.text), aid, 4, "pronoun")
            out.append(c)
            known.append(c)
            taken.append((c.start, c.end))

        # third person first: a resolved "he" can then be the speaker of a quote ("..." he says)
        for t in toks:
            low = t.lower_
            if t.text == "US":
                continue
            s = self.ctx.sentence_index_at(t.idx)
            if low in pro.get("third_singular", ()):
                c = self._last_mention(known, t.idx, s - window, lambda c: self._is_person(c.actor_id))
                if c is not None:
                    add(t, c.actor_id)
            elif low in pro.get("third_plural", ()):
                c = self._last_mention(known, t.idx, s - 2, lambda c: not self._is_person(c.actor_id))
                if c is not None:
                    add(t, c.actor_id)
        speakers = speech_attributions(self.ctx, self.reg.verbs("speech_verbs"), known)
        for t in toks:
            low = t.lower_
            if t.text == "US" or _overlap_any(t.idx, t.idx + len(t.text), taken):
                continue
            first_sing = low in pro.get("first_singular", ())
            first_plur = low in pro.get("first_plural", ())
            if not (first_sing or first_plur):
                continue
            speaker = quote_speaker(self.ctx, t.idx, speakers)
            if first_sing:
                if speaker is not None:
                    add(t, speaker)
                continue
            if speaker is not None:
                info = self._actor_info(speaker)
                add(t, info.parent_actor_id if info and info.actor_type == "person" and info.parent_actor_id
                    else speaker)
                continue
            s = self.ctx.sentence_index_at(t.idx)
            c = self._last_mention(known, t.idx, s - 2, lambda c: self._actor_info(c.actor_id).actor_type
                                   not in ("person", "civilians") and c.role_hint not in ("pronoun",))
            if c is not None:
                add(t, c.actor_id)
        return out

    # -- parents of discovered people -------------------------------------------------------------------

    def assign_parents(self, chosen: list[_Cand]) -> None:
        text = self.text
        roles = self.reg.words("role_nouns")
        titles = self.reg.words("titles")
        orgs = [c for c in chosen if self._is_org(c.actor_id)]
        for c in chosen:
            info = self.discovered.get(c.actor_id)
            if info is None or info.actor_type != "person" or info.parent_actor_id:
                continue
            parent = None
            sent = self.ctx.sentences[self.ctx.sentence_index_at(c.start)] if self.ctx.sentences else None
            sent_end = sent.char_end if sent else len(text)
            m = re.match(r"\s*,\s*", text[c.end:sent_end])
            if m:
                clause_start = c.end + m.end()
                nxt = re.search(r",\s+(?:who|which|said|says|told|added)\b|[;:!?\"“”]|,\s", text[clause_start:sent_end])
                clause_end = clause_start + nxt.start() if nxt else sent_end
                clause = text[clause_start:clause_end]
                head_words = [w.lower().strip(".,") for w in clause.split()[:6]]
                if any(w in roles for w in head_words):
                    for o in orgs:
                        if clause_start <= o.start < clause_end:
                            parent = o.actor_id
                            break
            if parent is None:
                # "<Org> spokesman <Person>", "<Nationality> Foreign Minister <Person>"
                before = text[max(0, c.start - 120):c.start]
                pos = len(before)
                while True:
                    m2 = re.search(r"([\w.'’-]+)\s+$", before[:pos])
                    if m2 and m2.group(1).lower() in titles | roles:
                        pos = m2.start()
                    else:
                        break
                if pos < len(before):
                    abs_end = c.start - (len(before) - pos)
                    prev_text = before[:pos].rstrip()
                    abs_prev_end = c.start - len(before) + len(prev_text)
                    for o in orgs:
                        if o.end == abs_prev_end and o.end <= abs_end:
                            parent = o.actor_id
                    if parent is None:
                        for adj, iso3 in self.reg.adj_iso3.items():
                            if prev_text.endswith(adj) and (len(prev_text) == len(adj) or not prev_text[-len(adj) - 1].isalnum()):
                                parent = self.reg.gov_by_iso3.get(iso3)
                                if parent:
                                    break
            if parent:
                self.discovered[c.actor_id] = replace(info, parent_actor_id=parent,
                                                      country_iso3=info.country_iso3 or self._country_of(parent))

    def _is_org(self, aid: str) -> bool:
        info = self.discovered.get(aid) or self.reg.actors.get(aid)
        return info is not None and info.actor_type not in ("person", "civilians")

    def _country_of(self, aid: str) -> str | None:
        info = self.discovered.get(aid) or self.reg.actors.get(aid)
        return info.country_iso3 if info else None


def _span_text(tok) -> str:
    """A proper noun with its compound words ("Saudi Arabia", "United States")."""
    doc = tok.doc
    i = tok.i
    while i > 0 and doc[i - 1].dep_ == "compound" and doc[i - 1].head.i == tok.i:
        i -= 1
    return doc[i:tok.i + 1].text


def _event_types(tok, nouns_only: bool = False) -> frozenset[str]:
    """Every event type a word may signal in the event lexicon (pipeline/extract/events/), whatever the
    conditions of its senses: verbs by their possible lemmas, nouns by their keys (only these with
    `nouns_only`)."""
    lex = load_event_lexicon()
    types: set[str] = set()
    if not nouns_only and (tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB")):
        for lemma in verb_lemmas(tok, lex):
            types.update(sense.event_type for sense in lex.verbs.get(lemma, ()))
    if tok.pos_ in ("NOUN", "PROPN") or tok.tag_ in ("NN", "NNS", "VBG"):
        for key in noun_keys(tok, lex):
            types.update(sense.event_type for sense in lex.nouns.get(key, ()))
    return frozenset(types)


def _overlap_any(a0: int, a1: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a0 < b1 and b0 < a1 for b0, b1 in spans)


def _is_nominal_head(tok) -> bool:
    """A noun that heads its own noun phrase: not a modifier of another noun ("police station", "military
    campaign", "rebel-held", "fighter and remotely piloted aircraft")."""
    if tok.dep_ in ("compound", "amod", "nmod", "npadvmod"):
        return False
    doc = tok.doc
    if tok.i + 1 < len(doc) and doc[tok.i + 1].text in "-‐‑" and not doc[tok.i].whitespace_:
        return False
    first = tok
    for _ in range(8):
        if first.dep_ == "conj" and first.head is not first:
            first = first.head
        else:
            break
    return first is tok or first.dep_ not in ("compound", "amod", "nmod", "npadvmod")


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Non-overlapping candidates: by priority, then longest, then leftmost."""
    chosen: list[_Cand] = []
    spans: list[tuple[int, int]] = []
    for c in sorted(cands, key=lambda c: (c.priority, -(c.end - c.start), c.start, c.actor_id)):
        if c.end <= c.start or _overlap_any(c.start, c.end, spans):
            continue
        chosen.append(c)
        spans.append((c.start, c.end))
    return sorted(chosen, key=lambda c: (c.start, c.end, c.actor_id))


def extract_actors(
    ctx: ArticleContext, registry: ActorRegistry | None = None
) -> tuple[list[ActorMention], dict[str, ActorInfo]]:
    """Actor mentions of one article, and every actor they (and their parents) refer to."""
    reg = registry or load_registry()
    text = ctx.text
    if not text or not text.strip():
        return [], {}
    gaz = load_gazetteer()
    ex = _Extraction(ctx, reg, gaz)
    cands = (ex.byline_candidates() + ex.registry_candidates() + ex.country_metonym_candidates()
             + ex.coordinated_nationality_candidates())
    first = _select(cands)
    taken = [(c.start, c.end) for c in first]
    ner = ex.ner_candidates(taken)
    chosen = _select(first + ner)
    ex.assign_parents(chosen)
    chosen = _select(chosen + ex.nominal_candidates(chosen))
    chosen = _select(chosen + ex.attacker_nationality_candidates([(c.start, c.end) for c in chosen]))
    chosen = _select(chosen + ex.pronoun_candidates(chosen))

    art = ctx.article.article_id
    mentions: list[ActorMention] = []
    seen_forms: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        quote = text[c.start:c.end]
        mentions.append(ActorMention(art, c.start, c.end, quote, c.actor_id, ctx.sentence_index_at(c.start),
                                     c.role_hint))
        if c.role_hint in ("nominal", "title", "pronoun"):  # "the group", "he": not names of the actor
            seen_forms.setdefault(c.actor_id, set())
        else:
            seen_forms[c.actor_id].add(re.sub(r"\s+", " ", quote))

    infos: dict[str, ActorInfo] = {}

    def info_of(aid: str) -> ActorInfo | None:
        return ex.discovered.get(aid) or reg.actors.get(aid)

    todo = sorted(seen_forms)
    while todo:
        aid = todo.pop()
        if aid in infos:
            continue
        info = info_of(aid)
        if info is None:
            continue
        aliases = set(info.aliases) | seen_forms.get(aid, set())
        aliases.discard(info.name)
        infos[aid] = replace(info, aliases=tuple(sorted(aliases)))
        if info.parent_actor_id and info.parent_actor_id not in infos:
            todo.append(info.parent_actor_id)
    return mentions, dict(sorted(infos.items()))
