"""The curated actor registry (`actors.yaml`, `nationalities.yaml`, `actor_cues.yaml`), validated and compiled."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Sequence

from pipeline.extract.actors.common import _inflections, _norm
from pipeline.extract.attribution import speech_verbs
from pipeline.extract.places import NAME_END, load_nationalities, name_pattern
from pipeline.extract.types import ActorInfo
from pipeline.lexicons import load as load_lexicon
from pipeline.records import enum



ACTOR_TYPES = frozenset(enum("actors", "actor_type"))


_ID_RE = re.compile(r"^[a-z0-9_]+$")


_QID_RE = re.compile(r"^Q[0-9]+$")


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
    b = _RegistryBuilder()
    # explicit actors first (their aliases take precedence over generated ones)
    for a in data.get("actors", ()):
        aid = b.add_actor(a["id"], a["name"], a["type"], a.get("country"), a.get("parent"),
                          a.get("aliases") or (), a.get("wikidata"))
        for al in a.get("aliases") or ():
            b.add_alias(al, "alias", aid)
    for st in data.get("states", ()):
        b.add_state(st, nat.get(st["iso3"], {}), cues)
    # leaders' possessives: "Assad's troops", "Putin's government" (the name stays a mention of the person)
    for a in data.get("actors", ()):
        b.add_possessives(a, cues["leader_force_nouns"])
    # focus-country cues
    for role, phrases in (cues.get("focus_cues") or {}).items():
        for ph in phrases:
            b.add_alias(ph, "focus", role)
    b.link_parents()
    adj_iso3 = {adj: iso3 for iso3, v in nat.items() for adj in v["adj"]}
    return ActorRegistry(dict(sorted(b.actors.items())), b.targets, _alias_patterns(data, cues, nat),
                         dict(b.focus_roles), b.gov_by_iso3, cues, adj_iso3, b.possessive_person)


class _RegistryBuilder:
    """The registry's actors and alias targets as load_registry adds them (the first definition of an alias wins)."""

    def __init__(self):
        self.actors: dict[str, ActorInfo] = {}
        self.targets: dict[str, tuple[str, str]] = {}
        self.focus_roles: dict[str, dict[str, str]] = defaultdict(dict)
        self.gov_by_iso3: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        self.possessive_person: dict[str, str] = {}

    def add_actor(self, rid: str, name: str, typ: str, country: str | None, parent: str | None,
                  aliases: Sequence[str], qid: str | None = None) -> str:
        if not _ID_RE.match(rid):
            raise ValueError(f"actors.yaml: bad id {rid!r}")
        if typ not in ACTOR_TYPES:
            raise ValueError(f"actors.yaml: {rid}: bad type {typ!r}")
        if qid is not None and not _QID_RE.match(str(qid)):
            raise ValueError(f"actors.yaml: {rid}: bad wikidata id {qid!r}")
        aid = f"act_{rid}"
        if aid in self.actors:
            raise ValueError(f"actors.yaml: duplicate id {rid!r}")
        self.actors[aid] = ActorInfo(aid, name, typ, country, None, tuple(sorted(set(aliases))), qid, True)
        if parent:
            self.parents[aid] = f"act_{parent}"
        return aid

    def add_alias(self, alias: str, kind: str, target: str) -> None:
        for v in _variants(alias):
            key = _norm(v)
            if key and key not in self.targets:  # first definition wins: explicit entries come first
                self.targets[key] = (kind, target)

    def add_state(self, st: dict, nat: dict, cues: dict) -> None:
        """A state's government, armed forces, two ministries, civilians and (when listed) rebels."""
        iso3, country = st["iso3"], st["country"]
        rid = iso3.lower()
        adjs, plurals = nat.get("adj", []), nat.get("plural", [])

        def adj_nouns(nouns) -> list[str]:
            return [f"{adj} {n}" for adj in adjs for n in nouns]

        gov_al = list(st.get("government") or ())
        gov = self.add_actor(f"{rid}_gov", f"Government of {country}", "government", iso3, None, gov_al)
        self.gov_by_iso3[iso3] = gov
        self.focus_roles[iso3]["government"] = gov
        for al in gov_al + adj_nouns(cues["government_nouns"]) + [f"government of {country}"]:
            self.add_alias(al, "alias", gov)
        for m in st.get("metonyms") or ():
            self.add_alias(m, "metonym", gov)
        mil = st.get("military") or {}
        mil_al = list(mil.get("aliases") or ())
        mil_id = self.add_actor(f"{rid}_military", mil.get("name") or f"Armed forces of {country}", "military", iso3,
                                f"{rid}_gov", mil_al)
        self.focus_roles[iso3]["military"] = mil_id
        for al in mil_al + adj_nouns(cues["force_nouns"]):
            self.add_alias(al, "alias", mil_id)
        mod_al = list(st.get("mod") or ())
        mod = self.add_actor(f"{rid}_mod", f"Ministry of Defence ({country})", "government", iso3, f"{rid}_gov", mod_al)
        for al in mod_al + adj_nouns(("Defense Ministry", "Defence Ministry", "Ministry of Defense", "Ministry of Defence")):
            self.add_alias(al, "alias", mod)
        mfa_al = list(st.get("mfa") or ())
        mfa = self.add_actor(f"{rid}_mfa", f"Ministry of Foreign Affairs ({country})", "government", iso3,
                             f"{rid}_gov", mfa_al)
        for al in mfa_al + adj_nouns(("Foreign Ministry", "Ministry of Foreign Affairs", "Foreign Affairs Ministry")):
            self.add_alias(al, "alias", mfa)
        civ = self.add_actor(f"{rid}_civilians", f"{adjs[0] if adjs else country} civilians", "civilians", iso3, None, ())
        self.focus_roles[iso3]["civilians"] = civ
        for al in adj_nouns(cues["civilian_nouns"]) + plurals:
            self.add_alias(al, "alias", civ)
        if st.get("rebels"):
            reb = self.add_actor(f"{rid}_rebels", f"Armed opposition ({country})", "rebel_group", iso3, None, ())
            self.focus_roles[iso3]["rebels"] = reb
            for al in adj_nouns(cues["rebel_nouns"]):
                self.add_alias(al, "alias", reb)

    def add_possessives(self, a: dict, leader_force_nouns) -> None:
        """"<leader>'s government/regime/administration" and "<leader>'s <forces>" for a head of state or of forces."""
        aid = f"act_{a['id']}"
        names = [al for al in a.get("aliases") or () if al[:1].isupper()]
        if a.get("head_of"):
            iso3 = a["head_of"]
            for al in names:
                for n in ("government", "regime", "administration"):
                    self._possessive(f"{al}'s {n}", f"act_{iso3.lower()}_gov", aid)
                for n in leader_force_nouns:
                    self._possessive(f"{al}'s {n}", f"act_{iso3.lower()}_military", aid)
        if a.get("forces_of"):
            for al in names:
                for n in leader_force_nouns:
                    self._possessive(f"{al}'s {n}", f"act_{a['forces_of']}", aid)

    def _possessive(self, phrase: str, target: str, person: str) -> None:
        self.add_alias(phrase, "alias", target)
        self.possessive_person.setdefault(_norm(phrase), person)

    def link_parents(self) -> None:
        """Parents and alias targets validated once every id exists."""
        for aid, pid in self.parents.items():
            if pid not in self.actors:
                raise ValueError(f"actors.yaml: {aid} has unknown parent {pid}")
            self.actors[aid] = replace(self.actors[aid], parent_actor_id=pid)
        for kind, target in self.targets.values():
            if kind == "alias" and target not in self.actors:
                raise ValueError(f"actors.yaml: alias target {target} unknown")


def _alias_patterns(data: dict, cues: dict, nat: dict) -> dict[str, re.Pattern]:
    """One alternation per first character (case-sensitive), longest alias first."""
    by_first: dict[str, list[str]] = defaultdict(list)
    for key_alias in _all_alias_strings(data, cues, nat):
        first = key_alias[0]
        by_first[first].append(key_alias)
        if key_alias[:4].lower() == "the ":
            by_first["T" if first == "t" else "t"].append(key_alias)
    return {
        ch: re.compile(
            "(?:" + "|".join(name_pattern(a) for a in sorted(set(al), key=lambda a: (-len(a), a))) + ")" + NAME_END
        )
        for ch, al in by_first.items()
    }


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
