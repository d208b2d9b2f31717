"""Actor extraction and resolution against the curated registry (pipeline/lexicons/actors.yaml).

Sources of mentions, in priority order (a later source never takes characters an earlier one took; within a
source the longest match wins):

1. Registry names: every alias of the registry, including the aliases generated from the `states` blocks
   ("Syrian forces" -> Syria's military, "Turkish Defense Ministry" -> Turkey's defence ministry, "Syrians" ->
   Syrian civilians, "Assad's troops" -> Syria's military, "UN ..." also as "U.N. ..."/"United Nations ...").
   Matching: first letter with its case, rest case-insensitive, all-capital words exactly (see
   `pipeline.extract.places.name_pattern`); a name glued to a lower-case word by a hyphen ("US-backed") is
   not a mention.
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
from pathlib import Path
from typing import Iterable, Sequence

import yaml

from pipeline.extract.context import ArticleContext
from pipeline.extract.places import (
    Gazetteer,
    _RIGHT,
    focus_countries,
    focus_set,
    fold,
    load_gazetteer,
    load_nationalities,
    name_pattern,
)
from pipeline.extract.types import ActorInfo, ActorMention
from pipeline.ids import discovered_actor_id

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
ACTOR_TYPES = frozenset(
    "government military rebel_group political_party ngo igo media civilians person other".split()
)
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
                 "flee": {"fled"}, "set": {"set"}, "sell": {"sold"}}
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
    _verb_sets: dict[str, frozenset[str]] = field(default_factory=dict)

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
        return frozenset(w.lower() for w in self.cues.get(key, ()))


def _variants(alias: str) -> list[str]:
    out = [alias]
    for short, longs in (("UN ", ("U.N. ", "United Nations ")), ("US ", ("U.S. ",))):
        if alias.startswith(short):
            out += [lg + alias[len(short):] for lg in longs]
    return out


@functools.lru_cache(maxsize=1)
def load_registry() -> ActorRegistry:
    """The registry from lexicons/actors.yaml (+ nationalities.yaml, actor_cues.yaml), validated and compiled."""
    with open(LEXICON_DIR / "actors.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    with open(LEXICON_DIR / "actor_cues.yaml", encoding="utf-8") as fh:
        cues = yaml.safe_load(fh)
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
        for al in [f"{adj} {n}" for adj in adjs for n in civ_nouns] + plurals:
            add_alias(al, "alias", civ)
        if st.get("rebels"):
            reb = add_actor(f"{rid}_rebels", f"Armed opposition ({country})", "rebel_group", iso3, None, ())
            focus_roles[iso3]["rebels"] = reb
            for al in [f"{adj} {n}" for adj in adjs for n in rebel_nouns]:
                add_alias(al, "alias", reb)

    # leaders' possessives: "Assad's troops", "Putin's government"
    for a in data.get("actors", ()):
        aid = f"act_{a['id']}"
        names = [al for al in a.get("aliases") or () if al[:1].isupper()]
        if a.get("head_of"):
            iso3 = a["head_of"]
            for al in names:
                for n in ("government", "regime", "administration"):
                    add_alias(f"{al}'s {n}", "alias", f"act_{iso3.lower()}_gov")
                for n in cues["leader_force_nouns"]:
                    add_alias(f"{al}'s {n}", "alias", f"act_{iso3.lower()}_military")
        if a.get("forces_of"):
            for al in names:
                for n in cues["leader_force_nouns"]:
                    add_alias(f"{al}'s {n}", "alias", f"act_{a['forces_of']}")

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
            "(?:" + "|".join(name_pattern(a) for a in sorted(set(al), key=lambda a: (-len(a), a))) + ")" + _RIGHT
        )
        for ch, al in by_first.items()
    }
    adj_iso3 = {adj: iso3 for iso3, v in nat.items() for adj in v["adj"]}
    return ActorRegistry(dict(sorted(actors.items())), targets, patterns, dict(focus_roles), gov_by_iso3, cues,
                         adj_iso3)


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


class _Extraction:
    def __init__(self, ctx: ArticleContext, reg: ActorRegistry, gaz: Gazetteer) -> None:
        self.ctx = ctx
        self.text = ctx.text
        self.reg = reg
        self.gaz = gaz
        ranked = focus_countries(ctx, gaz)
        self.focus_ranked = [iso3 for iso3, _ in ranked]
        self.focus = focus_set(ranked)
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
        if dep == "dobj":
            return head.lower_ in reg.verbs("actor_object_verbs")
        if dep == "pobj":
            prep = head
            if prep.dep_ == "agent":
                return True
            ph = prep.head
            if prep.lower_ == "by" and ph.tag_ == "VBN":
                return True
            if prep.lower_ in reg.words("actor_prepositions"):
                if ph.lower_ in geo or ph.lower_ in reg.verbs("motion_verbs"):
                    return False
                return ph is not prep
            if prep.lower_ in ("of", "to", "with") and ph.pos_ == "ADJ":
                return True
        return False

    # -- sources ---------------------------------------------------------------------------------------

    def registry_candidates(self) -> list[_Cand]:
        text = self.text
        out: list[_Cand] = []
        for wm in _WORD_START.finditer(text):
            pos = wm.start()
            pat = self.reg.patterns.get(text[pos])
            if pat is None:
                continue
            m = pat.match(text, pos)
            if not m:
                continue
            kind, target = self.reg.targets.get(_norm(m.group(0)), (None, None))
            if kind is None:
                continue
            start, end = _strip_span(text, m.start(), m.end())
            if kind == "alias":
                info = self.reg.actors[target]
                hint = "person" if info.actor_type == "person" else (
                    "nationality" if target.endswith(_STATE_SUFFIXES) and any(
                        text[start:end] == a or text[start:end].startswith(a + " ") or text[start:end] == a + "s"
                        for a in self.reg.adj_iso3) or info.actor_type == "civilians" else "org")
                out.append(_Cand(start, end, target, 0, hint))
            elif kind == "focus":
                aid = self.focus_actor(target)
                if aid:
                    out.append(_Cand(start, end, aid, 1, "focus"))
            elif kind == "metonym":
                if _overlap_any(start, end, self.person_ner):
                    continue
                if self.is_actor_use(start, end):
                    out.append(_Cand(start, end, target, 1, "metonym"))
        return out

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
            if len(words) == 1 and fold(name) in persons_by_last:
                out.append(_Cand(start, end, persons_by_last[fold(name)], 2, "person"))
                taken.append((start, end))
                continue
            if self.gaz.is_probable_place(name, self.focus):
                continue
            if ent.label_ == "PERSON":
                if len(words) == 1 and name.lower() in titles:
                    continue
                aid = self.discover(name, "person")
                if len(words) > 1:
                    persons_by_last.setdefault(fold(words[-1]), aid)
                out.append(_Cand(start, end, aid, 2, "person"))
            else:
                typ, country, parent = self._org_type(name)
                aid = self.discover(name, typ, country, parent)
                out.append(_Cand(start, end, aid, 2, "org"))
            taken.append((start, end))
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


def _overlap_any(a0: int, a1: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a0 < b1 and b0 < a1 for b0, b1 in spans)


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
    cands = ex.registry_candidates() + ex.country_metonym_candidates()
    first = _select(cands)
    taken = [(c.start, c.end) for c in first]
    ner = ex.ner_candidates(taken)
    chosen = _select(first + ner)
    ex.assign_parents(chosen)

    art = ctx.article.article_id
    mentions: list[ActorMention] = []
    seen_forms: dict[str, set[str]] = defaultdict(set)
    for c in chosen:
        quote = text[c.start:c.end]
        mentions.append(ActorMention(art, c.start, c.end, quote, c.actor_id, ctx.sentence_index_at(c.start),
                                     c.role_hint))
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
