"""Event extraction: who did what to whom, where and when, from the dependency parse.

For every sentence the extractor

1. finds triggers: verbs, nouns and adjectives of the event lexicon (``pipeline/lexicons/event_verbs.yaml``),
   matched on the surface form through a small morphology of its own (the spaCy pipeline runs without a
   lemmatizer), each sense possibly conditioned on a particle ("take back"), a preposition ("advance into"),
   the object ("strike a deal" vs "strike a town") or a clausal complement ("force ... to leave");
2. reads the arguments off the parse: actor1 is the subject side (nsubj; the agent "by X" of a passive; the
   possessor, "by X" or nationality modifier of a nominal trigger; the subject inherited through xcomp, conj,
   advcl, or from the light verb of a nominal trigger: "launched an offensive"), actor2 the object side (dobj,
   "against/on/with/from X", the subject of a demanded clause), assoc_actor_ids the other actors taking part
   (conjuncts, "alongside X", "backed by X"); tokens are mapped to actors through the actor mentions whose
   span covers them, pronouns through a few structural rules (relative pronouns, a pronoun in a reported
   clause stands for the speaker, else the nearest compatible actor before it).
   Statements of intent are events of their own, typed by the act they announce (CAMEO's convention): "vowed /
   pledged / offered to <cooperative act>" and "said it would <cooperative act>" -> AGREE (CAMEO 03), "said it
   would not <cooperative act>" -> REJECT (12), "threatened / vowed to <hostile act>" -> THREATEN (13); they take
   the target of the announced act, which is coded too, flagged future/hypothetical (senses with `comp_type`,
   `control`, `comp_modal`, `comp_negated` in the verb lexicon). An undergoer frame ("X faces pressure from Y",
   "came under attack by Y") makes the "from/by" phrase actor1 and the subject actor2. One act told twice is
   one event: a purpose clause of the same type ("met ... to discuss"), a participle of a nominal trigger of the
   same type ("an attack targeting X", which gives the noun its target), and a non-violent noun that a verb's
   sense takes as its theme ("lifted the sanctions"). An act of violence that happened in or through a nominal
   attack takes that attack's doer ("killed in an air strike by X"; "X claimed responsibility for a bombing
   that killed ...");
3. attaches a place (a place mention in the trigger's clause, else the nearest in the sentence) and a date
   (a date mention in the clause; never the publication date by default);
4. flags context (negated, hypothetical, future, historical, claimed) from cues in
   ``pipeline/lexicons/event_context.yaml``;
5. maps the PLOVER type and mode to a CAMEO root and an ACLED event type through the published crosswalk
   ``pipeline/lexicons/event_crosswalk.csv``.

``cluster_events`` then gives the same cluster id to reports of one real-world event across articles.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

from pipeline.extract.context import ArticleContext
from pipeline.extract.types import ActorInfo, ActorMention, DateMention, Event, PlaceMention
from pipeline.ids import short_hash, span_id

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
VERBS_FILE = LEXICON_DIR / "event_verbs.yaml"
CONTEXT_FILE = LEXICON_DIR / "event_context.yaml"
CROSSWALK_FILE = LEXICON_DIR / "event_crosswalk.csv"

EVENT_TYPES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST", "ACCUSE", "REJECT",
    "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT", "DISPLACEMENT",
)
CONTEXT_FLAGS = ("negated", "hypothetical", "future", "historical", "claimed")

# Confidence adjustments (subtracted from the sense's base confidence).
PENALTY = {
    "no_actor1": 0.2,
    "no_target": 0.05,
    "pronoun": 0.05,
    "negated": 0.15,
    "hypothetical": 0.1,
    "future": 0.1,
    "historical": 0.05,
    "claimed": 0.1,
}
MAX_QUOTE_CHARS = 400

_SUBJ_DEPS = ("nsubj", "nsubjpass", "csubj", "csubjpass")
_OBJ_DEPS = ("dobj", "dative", "attr", "oprd")
_CLAUSE_BOUNDARY_DEPS = ("ccomp", "parataxis", "relcl", "advcl", "csubj")
_NAME_ENTITY_TYPES = ("ORG", "GPE", "FAC", "PERSON", "LOC", "WORK_OF_ART", "LAW", "PRODUCT")


# ----------------------------------------------------------------------------------------------- lexicon


@dataclass(frozen=True)
class Sense:
    """One reading of a trigger word: the event it signals and when it applies."""

    event_type: str
    mode: str | None = None
    confidence: float | None = None
    prt: frozenset[str] = frozenset()
    prep: frozenset[str] = frozenset()
    theme: frozenset[str] = frozenset()
    comp: frozenset[str] = frozenset()
    clausal: bool = False
    undergoer_subject: str | None = None  # "always" | "intransitive"
    needs: str | None = None
    comp_type: frozenset[str] = frozenset()  # the clausal complement is itself a trigger of one of these types
    control: str | None = None  # "subject": the complement's doer is the subject; "object": someone else;
    # "speaker": the complement has no subject of its own or a personal pronoun standing for the subject
    # ("Israel said it would free ...")
    comp_modal: frozenset[str] = frozenset()  # the clausal complement carries one of these modals ("would")
    comp_negated: bool | None = None  # the clausal complement is (True) / is not (False) negated
    counted: bool = False  # (nouns) only with a number or a quantity: "thousands of displaced persons"


@dataclass(frozen=True)
class EventLexicon:
    verbs: dict[str, tuple[Sense, ...]]
    verb_forms: dict[str, frozenset[str]]  # irregular inflected form -> lemmas
    nouns: dict[str, tuple[Sense, ...]]
    noun_forms: dict[str, frozenset[str]]  # irregular plural -> keys
    adjectives: dict[str, tuple[Sense, ...]]
    verb_confidence: float
    noun_confidence: float
    adjective_confidence: float
    negation: frozenset[str]
    hypothetical_modals: frozenset[str]
    future_modals: frozenset[str]
    conditional_marks: frozenset[str]
    future_governors: frozenset[str]
    hypothetical_governors: frozenset[str]
    speech_verbs: frozenset[str]
    claim_verbs: frozenset[str]
    attribution_preps: frozenset[str]
    light_verbs: frozenset[str]
    compound_heads_ok: frozenset[str]
    agentive_heads: frozenset[str]
    object_preps: frozenset[str]
    assoc_preps: frozenset[str]
    symmetric_types: frozenset[str]
    relative_pronouns: frozenset[str]
    pronouns: dict[str, frozenset[str]]
    negating_governors: frozenset[str]
    quantity_heads: frozenset[str]
    directional_preps: frozenset[str]
    plural_anaphors: frozenset[str]
    irregular_forms: dict[str, str]
    accusing_speech_verbs: frozenset[str]
    accusable_types: frozenset[str]
    non_accusing_actor_types: frozenset[str]
    same_side_actor_types: frozenset[str]
    accusation_confidence: float
    means_preps: frozenset[str]
    dateline_separators: tuple[str, ...]
    settlement_nouns: frozenset[str]
    engaging_verbs: frozenset[str] = frozenset()
    undergoer_light_verbs: frozenset[str] = frozenset()
    undergoer_preps: dict[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    doer_preps: frozenset[str] = frozenset()
    object_control_preps: frozenset[str] = frozenset()
    cause_preps: frozenset[str] = frozenset()
    responsibility_nouns: frozenset[str] = frozenset()
    responsibility_verbs: frozenset[str] = frozenset()
    statement_types: frozenset[str] = frozenset()
    opposing_prefixes: frozenset[str] = frozenset()
    result_modes: frozenset[str] = frozenset()
    noun_restating_preps: frozenset[str] = frozenset()
    occurrence_verbs: frozenset[str] = frozenset()
    demonstratives: frozenset[str] = frozenset()


def _words(values: Iterable[object] | None) -> frozenset[str]:
    out = set()
    for v in values or ():
        if isinstance(v, bool):  # YAML 1.1 reads unquoted on/off/yes/no as booleans
            raise ValueError(f"event lexicon: quote the word read as boolean {v!r}")
        w = str(v).strip().lower()
        if w:
            out.add(w)
    return frozenset(out)


def _parse_senses(entry: object, where: str) -> tuple[tuple[Sense, ...], tuple[str, ...]]:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: expected a mapping, got {entry!r}")
    forms = tuple(str(f).lower() for f in entry.get("forms", ()))
    raw = entry.get("senses")
    if raw is None:
        raw = [{k: v for k, v in entry.items() if k != "forms"}]
    senses = []
    for s in raw:
        etype = str(s.get("type", "")).upper()
        if etype not in EVENT_TYPES:
            raise ValueError(f"{where}: unknown event type {etype!r}")
        unknown = {str(t).upper() for t in s.get("comp_type") or ()} - set(EVENT_TYPES)
        if unknown:
            raise ValueError(f"{where}: unknown comp_type {sorted(unknown)}")
        if s.get("control") not in (None, "subject", "object", "speaker"):
            raise ValueError(f"{where}: control must be subject, object or speaker, got {s.get('control')!r}")
        if s.get("comp_negated") not in (None, True, False):
            raise ValueError(f"{where}: comp_negated must be true or false, got {s.get('comp_negated')!r}")
        senses.append(
            Sense(
                event_type=etype,
                mode=(str(s["mode"]) if s.get("mode") else None),
                confidence=(float(s["confidence"]) if s.get("confidence") is not None else None),
                prt=_words(s.get("prt")),
                prep=_words(s.get("prep")),
                theme=_words(s.get("theme")),
                comp=_words(s.get("comp")),
                clausal=bool(s.get("clausal", False)),
                undergoer_subject=s.get("undergoer_subject"),
                needs=s.get("needs"),
                comp_type=frozenset(str(t).upper() for t in s.get("comp_type") or ()),
                control=(str(s["control"]) if s.get("control") else None),
                comp_modal=_words(s.get("comp_modal")),
                comp_negated=s.get("comp_negated"),
                counted=bool(s.get("counted", False)),
            )
        )
    return tuple(senses), forms


@functools.lru_cache(maxsize=1)
def load_event_lexicon() -> EventLexicon:
    """The trigger lexicon and context cues, read once from ``pipeline/lexicons``."""
    data = yaml.safe_load(VERBS_FILE.read_text(encoding="utf-8"))
    cues = yaml.safe_load(CONTEXT_FILE.read_text(encoding="utf-8"))
    defaults = data.get("defaults", {})

    verbs: dict[str, tuple[Sense, ...]] = {}
    verb_forms: dict[str, set[str]] = {}
    for lemma, entry in (data.get("verbs") or {}).items():
        lemma = str(lemma).lower()
        senses, forms = _parse_senses(entry, f"verbs.{lemma}")
        verbs[lemma] = senses
        for f in forms:
            verb_forms.setdefault(f, set()).add(lemma)

    nouns: dict[str, tuple[Sense, ...]] = {}
    noun_forms: dict[str, set[str]] = {}
    for key, entry in (data.get("nouns") or {}).items():
        key = str(key).lower()
        senses, forms = _parse_senses(entry, f"nouns.{key}")
        nouns[key] = senses
        for f in forms:
            noun_forms.setdefault(f, set()).add(key)

    adjectives = {
        str(k).lower(): _parse_senses(v, f"adjectives.{k}")[0] for k, v in (data.get("adjectives") or {}).items()
    }
    return EventLexicon(
        verbs=verbs,
        verb_forms={k: frozenset(v) for k, v in verb_forms.items()},
        nouns=nouns,
        noun_forms={k: frozenset(v) for k, v in noun_forms.items()},
        adjectives=adjectives,
        verb_confidence=float(defaults.get("verb_confidence", 0.8)),
        noun_confidence=float(defaults.get("noun_confidence", 0.65)),
        adjective_confidence=float(defaults.get("adjective_confidence", 0.6)),
        negation=_words(cues.get("negation")),
        hypothetical_modals=_words(cues.get("hypothetical_modals")),
        future_modals=_words(cues.get("future_modals")),
        conditional_marks=_words(cues.get("conditional_marks")),
        future_governors=_words(cues.get("future_governors")),
        hypothetical_governors=_words(cues.get("hypothetical_governors")),
        speech_verbs=_words(cues.get("speech_verbs")),
        claim_verbs=_words(cues.get("claim_verbs")),
        attribution_preps=_words(cues.get("attribution_preps")),
        light_verbs=_words(cues.get("light_verbs")),
        compound_heads_ok=_words(cues.get("compound_heads_ok")),
        agentive_heads=_words(cues.get("agentive_heads")),
        object_preps=_words(cues.get("object_preps")),
        assoc_preps=_words(cues.get("assoc_preps")),
        symmetric_types=frozenset(str(t).upper() for t in cues.get("symmetric_types") or ()),
        relative_pronouns=_words(cues.get("relative_pronouns")),
        pronouns={str(k).lower(): _words(v) for k, v in (cues.get("pronouns") or {}).items()},
        negating_governors=_words(cues.get("negating_governors")),
        quantity_heads=_words(cues.get("quantity_heads")),
        directional_preps=_words(cues.get("directional_preps")),
        plural_anaphors=_words(cues.get("plural_anaphors")),
        irregular_forms={str(k).lower(): str(v).lower() for k, v in (cues.get("irregular_forms") or {}).items()},
        accusing_speech_verbs=_words(cues.get("accusing_speech_verbs")),
        accusable_types=frozenset(str(t).upper() for t in cues.get("accusable_types") or ()),
        non_accusing_actor_types=_words(cues.get("non_accusing_actor_types")),
        same_side_actor_types=_words(cues.get("same_side_actor_types")),
        accusation_confidence=float(cues.get("accusation_confidence", 0.55)),
        means_preps=_words(cues.get("means_preps")),
        dateline_separators=tuple(str(x) for x in cues.get("dateline_separators") or ()),
        settlement_nouns=_words(cues.get("settlement_nouns")),
        engaging_verbs=_words(cues.get("engaging_verbs")),
        undergoer_light_verbs=_words(cues.get("undergoer_light_verbs")),
        undergoer_preps={str(k).lower(): _words(v) for k, v in (cues.get("undergoer_preps") or {}).items()},
        doer_preps=_words(cues.get("doer_preps")),
        object_control_preps=_words(cues.get("object_control_preps")),
        cause_preps=_words(cues.get("cause_preps")),
        responsibility_nouns=_words(cues.get("responsibility_nouns")),
        responsibility_verbs=_words(cues.get("responsibility_verbs")),
        statement_types=frozenset(str(t).upper() for t in cues.get("statement_types") or ()),
        opposing_prefixes=_words(cues.get("opposing_prefixes")),
        result_modes=_words(cues.get("result_modes")),
        noun_restating_preps=_words(cues.get("noun_restating_preps")),
        occurrence_verbs=_words(cues.get("occurrence_verbs")),
        demonstratives=_words(cues.get("demonstratives")),
    )


@functools.lru_cache(maxsize=1)
def _crosswalk_rows() -> tuple[dict[str, str], ...]:
    with CROSSWALK_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple(dict(row) for row in csv.DictReader(fh))


def load_crosswalk() -> list[dict]:
    """Rows of ``event_crosswalk.csv`` (event_type, mode, cameo_root, cameo_root_label, acled_event_type,
    acled_sub_event_type, penta_class, notes), all values strings, "" for none."""
    return [dict(r) for r in _crosswalk_rows()]


@functools.lru_cache(maxsize=1)
def _crosswalk_index() -> dict[tuple[str, str], dict[str, str]]:
    return {(r["event_type"], r["mode"] or ""): r for r in _crosswalk_rows()}


def crosswalk_row(event_type: str, mode: str | None) -> dict[str, str] | None:
    """The crosswalk row for a type and mode, falling back to the type's mode-less row."""
    index = _crosswalk_index()
    return index.get((event_type, mode or "")) or index.get((event_type, ""))


# -------------------------------------------------------------------------------------------- morphology


def verb_lemma_candidates(form: str) -> set[str]:
    """Possible base forms of an English verb form (regular inflection only; over-generates on purpose)."""
    w = form.lower()
    out = {w}
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    if w.endswith("es"):
        out.add(w[:-2])
    if w.endswith("s"):
        out.add(w[:-1])
    if w.endswith("ied"):
        out.add(w[:-3] + "y")
    if w.endswith("ed"):
        base = w[:-2]
        out.update({base, w[:-1]})
        if len(base) > 2 and base[-1] == base[-2]:
            out.add(base[:-1])
    if w.endswith("ing"):
        base = w[:-3]
        out.update({base, base + "e"})
        if len(base) > 2 and base[-1] == base[-2]:
            out.add(base[:-1])
        if base.endswith("y"):
            out.add(base[:-1] + "ie")
    return out


def noun_singular_candidates(form: str) -> set[str]:
    w = form.lower()
    out = {w}
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    if w.endswith("es"):
        out.add(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        out.add(w[:-1])
    return out


def _verb_lemmas(tok, lex: EventLexicon) -> set[str]:
    w = tok.lower_
    lemmas = {c for c in verb_lemma_candidates(w) if c in lex.verbs}
    lemmas |= set(lex.verb_forms.get(w, ()))
    return lemmas


def _any_lemmas(tok, lex: EventLexicon) -> set[str]:
    """All base-form readings of a token (for cue lists), lexicon or not."""
    w = tok.lower_
    out = verb_lemma_candidates(w) | set(lex.verb_forms.get(w, ()))
    if w in lex.irregular_forms:
        out.add(lex.irregular_forms[w])
    return out


_HYPHENS = ("-", "‐", "‑")
_LIST_GAP_RE = re.compile(r"\s*(?:,|(?:,\s*)?(?:and|or))\s*")  # between two items of a list: ", ", " and ", ", or "


def _noun_keys(tok, lex: EventLexicon) -> list[str]:
    """Keys a noun can match, longest first: the phrases it forms with up to three modifier tokens directly
    before it ("air strikes" -> "air strike", "cease-fire", "de-escalation agreement"), then its singular forms."""
    doc = tok.doc
    last = sorted(noun_singular_candidates(tok.lower_) | set(lex.noun_forms.get(tok.lower_, ())))
    keys: list[str] = []
    for j in range(max(tok.left_edge.i, tok.i - 3), tok.i):
        toks = doc[j : tok.i]
        if toks[0].text in _HYPHENS or any(t.is_space or (t.is_punct and t.text not in _HYPHENS) for t in toks):
            continue
        # the text from toks[0] up to tok (tokens with their trailing whitespace); not doc.text, which rebuilds
        # the whole document's text on every call (quadratic on long articles)
        between = "".join(t.text_with_ws for t in toks)
        prefix = re.sub(r"\s*([-‐‑])\s*", "-", " ".join(between.lower().split()))
        sep = "" if prefix.endswith("-") else " "
        keys.extend(f"{prefix}{sep}{s}" for s in last)
    keys.extend(sorted(last, key=lambda s: (-len(s), s)))
    return keys


# ------------------------------------------------------------------------------------------ mention index


class _Mentions:
    """Character-span lookup of actor, place and date mentions."""

    def __init__(self, actors: list[ActorMention], places: list[PlaceMention], dates: list[DateMention]):
        self.actors = sorted(actors, key=lambda m: (m.char_start, m.char_end, m.actor_id))
        self.places = sorted(places, key=lambda m: (m.char_start, m.char_end, m.place_id))
        self.dates = sorted(dates, key=lambda m: (m.char_start, m.char_end))

    @staticmethod
    def _covering(mentions: list, start: int, end: int):
        best = None
        for m in mentions:
            if m.char_start > start:
                break
            if m.char_start <= start and end <= m.char_end:
                if best is None or (m.char_end - m.char_start) > (best.char_end - best.char_start):
                    best = m
        return best

    def actor_at(self, tok) -> ActorMention | None:
        return self._covering(self.actors, tok.idx, tok.idx + len(tok.text))

    def place_at(self, tok) -> PlaceMention | None:
        return self._covering(self.places, tok.idx, tok.idx + len(tok.text))

    def date_at(self, tok) -> DateMention | None:
        return self._covering(self.dates, tok.idx, tok.idx + len(tok.text))


# ----------------------------------------------------------------------------------------- small records


@dataclass(frozen=True)
class _Arg:
    """An actor filling a role, with the words in this sentence that name it."""

    actor_id: str
    start: int
    end: int
    token_i: int
    via_pronoun: bool = False
    remote: bool = False  # known through another event's words ("killed in an air strike by X"): not quoted


@dataclass
class _Trigger:
    token: object  # spacy Token
    sense: Sense
    kind: str  # verb | noun | adj
    tokens: tuple  # all tokens that make up the trigger words (prefix, particle, compound)
    theme: object | None = None  # the token that satisfied a theme condition


@dataclass
class _Sent:
    index: int
    start: int
    end: int
    tokens: list  # spaCy tokens of the sentence

    def has(self, tok) -> bool:
        return self.start <= tok.idx < self.end


@dataclass
class _Frame:
    actor1: list[_Arg]
    actor2: list[_Arg]
    assoc: list[_Arg]
    anchor: object  # token whose clause carries modality
    search_roots: list  # tokens whose subtrees hold the event's place/date
    phrase_ends: list[int]  # right edges of argument phrases, for the quote
    phrase_starts: list[int] = dataclasses.field(default_factory=list)  # left edges of non-actor arguments
    flags: tuple[str, ...] = ()  # context flags the frame itself implies ("claimed responsibility for")


# ------------------------------------------------------------------------------------------- extraction


class _ArticleExtractor:
    def __init__(
        self,
        ctx: ArticleContext,
        actor_mentions: list[ActorMention],
        place_mentions: list[PlaceMention],
        date_mentions: list[DateMention],
        actors: dict[str, ActorInfo],
    ):
        self.ctx = ctx
        self.doc = ctx.doc
        self.text = ctx.text
        self.article = ctx.article
        self.lex = load_event_lexicon()
        self.m = _Mentions(actor_mentions, place_mentions, date_mentions)
        self.actors = actors

    # ---------------------------------------------------------------- triggers

    def _sense_for_verb(self, tok, lemmas: set[str]) -> tuple[Sense, object | None] | None:
        for lemma in sorted(lemmas):
            for sense in self.lex.verbs[lemma]:
                ok, theme = self._conditions_hold(tok, sense)
                if ok:
                    return sense, theme
        return None

    def _conditions_hold(self, tok, sense: Sense) -> tuple[bool, object | None]:
        children = list(tok.children)
        if sense.needs == "object" and not any(c.dep_ in ("dobj", "dative", "nsubjpass") for c in children):
            return False, None  # "assisted the army", not "assisted in planning"
        if sense.needs == "actor_object":
            # "helped Iran"; not "helped (to) plan the attack" or "it helps the community"
            objs = [c for c in children if c.dep_ in ("dobj", "dative", "nsubjpass")]
            if not any(self.m.actor_at(c) is not None and (c.pos_ != "PRON" or c.lower_ in self.lex.pronouns)
                       for c in objs):
                return False, None
        if sense.prt:
            found = any(c.lower_ in sense.prt and c.dep_ in ("prt", "advmod", "prep") for c in children)
            if not found:
                return False, None
        if sense.prep:
            preps = [c for c in children if c.dep_ in ("prep", "agent", "dative")]
            for c in children:
                if c.dep_ == "advmod":
                    preps.extend(g for g in c.children if g.dep_ == "prep")
            if not any(p.lower_ in sense.prep for p in preps):
                return False, None
        theme_tok = None
        if sense.theme:
            for cand in self._theme_candidates(tok):
                if set(_noun_keys(cand, self.lex)) & sense.theme:
                    theme_tok = cand
                    break
            if theme_tok is None:
                return False, None
        if sense.comp:
            comps = [c for c in children if c.dep_ in ("xcomp", "ccomp", "advcl", "oprd")]
            if not any(_any_lemmas(c, self.lex) & sense.comp for c in comps):
                return False, None
        if sense.clausal or sense.comp_type or sense.control or sense.comp_modal or sense.comp_negated is not None:
            comps = [c for c in children if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX")]
            if sense.control == "speaker":
                comps = [c for c in comps if self._speaker_is_doer(c)]
            elif sense.control:
                has_obj = any(c.dep_ in ("dobj", "dative") for c in children)
                comps = [c for c in comps if (has_obj or self._subject_child(c)[0] is not None)
                         == (sense.control == "object")]
            if sense.comp_modal:
                comps = [c for c in comps if any(a.dep_ == "aux" and a.lower_ in sense.comp_modal for a in c.children)]
            if sense.comp_negated is not None:
                comps = [c for c in comps if any(a.dep_ == "neg" for a in c.children) == sense.comp_negated]
            if sense.comp_type:
                comps = [c for c in comps if self._complement_type(c) in sense.comp_type]
            if not comps:
                return False, None
        return True, theme_tok

    def _speaker_is_doer(self, comp) -> bool:
        """Whether a reported clause's doer is the reporting verb's subject: the clause has no subject of its
        own ("pledged to free"), or a personal pronoun ("said it would free"; resolved to the speaker later)."""
        subj, _ = self._subject_child(comp)
        if subj is None:
            return comp.dep_ == "xcomp"
        return subj.pos_ == "PRON" and subj.lower_ in self.lex.pronouns

    def _complement_type(self, tok) -> str | None:
        """The event type a clausal complement's verb triggers ("pledged to *release*" -> RETREAT), if any."""
        if tok.dep_ in ("amod", "compound"):
            return None
        lemmas = _verb_lemmas(tok, self.lex)
        found = self._sense_for_verb(tok, lemmas) if lemmas else None
        return found[0].event_type if found else None

    @staticmethod
    def _theme_candidates(tok) -> list:
        cands = []
        for c in tok.children:
            if c.dep_ in ("dobj", "nsubjpass", "nsubj", "attr", "oprd", "dative"):
                cands.append(c)
                cands.extend(c.conjuncts)
            elif c.dep_ in ("prep", "agent") and c.lower_ != "by":
                cands.extend(g for g in c.children if g.dep_ == "pobj")
                for g in c.children:  # complex prepositions: "out of patience", "because of"
                    if g.dep_ == "prep":
                        cands.extend(x for x in g.children if x.dep_ == "pobj")
        if tok.dep_ in ("acl", "relcl") and tok.head.pos_ in ("NOUN", "PROPN"):
            cands.append(tok.head)
        if tok.dep_ == "conj" and not any(c.dep_.startswith("nsubj") for c in tok.children):
            # a coordinated verb shares its head's subject: "were arrested and later released"
            cands.extend(c for c in tok.head.children if c.dep_ in ("nsubj", "nsubjpass"))
        return cands

    def _find_triggers(self, sent: _Sent) -> list[_Trigger]:
        triggers: list[_Trigger] = []
        for tok in sent.tokens:
            if tok.is_space or tok.is_punct or not tok.text.strip():
                continue
            if self.m.actor_at(tok) is not None:
                continue  # words inside an actor's name ("Defense Ministry", "Rescue Committee")
            trig = self._verb_trigger(tok) or self._noun_trigger(tok) or self._adj_trigger(tok)
            if trig is not None:
                triggers.append(trig)
        # A nominal trigger that is the theme of a verb trigger of the same type is the same event
        # ("a cease-fire struck by Russia and Turkey", "signed an agreement").
        by_token = {t.token.i: t for t in triggers}
        triggers = [t for t in triggers if not (t.kind == "verb" and self._restates(t, by_token))]
        themes = {(t.theme.i, t.sense.event_type) for t in triggers if t.kind == "verb" and t.theme is not None}
        # A non-violent nominal trigger that selected the sense of a verb as its theme is what that act is about,
        # not an event of its own: "lifted the sanctions", "violated the truce", "offered talks", "promised aid".
        consumed = {t.theme.i for t in triggers if t.kind == "verb" and t.theme is not None}
        return [t for t in triggers if not (t.kind == "noun" and (
            (t.token.i, t.sense.event_type) in themes or (t.token.i in consumed and t.sense.event_type != "ASSAULT")))]

    def _description(self, trig: _Trigger) -> bool:
        """Whether a verbal trigger of a statement type is a participle describing a noun, with nobody said to
        make the statement ("officials accused of playing a role"): a description, not a report of an event."""
        tok = trig.token
        return (trig.kind == "verb" and tok.dep_ == "acl" and tok.tag_ == "VBN"
                and trig.sense.event_type in self.lex.statement_types)

    @staticmethod
    def _object_of_act(trig: _Trigger, verb_tokens: set[int]) -> bool:
        """Whether a non-violent nominal trigger is the direct object of a verb trigger ("endorsed the
        agreement", "rejected the deal"): without a doer of its own it is what that act is about."""
        if trig.kind != "noun" or trig.sense.event_type in ("ASSAULT", "DISPLACEMENT"):
            return False
        head = trig.token.head if trig.token.dep_ == "compound" else trig.token
        return head.dep_ == "dobj" and head.head.i in verb_tokens

    @staticmethod
    def _restates(t: _Trigger, by_token: dict) -> bool:
        """Whether a verb trigger restates the act of the trigger it depends on: a purpose or infinitive clause
        of the same type without a subject of its own ("met ... to discuss", "talks to negotiate"), or the
        participle of a nominal trigger of the same type ("an attack targeting X")."""
        v = t.token
        head = by_token.get(v.head.i) if v.head != v else None
        if head is None or head.sense.event_type != t.sense.event_type:
            return False
        if t.sense.mode is not None and t.sense.mode != head.sense.mode:
            return False  # "forced to flee": the expulsion and the flight
        if v.dep_ == "acl":
            # not "the agreement reached by X", where the verb takes the noun as its theme (merged the other way)
            return head.kind == "noun" and (t.theme is None or t.theme.i != head.token.i)
        if v.dep_ in ("xcomp", "advcl"):  # not a clause of its own: "bombed a camp while targeting X"
            return not any(c.dep_.startswith("nsubj") or c.dep_ == "mark" for c in v.children)
        return False

    def _verb_trigger(self, tok) -> _Trigger | None:
        if not (tok.pos_ == "VERB" or (tok.tag_.startswith("VB") and tok.pos_ != "AUX")):
            return None
        if tok.dep_ in ("amod", "compound"):
            return None  # "displaced people", "the besieged city": descriptions, not new events
        lemmas = _verb_lemmas(tok, self.lex)
        if not lemmas:
            return None
        found = self._sense_for_verb(tok, lemmas)
        if found is None:
            return None
        sense, theme = found
        words = [tok]
        # hyphenated prefix written apart by the tokenizer: "co - sponsored"
        if tok.i >= 2 and self.doc[tok.i - 1].text == "-" and self.doc[tok.i - 2].is_alpha:
            words = [self.doc[tok.i - 2], self.doc[tok.i - 1], tok]
        for c in tok.children:
            if c.dep_ == "prt" and (not sense.prt or c.lower_ in sense.prt):
                words.append(c)
        return _Trigger(tok, sense, "verb", tuple(sorted(words, key=lambda t: t.i)), theme)

    def _noun_trigger(self, tok) -> _Trigger | None:
        nominal = tok.pos_ in ("NOUN", "PROPN") or tok.tag_ in ("NN", "NNS") or (
            tok.tag_ == "VBG" and tok.dep_ in ("pobj", "dobj", "nsubj", "nsubjpass", "conj")  # "the shelling"
        )
        if not nominal:
            return None
        if tok.ent_type_ in _NAME_ENTITY_TYPES:
            # inside a multi-word entity: tok continues one (IOB "I") or the next token does; read from the
            # IOB tags rather than doc.ents, which builds every entity span of the document on each call
            nxt = tok.i + 1
            if tok.ent_iob_ == "I" or (nxt < len(tok.doc) and tok.doc[nxt].ent_iob_ == "I"):
                return None  # part of a multi-word name ("Violet Organisation", "Rescue Committee")
        if tok.dep_ == "compound" and tok.head.lower_ not in self.lex.compound_heads_ok:
            return None  # "aid worker", "rescue team"
        keys = _noun_keys(tok, self.lex)
        for key in keys:
            senses = self.lex.nouns.get(key)
            if not senses:
                continue
            sense = senses[0]
            if sense.counted and not self._is_counted(tok):
                continue
            words = [tok]
            if " " in key or "-" in key:
                n_words = len(key.replace("-", " - ").split())
                words = list(self.doc[max(0, tok.i - n_words + 1) : tok.i + 1])
            if tok.dep_ == "compound" and tok.head.i > tok.i:
                words.extend(self.doc[tok.i + 1 : tok.head.i + 1])  # "bombing campaign"
            return _Trigger(tok, sense, "noun", tuple(words))
        return None

    def _is_counted(self, tok) -> bool:
        """Whether a noun carries a number ("20,000 displaced people") or heads the "of" phrase of a quantity
        ("thousands of displaced persons")."""
        if any(c.dep_ == "nummod" or c.like_num for c in tok.children if c.i < tok.i):
            return True
        if tok.dep_ == "pobj" and tok.head.lower_ == "of":
            q = tok.head.head
            return q.lower_ in self.lex.quantity_heads or q.pos_ == "NUM" or q.like_num
        return False

    def _adj_trigger(self, tok) -> _Trigger | None:
        if tok.pos_ != "ADJ":
            return None
        senses = self.lex.adjectives.get(tok.lower_)
        if not senses:
            return None
        sense = senses[0]
        if sense.needs:
            if not any(c.dep_ == "prep" and c.lower_ == sense.needs for c in tok.children):
                return None
        return _Trigger(tok, sense, "adj", (tok,))

    # ---------------------------------------------------------------- actors

    def _actor_type(self, actor_id: str) -> str | None:
        info = self.actors.get(actor_id)
        return info.actor_type if info else None

    def _mention_arg(self, mention: ActorMention, tok, via_pronoun: bool = False) -> _Arg:
        return _Arg(mention.actor_id, mention.char_start, mention.char_end, tok.i, via_pronoun)

    def _np_actor(self, tok, sent: _Sent, depth: int = 0) -> _Arg | None:
        """The actor a noun phrase headed by `tok` stands for (the first one, for a pronoun standing for several)."""
        found = self._np_actors_at(tok, sent, depth)
        return found[0] if found else None

    def _np_actors_at(self, tok, sent: _Sent, depth: int = 0) -> list[_Arg]:
        if tok is None or depth > 3 or not sent.has(tok):
            return []
        lw = tok.lower_
        if tok.pos_ == "PRON" or lw in self.lex.pronouns or lw in self.lex.relative_pronouns:
            m = self.m.actor_at(tok) if lw not in self.lex.relative_pronouns else None
            if m is not None:  # the actor extractor resolved this pronoun already
                return [self._mention_arg(m, tok, via_pronoun=True)]
            return self._resolve_pronoun(tok, sent, depth)
        m = self.m.actor_at(tok)
        if m is not None:
            return [self._mention_arg(m, tok)]
        for c in tok.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod") and sent.has(c):
                if c.dep_ == "poss":
                    found = self._np_actors_at(c, sent, depth + 1)[:1]
                else:
                    cm = self.m.actor_at(c)
                    found = [self._mention_arg(cm, c)] if cm is not None else []
                if found:
                    return found
        for c in tok.children:
            if c.dep_ in ("prep", "agent") and (
                c.lower_ == "by"
                or (c.lower_ == "of" and (lw in self.lex.agentive_heads or lw in self.lex.quantity_heads
                                          or tok.pos_ == "NUM"))
            ):
                for g in c.children:
                    if g.dep_ == "pobj":
                        found = self._np_actors(g, sent, depth + 1)
                        if found:
                            return found
        # an apposition "a member / leader / unit of X" of a common noun names the same one: "the mayor, a member
        # of the X movement" (not names or things in a list parsed as appositions: "Mordor, the Shire and Bree")
        for c in tok.children:
            if c.dep_ == "appos" and c.i > tok.i and tok.pos_ == c.pos_ == "NOUN" and sent.has(c) and any(
                    g.dep_ == "prep" and g.lower_ == "of" for g in c.children):
                found = self._np_actors_at(c, sent, depth + 1)
                if found:
                    return found
        if lw in self.lex.plural_anaphors and any(
            c.lower_ in ("the", "both", "two") for c in tok.children if c.dep_ in ("det", "nummod", "predet")
        ):
            return self._recent_actors(tok, sent, 2)
        return []

    def _np_actors(self, tok, sent: _Sent, depth: int = 0) -> list[_Arg]:
        """The actors of a noun phrase and of its conjuncts ("Russia and Turkey", "Russia, which ...")."""
        out: list[_Arg] = []
        if tok is None:
            return out
        members = [tok, *tok.conjuncts]
        m = self.m.actor_at(tok)
        if m is not None:
            # a name the parser split ("Barack/nsubj Obama/pobj and Vladimir Putin"): the conjuncts hang from
            # another token of the same mention
            for t in self.doc.char_span(m.char_start, m.char_end, alignment_mode="expand") or ():
                if t.i != tok.i:
                    members += [c for c in t.conjuncts if c.i > t.i and not m.char_start <= c.idx < m.char_end]
        if tok.ent_type_ == "GPE":  # "The US, Russia, and Switzerland": a list of countries parsed as apposition
            for c in tok.children:
                if c.dep_ == "appos" and c.ent_type_ == "GPE":
                    members += [c, *c.conjuncts]
        for t in members:
            if t.i < tok.i:
                continue
            for a in [*self._coordinated_modifiers(t, sent), *self._np_actors_at(t, sent, depth)]:
                if all(a.actor_id != o.actor_id for o in out):
                    out.append(a)
        return out

    def _coordinated_modifiers(self, tok, sent: _Sent) -> list[_Arg]:
        """The actors of nationality words coordinated with the one in a noun's own mention ("US and British
        activists", "US, British and French warplanes": the mention of "British activists" covers the noun,
        "US" has a mention of its own), in text order; [] when the noun has no such modifiers. The modifiers are
        the noun's left modifiers and their conjuncts, each separated from the next by a comma and/or a
        conjunction only (the parser attaches such lists in several ways)."""
        head = self.m.actor_at(tok)
        if head is None:
            return []
        mods: dict[tuple[int, str], tuple[ActorMention, object]] = {}
        for c in tok.lefts:
            if c.dep_ not in ("amod", "nmod", "compound") or not sent.has(c):
                continue
            for t in (c, *c.conjuncts):
                cm = self.m.actor_at(t)
                if cm is not None and cm.char_end <= head.char_start and sent.has(t):
                    mods.setdefault((cm.char_start, cm.actor_id), (cm, t))
        out: list[_Arg] = []
        left = head.char_start
        for _, (cm, t) in sorted(mods.items(), reverse=True):
            if not _LIST_GAP_RE.fullmatch(self.text[cm.char_end:left]):
                break
            out.append(self._mention_arg(cm, t))
            left = cm.char_start
        return [a for a in reversed(out) if a.actor_id != head.actor_id]

    def _modifier_doers(self, first, sent: _Sent) -> list[_Arg]:
        """The actor named by the words right before a nominal attack, read on the surface so that a parse that
        split the phrase does not lose it: "Israeli tank shelling", "a US drone strike", "Saudi-led coalition
        air raids" -> the actor of "Israeli" / "US" / "Saudi-led coalition" (the actor extractor resolves a
        nationality there to that country's armed forces). `first` is the attack's first word. The walk takes
        adjectives, nouns, names and hyphens (and a participle after a hyphen: "-led") back to a determiner, a
        number, a possessive or a clause word; an actor after an `opposing_prefixes` word ("anti-ISIS strikes")
        is the target, not the doer."""
        doc = self.doc
        j = first.i - 1
        steps = 0
        while j >= 0 and sent.has(doc[j]) and steps < 6:
            t = doc[j]
            if t.text in _HYPHENS and not t.whitespace_ and j > 0 and not doc[j - 1].whitespace_:
                pass
            elif t.pos_ in ("ADJ", "NOUN", "PROPN") and not t.is_punct and t.dep_ != "poss":
                pass
            elif t.tag_ == "VBN" and j > 0 and doc[j - 1].text in _HYPHENS:
                pass  # "Saudi-led"
            else:
                break
            m = self.m.actor_at(t)
            if m is not None and m.char_end <= first.idx:
                k = j
                while k > 0 and doc[k - 1].idx >= m.char_start:
                    k -= 1  # the mention's first token
                prev = doc[max(0, k - 2):k]  # "anti-ISIS", "anti ISIS"
                if any(p.lower_ in self.lex.opposing_prefixes for p in prev) or \
                        m.quote.lower().split("-")[0] in self.lex.opposing_prefixes:
                    return []
                return [self._mention_arg(m, t)]
            j -= 1
            steps += 1
        return []

    def _is_assault_noun(self, tok) -> bool:
        """Whether a lower-case noun or gerund has an ASSAULT reading in the noun lexicon ("shelling")."""
        if not (tok.is_alpha and tok.is_lower and tok.tag_ in ("NN", "NNS", "VBG")):
            return False
        return any(self.lex.nouns.get(k) and self.lex.nouns[k][0].event_type == "ASSAULT"
                   for k in _noun_keys(tok, self.lex))

    def _recent_actors(self, tok, sent: _Sent, n: int) -> list[_Arg]:
        """The last `n` distinct actors mentioned before `tok` in this sentence or the one before ("the two
        countries"), spanned by the anaphor's own words."""
        prev_start = self.ctx.sentences[sent.index - 1].char_start if sent.index > 0 else sent.start
        left, right = tok.left_edge.idx, tok.idx + len(tok.text)
        out: list[_Arg] = []
        for m in reversed(self.m.actors):
            if m.char_end > left or m.char_start < prev_start:
                continue
            if all(m.actor_id != o.actor_id for o in out):
                out.append(_Arg(m.actor_id, left, right, tok.i, True))
            if len(out) == n:
                break
        return list(reversed(out)) if len(out) == n else []

    def _pronoun_ok(self, pron: str, actor_id: str) -> bool:
        allowed = self.lex.pronouns.get(pron)
        if not allowed or "*" in allowed:
            return True
        kind = self._actor_type(actor_id)
        return kind is None or kind in allowed

    def _resolve_pronoun(self, tok, sent: _Sent, depth: int) -> list[_Arg]:
        lw = tok.lower_
        if lw in self.lex.relative_pronouns:
            clause = tok.head
            for _ in range(4):
                if clause.dep_ in ("relcl", "acl") or clause.head == clause:
                    break
                clause = clause.head
            if clause.dep_ in ("relcl", "acl") and clause.head != tok:
                antecedent = clause.head
                # "Turkey and Russia, which back ..." stands for both; "Russia, which backs X, and Turkey" not
                if all(c.i < tok.i for c in antecedent.conjuncts):
                    return self._np_actors(antecedent, sent, depth + 1)
                return self._np_actors_at(antecedent, sent, depth + 1)
            return []
        if lw not in self.lex.pronouns:
            return []
        own = (tok.idx, tok.idx + len(tok.text))
        # 1. A pronoun subject in a reported clause stands for the speaker ("X said it would ...").
        if tok.dep_ in ("nsubj", "nsubjpass"):
            cur = tok
            for _ in range(8):
                if cur.head == cur:
                    break
                if cur.dep_ in ("ccomp", "xcomp") and _any_lemmas(cur.head, self.lex) & self.lex.speech_verbs:
                    speaker = next((c for c in cur.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                    if speaker is not None and speaker != tok and speaker.pos_ != "PRON":
                        found = [a for a in self._np_actors(speaker, sent, depth + 1)
                                 if self._pronoun_ok(lw, a.actor_id)]
                        if found:
                            return [dataclasses.replace(a, via_pronoun=True) for a in found]
                    break
                cur = cur.head
        # 2. A possessive in an object phrase stands for the clause's subject ("Russia stop its bombing").
        np_head = tok.head if tok.dep_ == "poss" else tok
        if tok.dep_ == "poss":
            verb = tok.head
            for _ in range(6):
                if verb.pos_ in ("VERB", "AUX") or verb.head == verb:
                    break
                verb = verb.head
            subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is not None and subj.pos_ != "PRON" and not (subj.left_edge.i <= tok.i <= subj.right_edge.i):
                a = self._np_actor(subj, sent, depth + 1)
                if a is not None and self._pronoun_ok(lw, a.actor_id):
                    return [_Arg(a.actor_id, own[0], own[1], tok.i, True)]
            if np_head.dep_ not in ("nsubj", "nsubjpass"):
                return []  # "fled their homes": no guessing for possessives outside the subject
        # 3. The nearest compatible actor mentioned before it, in this sentence or the one before.
        prev_start = self.ctx.sentences[sent.index - 1].char_start if sent.index > 0 else sent.start
        for m in reversed(self.m.actors):
            if m.char_end > tok.idx or m.char_start < prev_start:
                continue
            if self._pronoun_ok(lw, m.actor_id):
                return [_Arg(m.actor_id, own[0], own[1], tok.i, True)]
        return []

    # ---------------------------------------------------------------- frames

    @staticmethod
    def _subject_child(tok):
        subj = next((c for c in tok.children if c.dep_ in ("nsubj", "csubj")), None)
        if subj is not None:
            return subj, False
        subj = next((c for c in tok.children if c.dep_ in ("nsubjpass", "csubjpass")), None)
        if subj is not None:
            return subj, True
        return None, False

    @staticmethod
    def _listed_subjects(subj) -> list:
        """Further subjects of the same verb in a list the parser read as separate subjects ("Barack Obama,
        Vladimir Putin and Angela Merkel met": "Obama" and "Putin" are both nsubj): siblings with the same
        dependency before the verb, each separated from the previous one by a comma only."""
        if subj is None or subj.head == subj:
            return []
        verb = subj.head
        sibs = sorted((c for c in verb.children if c.dep_ == subj.dep_ and c.i < verb.i), key=lambda c: c.i)
        out: list = []
        prev = subj
        for c in sibs:
            if c.i <= subj.i:
                continue
            gap = subj.doc[prev.right_edge.i + 1 : c.left_edge.i]
            if len(gap) != 1 or gap[0].text != ",":
                break
            out.append(c)
            prev = c
        return out

    @staticmethod
    def _by_object(tok):
        for c in tok.children:
            if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by"):
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    return pobj
        return None

    def _inherited_subject(self, verb, sent: _Sent) -> list[_Arg]:
        """The subject of a verb that has none of its own, from the clause it depends on."""
        cur = verb
        for _ in range(8):
            if cur.head == cur or not sent.has(cur.head):
                return []
            dep = cur.dep_
            head = cur.head
            if dep == "acl" and head.pos_ in ("NOUN", "PROPN"):
                if cur.tag_ == "VBN":
                    return []  # reduced passive: the noun is the patient, not the doer
                found = self._np_actors(head, sent)  # "Assad's drive to recapture", "a drive by Assad to ..."
                if found:
                    return found
                if head.dep_ in ("dobj", "pobj", "attr") and head.head != head:
                    cur = head.head if head.dep_ != "pobj" else head.head.head  # "stepped up a campaign to take"
                    if cur.pos_ not in ("VERB", "AUX"):
                        return []
                    subj, passive = self._subject_child(cur)
                    return self._np_actors(subj, sent) if subj is not None and not passive else []
                return []
            if dep == "relcl":
                return self._np_actors(head, sent)
            if dep not in ("xcomp", "conj", "advcl", "pcomp", "prep", "acomp"):
                return []
            if dep == "prep" and cur.lower_ in self.lex.object_control_preps and head.pos_ in ("VERB", "AUX"):
                obj = next((c for c in head.children if c.dep_ == "dobj"), None)
                if obj is not None and any(c.dep_ == "pcomp" for c in cur.children):
                    # "jailed a student for helping X", "accused Rwanda of making ...": the object does it
                    found = self._np_actors(obj, sent)
                    if found:
                        return found
            if dep == "xcomp":
                obj = next((c for c in head.children if c.dep_ in ("dobj", "dative")), None)
                if obj is not None:  # object control: "urged Russia to stop", "forced civilians to leave"
                    return self._np_actors(obj, sent)
                subj, passive = self._subject_child(head)
                if subj is not None and passive:
                    # the passive subject does the infinitive: "X is scheduled to attend", "X was urged by Y to
                    # stop", "X was forced to withdraw"
                    found = self._np_actors(subj, sent)
                    if found:
                        return found
            subj, passive = self._subject_child(head)
            if subj is not None and not passive:
                return self._np_actors(subj, sent)
            by = self._by_object(head)
            if passive and by is not None:
                return self._np_actors(by, sent)
            cur = head
        return []

    def _verb_frame(self, trig: _Trigger, sent: _Sent) -> _Frame:
        v = trig.token
        sense = trig.sense
        subj = None
        passive = False
        for t in trig.tokens:
            subj, passive = self._subject_child(t)
            if subj is not None:
                break
        by = self._by_object(v)
        dobjs = [c for c in v.children if c.dep_ in ("dobj", "dative")]

        actor1: list[_Arg] = []
        actor2: list[_Arg] = []
        subj_args = self._np_actors(subj, sent) if subj is not None else []
        for extra in self._listed_subjects(subj):
            subj_args += [a for a in self._np_actors(extra, sent) if a.actor_id not in {x.actor_id for x in subj_args}]
        by_args = self._np_actors(by, sent) if by is not None else []
        if by_args and (passive or v.tag_ == "VBN" or not subj_args or (subj is not None and subj == trig.theme)):
            actor1 = by_args
            if subj_args:
                actor2 = subj_args
            elif subj is None and v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
                actor2 = self._np_actors(v.head, sent)  # "Syrian forces backed by Russian air power"
        elif passive:
            actor2 = subj_args
        elif subj is not None:
            actor1 = subj_args
        elif any(c.dep_ == "auxpass" for c in v.children):
            actor2 = self._inherited_subject(v, sent)  # "people are estimated to have been displaced"
        else:
            actor1 = self._inherited_subject(v, sent)
            if not actor1 and v.dep_ == "acl" and v.tag_ == "VBN":
                actor2 = self._np_actors(v.head, sent)  # "forces backed by Russia": the forces are backed

        phrase_ends: list[int] = []
        if not actor1 and sense.event_type == "ASSAULT":
            # "were killed in an Israeli air strike", "a bombing that X claimed killed 20": the attack's doer
            actor1, attack = self._cause_doers(v, subj if not passive else None, sent)
            if actor1 and attack is not None and attack.i > v.i:
                phrase_ends.append(attack.idx + len(attack.text))  # "killed in an Israeli air strike"
        if not actor1 and sense.event_type == "ASSAULT" and subj is None and self._is_assault_noun(v):
            # a nominal attack the parser read as a verb ("killed in Israeli tank shelling" parsed as
            # "in [Israeli tank]" + "shelling"): the actor named before it does it
            actor1 = self._modifier_doers(min(trig.tokens, key=lambda t: t.i), sent)
        undergoer = sense.undergoer_subject
        if undergoer == "always" or (undergoer == "intransitive" and not dobjs):
            if actor1 and not by_args:
                actor2, actor1 = actor1, []
            if not actor1:  # "received weapons from the government": the giver does it
                for c in [*v.children, *(g for d in dobjs for g in d.children)]:
                    if c.dep_ == "prep" and c.lower_ == "from":
                        pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                        actor1 = self._np_actors(pobj, sent) if pobj is not None else []
                        if actor1:
                            phrase_ends.append(_core_end(pobj))
                            break

        for d in dobjs:
            args = self._np_actors(d, sent)
            phrase_ends.append(_core_end(d))
            if args:
                actor2.extend(a for a in args if a.actor_id not in {x.actor_id for x in actor2})
        target_preps = self.lex.object_preps
        if sense.event_type == "DISPLACEMENT":
            target_preps = target_preps - self.lex.directional_preps
        if not actor2:
            for c in v.children:
                if c.dep_ in ("prep", "dative") and c.lower_ in target_preps:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if pobj is not None:
                        args = self._np_actors(pobj, sent)
                        if args:
                            actor2 = args
                            phrase_ends.append(_core_end(pobj))
                            break
        if not actor2:
            for d in dobjs + ([trig.theme] if trig.theme is not None else []):
                for c in d.children:  # "imposed sanctions on Damascus", "launched attacks against X"
                    if c.dep_ == "prep" and c.lower_ in target_preps:
                        pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                        args = self._np_actors(pobj, sent) if pobj is not None else []
                        if args:
                            actor2 = args
                            phrase_ends.append(_core_end(pobj))
                            break
                if actor2:
                    break
        if not actor2 and sense.comp_type:
            # a statement of intent takes the target of the act it announces: "said it would send aid to X",
            # "vowed to help Iraq rebuild its army"
            for c in v.children:
                if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX") and sent.has(c):
                    comp = self._verb_trigger(c)
                    if comp is not None and comp.sense.event_type in sense.comp_type:
                        cf = self._verb_frame(comp, sent)
                        if cf.actor2:
                            actor2 = cf.actor2
                            phrase_ends.extend(cf.phrase_ends)
                            break
        if not actor2:
            for c in v.children:  # "mediate between X and Y", "fighting between X and Y"
                if c.dep_ == "prep" and c.lower_ == "between":
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    actor2 = self._np_actors(pobj, sent) if pobj is not None else []
                    if actor2:
                        phrase_ends.append(_core_end(pobj))
                        break
        if not actor2:
            # "threatened to retaliate against X", "agreed to cooperate with X"; a statement of intent takes the
            # target of the act it announces: "said it would send aid to X"
            comp_deps = ("xcomp", "ccomp") if sense.comp_type else ("xcomp",)
            for c in v.children:
                if c.dep_ in comp_deps and c.pos_ in ("VERB", "AUX"):
                    for g in c.children:
                        if g.dep_ == "dative" and any(x.dep_ == "pobj" for x in g.children):
                            pobj = next(x for x in g.children if x.dep_ == "pobj")  # "provide support to X"
                        elif g.dep_ in ("dobj", "dative"):
                            pobj = g
                        elif g.dep_ == "prep" and g.lower_ in target_preps:
                            pobj = next((x for x in g.children if x.dep_ == "pobj"), None)
                        else:
                            continue
                        args = self._np_actors(pobj, sent) if pobj is not None else []
                        if args:
                            actor2 = args
                            phrase_ends.append(_core_end(pobj))
                            break
        if not actor2:
            for c in v.children:  # "demanded that Russia stop", "warned Ankara that ..."
                if c.dep_ in ("ccomp", "xcomp"):
                    s2, _ = self._subject_child(c)
                    if s2 is not None and s2.pos_ != "PRON":
                        actor2 = self._np_actors(s2, sent)
                        if actor2:
                            phrase_ends.append(_predicate_end(c))
                            break
        for c in v.children:  # condition prepositions close the phrase ("advance into X")
            if c.dep_ == "prep" and c.lower_ in sense.prep:
                phrase_ends.append(_core_end(c))
        if trig.theme is not None and sent.has(trig.theme):
            phrase_ends.append(_core_end(trig.theme))
        if sense.clausal or sense.control == "speaker":
            for c in v.children:
                if c.dep_ in ("ccomp", "xcomp") and c.pos_ in ("VERB", "AUX"):
                    phrase_ends.append(_predicate_end(c))  # "warned that it would retaliate"
                    break
        if sense.comp:
            for c in v.children:
                if c.dep_ in ("xcomp", "ccomp", "advcl", "oprd") and _any_lemmas(c, self.lex) & sense.comp:
                    phrase_ends.append(_predicate_end(c))  # "forcing the civilians to leave their homes"
        if subj is not None and not subj_args and subj.pos_ in ("NOUN", "PROPN", "NUM") and subj.i < v.i:
            phrase_starts = [subj.left_edge.idx]  # "more than 129,000 people were displaced"
        elif subj is not None and subj_args and subj.pos_ == "NOUN" and subj.i < v.i and self.m.actor_at(subj) is None:
            phrase_starts = [subj.left_edge.idx]  # "the foreign ministers of Russia and Iran met"
        else:
            phrase_starts = []

        assoc = self._assoc(v, sent)
        return _Frame(actor1, actor2, assoc, v, [v], phrase_ends, phrase_starts)

    def _noun_frame(self, trig: _Trigger, sent: _Sent) -> _Frame:
        n = trig.token
        head_noun = n.head if n.dep_ == "compound" else n
        actor1: list[_Arg] = []
        actor2: list[_Arg] = []
        phrase_ends: list[int] = []
        for c in head_noun.children:
            if c.dep_ == "poss":
                a = self._np_actor(c, sent)
                if a is not None:
                    actor1 = [a]
        if not actor1:
            for c in list(head_noun.children) + list(n.children if n != head_noun else []):
                if c.dep_ in ("amod", "compound", "nmod") and c.i < n.i:
                    cm = self.m.actor_at(c)
                    if cm is not None:
                        actor1 = [self._mention_arg(cm, c)]
                        break
        if not actor1 and trig.sense.event_type == "ASSAULT":
            # "Israeli tank shelling", "Saudi-led coalition air raids": the actor named before the attack does it
            actor1 = self._modifier_doers(min(trig.tokens, key=lambda t: t.i), sent)
        if not actor1 and head_noun.dep_ == "pobj" and head_noun.head.dep_ == "prep" and \
                head_noun.head.lower_ in self.lex.means_preps and head_noun.head.head.pos_ == "VERB":
            verb = head_noun.head.head  # the means of an act share its doer: "kills civilians by attacks from ..."
            s_tok, passive = self._subject_child(verb)
            if s_tok is not None and not passive:
                actor1 = self._np_actors(s_tok, sent)
            elif s_tok is None:
                actor1 = self._inherited_subject(verb, sent)
        if not actor1 and head_noun.dep_ == "pobj" and head_noun.head.lower_ in ("in", "into") and \
                head_noun.head.head.pos_ == "VERB" and \
                verb_lemma_candidates(head_noun.head.head.lower_) & self.lex.engaging_verbs:
            verb = head_noun.head.head  # "rebels engaged peacekeepers in a firefight"
            s_tok, passive = self._subject_child(verb)
            obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
            if s_tok is not None and not passive:
                actor1 = self._np_actors(s_tok, sent)
            elif passive:
                by = self._by_object(verb)
                actor1 = self._np_actors(by, sent) if by is not None else []
                obj = s_tok
            if obj is not None:
                actor2 = self._np_actors(obj, sent)
        flags: tuple[str, ...] = ()
        if not actor1:
            claimant = self._responsibility_claimant(head_noun, sent)
            if claimant:  # "X claimed responsibility for the attack": X's own claim that it did it
                actor1, flags = claimant, ("claimed",)
        target_preps = self.lex.object_preps
        undergoer = self._undergoer_governor(head_noun)
        doers: list[_Arg] = []
        if undergoer is not None:
            # "Obama faces pressure from Congress", "the town came under attack by rebels": the governing verb's
            # subject undergoes the act, the "from"/"by" phrase does it; without a named doer ("civilians face
            # shelling") the sentence describes a plight, read as before
            for c in [*n.children, *undergoer.children]:
                if not doers and c.dep_ in ("prep", "agent") and c.lower_ in self.lex.doer_preps:
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if pobj is not None:
                        doers = self._np_actors(pobj, sent)
                        if doers:
                            phrase_ends.append(_core_end(pobj))
            if not doers:
                undergoer = None
        if undergoer is not None:
            target_preps = target_preps - self.lex.doer_preps
            if not actor1:
                actor1 = doers
            s_tok, passive = self._subject_child(undergoer)
            if s_tok is not None and not passive:
                actor2 = self._np_actors(s_tok, sent)
            elif s_tok is None:
                actor2 = self._inherited_subject(undergoer, sent)
        if trig.sense.event_type == "DISPLACEMENT":
            target_preps = target_preps - self.lex.directional_preps
            for c in n.children:  # "an exodus of civilians"
                if c.dep_ == "prep" and c.lower_ == "of":
                    pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                    if pobj is not None:
                        actor2 = self._np_actors(pobj, sent)
                        phrase_ends.append(_core_end(pobj))
        for c in n.children:
            if c.dep_ not in ("prep", "agent"):
                continue
            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
            if pobj is None:
                continue
            p = c.lower_
            if p == "by" and not actor1:
                actor1 = self._np_actors(pobj, sent)
                phrase_ends.append(_core_end(pobj))
            elif p == "between":
                args = self._np_actors(pobj, sent)
                if args:
                    actor1, actor2 = args[:1], args[1:2]
                    phrase_ends.append(_core_end(pobj))
            elif p in target_preps and not actor2:
                args = self._np_actors(pobj, sent)
                if args:
                    actor2 = args
                    phrase_ends.append(_core_end(pobj))
        for c in n.children:  # "an attack targeting X", "bombardment shelling by Y": a participle of the same act
            if c.dep_ == "acl" and c.pos_ == "VERB" and self._same_type_verb(c, trig.sense.event_type):
                by = self._by_object(c)
                if not actor1 and by is not None:
                    actor1 = self._np_actors(by, sent)
                    if actor1:
                        phrase_ends.append(_core_end(by))
                for d in c.children if not actor2 else ():
                    if d.dep_ == "prep" and d.lower_ in target_preps - self.lex.doer_preps:
                        d = next((g for g in d.children if g.dep_ == "pobj"), None)  # "targeted at X"
                    elif d.dep_ not in ("dobj", "dative"):
                        continue
                    actor2 = self._np_actors(d, sent) if d is not None else []
                    if actor2:
                        phrase_ends.append(_core_end(d))
                        break
        if not actor2:
            for c in n.children:  # "demands by Syrians that Turkey do more"
                if c.dep_ in ("acl", "ccomp") and c.pos_ in ("VERB", "AUX"):
                    s2, _ = self._subject_child(c)
                    if s2 is not None and s2.pos_ != "PRON":
                        actor2 = self._np_actors(s2, sent)
                        if actor2:
                            phrase_ends.append(_predicate_end(c))
                            break

        anchor = n
        roots = [n]
        governor = head_noun.head
        if undergoer is not None:
            anchor = undergoer
            roots = [n, undergoer]
        elif head_noun.dep_ in ("dobj", "nsubjpass", "attr", "oprd") or (
            head_noun.dep_ == "conj" and head_noun.head.dep_ in ("dobj", "nsubjpass")
        ):
            if head_noun.dep_ == "conj":
                governor = head_noun.head.head
            if _any_lemmas(governor, self.lex) & self.lex.light_verbs and governor.pos_ in ("VERB", "AUX"):
                anchor = governor
                roots = [n, governor]
                if not actor1:
                    s, passive = self._subject_child(governor)
                    if s is not None and not passive:
                        actor1 = self._np_actors(s, sent)
                    elif passive:
                        by = self._by_object(governor)
                        actor1 = self._np_actors(by, sent) if by is not None else []
                    else:
                        actor1 = self._inherited_subject(governor, sent)
                if not actor2:  # "issued arrest warrants for X", "signed an agreement with X"
                    for c in governor.children:
                        if c.dep_ == "prep" and c.i > head_noun.i and c.lower_ in target_preps - self.lex.doer_preps:
                            pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                            args = self._np_actors(pobj, sent) if pobj is not None else []
                            if args:
                                actor2 = args
                                phrase_ends.append(_core_end(pobj))
                                break
        phrase_ends.append(_core_end(n))
        assoc = self._assoc(n, sent) + (self._assoc(anchor, sent) if anchor != n else [])
        # the noun phrase's own modifiers belong to the words of the event ("a January 12 ceasefire")
        return _Frame(actor1, actor2, assoc, anchor, roots, phrase_ends, [head_noun.left_edge.idx], flags)

    def _responsibility_claimant(self, head_noun, sent: _Sent) -> list[_Arg]:
        """Who claims (`responsibility_verbs`) responsibility (`responsibility_nouns`) for a nominal trigger:
        "al-Shabab claimed responsibility for the attack" -> al-Shabab."""
        lex = self.lex
        prep = head_noun.head
        if head_noun.dep_ != "pobj" or prep.lower_ != "for" or prep.head == prep:
            return []
        noun = prep.head
        if noun.lower_ not in lex.responsibility_nouns or noun.dep_ != "dobj":
            return []
        verb = noun.head
        if not (_any_lemmas(verb, lex) & lex.responsibility_verbs):
            return []
        s_tok, passive = self._subject_child(verb)
        if s_tok is not None and not passive:
            return self._np_actors(s_tok, sent)
        return self._inherited_subject(verb, sent) if s_tok is None else []

    def _cause_doers(self, v, subj, sent: _Sent) -> tuple[list[_Arg], object | None]:
        """The doers of the nominal ASSAULT trigger an act of violence happened in or through: after a
        `cause_preps` preposition of verb `v` ("killed in an air strike by government forces"), or its active
        subject, directly or through a relative pronoun ("a suicide bombing that killed 20", where the bombing's
        doer is known from "X claimed responsibility for ..."); none for fighting between two sides ("killed
        in clashes between X and Y"). Returns the doers and the attack's head word (None without one)."""
        nouns = []
        if subj is not None:
            if subj.lower_ in self.lex.relative_pronouns and v.dep_ == "relcl":
                subj = v.head
            nouns.append(subj)
        for c in v.children:
            if c.dep_ == "prep" and c.lower_ in self.lex.cause_preps:
                nouns.extend(g for g in c.children if g.dep_ == "pobj")
        for pobj in nouns:
            trig = self._noun_trigger(pobj) if sent.has(pobj) else None
            nxt = self.doc[pobj.i + 1] if pobj.i + 1 < len(self.doc) else None
            if trig is None and nxt is not None and sent.has(nxt) and pobj.pos_ == "NOUN" and pobj.whitespace_ \
                    and self._is_assault_noun(nxt):
                # "killed in Israeli tank shelling" parsed as "in [Israeli tank]" + a verb "shelling"
                return [dataclasses.replace(a, remote=True) for a in self._modifier_doers(nxt, sent)], nxt
            if trig is None or trig.sense.event_type != "ASSAULT":
                continue
            if any(g.dep_ == "prep" and g.lower_ == "between" for g in pobj.children):
                return [], None
            return [dataclasses.replace(a, remote=True) for a in self._noun_frame(trig, sent).actor1], pobj
        return [], None

    def _undergoer_governor(self, head_noun):
        """The verb whose subject undergoes a nominal trigger: "faces pressure" (`undergoer_light_verbs`), "came
        under attack" (`undergoer_preps`); None otherwise."""
        lex = self.lex
        gov = head_noun.head
        if head_noun.dep_ == "dobj" and gov.pos_ in ("VERB", "AUX") and _any_lemmas(gov, lex) & lex.undergoer_light_verbs:
            return gov
        if head_noun.dep_ == "pobj" and gov.dep_ == "prep" and gov.head.pos_ in ("VERB", "AUX"):
            verb = gov.head
            if any(gov.lower_ in lex.undergoer_preps.get(lemma, ()) for lemma in _any_lemmas(verb, lex)):
                return verb
        return None

    def _same_type_verb(self, tok, event_type: str) -> bool:
        """Whether a verb is a trigger of the event lexicon with a reading of this type in its context."""
        lemmas = _verb_lemmas(tok, self.lex)
        found = self._sense_for_verb(tok, lemmas) if lemmas else None
        return found is not None and found[0].event_type == event_type

    def _same_side(self, a: str, b: str) -> bool:
        """Whether two actors are one side: parent and child, or state actors (`same_side_actor_types`) of
        the same country."""
        ia, ib = self.actors.get(a), self.actors.get(b)
        if ia is None or ib is None:
            return False
        if ia.parent_actor_id == b or ib.parent_actor_id == a:
            return True
        kinds = self.lex.same_side_actor_types
        return bool(ia.country_iso3) and ia.country_iso3 == ib.country_iso3 and \
            ia.actor_type in kinds and ib.actor_type in kinds

    def _doer_is_pronoun(self, tok) -> bool:
        """Whether the subject a verb trigger has or inherits (through xcomp, conj) is a personal pronoun."""
        cur = tok
        for _ in range(4):
            subj, _ = self._subject_child(cur)
            if subj is not None:
                return subj.pos_ == "PRON" and subj.lower_ not in self.lex.relative_pronouns
            if cur.dep_ not in ("xcomp", "conj") or cur.head == cur:
                return False
            cur = cur.head
        return False

    @staticmethod
    def _is_participant_noun(n) -> bool:
        """Whether a nominal trigger is itself a participant of its clause: the subject of a verb, or the agent
        of a passive ("destroyed by an assault")."""
        head = n.head if n.dep_ == "compound" else n
        if head.dep_ in ("nsubj", "nsubjpass") and head.head.pos_ in ("VERB", "AUX"):
            return True
        return head.dep_ == "pobj" and head.head.dep_ == "agent"

    def _reported_participant(self, n) -> bool:
        """Whether a nominal attack that names nobody, no place and no date is still reported to happen: the agent
        of a passive ("devastated by an assault"), or the subject of a verb of the trigger lexicon or of
        `occurrence_verbs` ("air attacks have demolished hospitals", "bombardment resumed"), or a subject pointing
        back at an act told before ("this offensive was part of a larger operation"). The subject of any other
        verb ("the renewed fighting comes despite a ceasefire") mentions an act without reporting one."""
        if not self._is_participant_noun(n):
            return False
        head = n.head if n.dep_ == "compound" else n
        if head.dep_ == "pobj":
            return True
        if any(c.dep_ == "det" and c.lower_ in self.lex.demonstratives for c in head.children):
            return True
        verb = head.head
        return bool(_verb_lemmas(verb, self.lex)) or bool(_any_lemmas(verb, self.lex) & self.lex.occurrence_verbs)

    def _adj_frame(self, trig: _Trigger, sent: _Sent) -> _Frame:
        a = trig.token
        head = a.head if a.dep_ in ("acomp", "attr") else a
        subj, _ = self._subject_child(head)
        actor1 = self._np_actors(subj, sent) if subj is not None else []
        actor2: list[_Arg] = []
        ends: list[int] = []
        for c in a.children:
            if c.dep_ == "prep" and c.lower_ in self.lex.object_preps:
                pobj = next((g for g in c.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    actor2 = self._np_actors(pobj, sent)
                    ends.append(_core_end(pobj))
                    if actor2:
                        break
        return _Frame(actor1, actor2, [], head, [a, head], ends)

    def _assoc(self, tok, sent: _Sent) -> list[_Arg]:
        """Actors associated through "alongside X" or "backed by X" in the trigger's clause or its subject's
        phrase."""
        out: list[_Arg] = []
        roots = [tok]
        subj, _ = self._subject_child(tok)
        if subj is not None:
            roots.append(subj)
        for t in self._bfs(roots, sent, _CLAUSE_BOUNDARY_DEPS):
            if t.dep_ == "prep" and t.lower_ in self.lex.assoc_preps:
                pobj = next((g for g in t.children if g.dep_ == "pobj"), None)
                if pobj is not None:
                    out.extend(self._np_actors(pobj, sent))
            elif t.dep_ == "acl" and t.i != tok.i and t.lower_ in ("backed", "supported", "aided", "assisted"):
                by = self._by_object(t)
                if by is not None:
                    out.extend(self._np_actors(by, sent))
        return out

    # ---------------------------------------------------------------- place, date, context

    def _bfs(self, roots: list, sent: _Sent, prune: tuple[str, ...]) -> list:
        seen = set()
        order = []
        queue = deque((r, 0) for r in roots)
        while queue:
            tok, d = queue.popleft()
            if tok.i in seen or not sent.has(tok):
                continue
            seen.add(tok.i)
            order.append((d, tok))
            for c in tok.children:
                if c.dep_ in prune or (c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")):
                    continue  # another clause or another predicate
                queue.append((c, d + 1))
        return [t for _, t in order]

    def _is_dateline(self, pm: PlaceMention) -> bool:
        """A place at the start of a line followed by a dateline separator ("BEIRUT —", "LYON:",
        "GAZA CITY, Palestinian Territories:", "KABUL (Reuters) -")."""
        line_start = self.text.rfind("\n", 0, pm.char_start) + 1
        if self.text[line_start : pm.char_start].strip():
            return False
        seps = "|".join(re.escape(x) for x in sorted(self.lex.dateline_separators, key=len, reverse=True))
        if not seps:
            return False
        after = self.text[pm.char_end : pm.char_end + 80]
        return re.match(rf"(?:\s*,\s*[A-Z][^\n,:(—–]{{0,40}}?)?\s*(?:\([^)\n]{{0,30}}\))?\s*(?:{seps})\s", after) is not None

    def _named_settlement(self, frame: _Frame, trig: _Trigger, sent: _Sent) -> PlaceMention | None:
        """The place a generic settlement noun stands for when the sentence names it later: "captured a key
        town in the province of Idlib ... the town of Maarat al-Numan" -> Maarat al-Numan."""
        lex = self.lex
        v = trig.token
        nouns = [c for c in v.children if c.dep_ in ("dobj", "nsubjpass")] if trig.kind == "verb" else []
        if trig.theme is not None:
            nouns.append(trig.theme)
        for noun in nouns:
            if not (noun_singular_candidates(noun.lower_) & lex.settlement_nouns) or self.m.place_at(noun):
                continue
            if any(self.m.place_at(c) for c in noun.children if c.dep_ in ("compound", "appos", "amod")):
                continue  # already named: "the town of X" / "X town"
            for pm in self.m.places:
                if not (sent.start <= pm.char_start and pm.char_end <= sent.end) or self._is_dateline(pm):
                    continue
                span = self.doc.char_span(pm.char_start, pm.char_end, alignment_mode="expand")
                if span is None or len(span) == 0:
                    continue
                root = span.root
                named = None
                if root.dep_ == "pobj" and root.head.lower_ == "of":
                    named = root.head.head
                elif root.dep_ == "appos":
                    named = root.head
                if named is not None and named.i != noun.i and named.lower_ == noun.lower_:
                    return pm
        return None

    def _place(self, frame: _Frame, trig: _Trigger, sent: _Sent, used: list[_Arg]) -> tuple[str | None, bool, int]:
        datelines: list[PlaceMention] = []

        def excluded(pm: PlaceMention) -> bool:
            if any(pm.char_start < a.end and a.start < pm.char_end for a in used):
                return True
            if self._is_dateline(pm):
                datelines.append(pm)
                return True
            return False

        named = self._named_settlement(frame, trig, sent)
        if named is not None and not excluded(named):
            return named.place_id, True, named.char_end
        for prune in (_CLAUSE_BOUNDARY_DEPS, ("ccomp", "parataxis", "advcl")):
            for tok in self._bfs(frame.search_roots, sent, prune):
                pm = self.m.place_at(tok)
                if pm is not None and not excluded(pm):
                    return pm.place_id, True, pm.char_end
        best = None
        pos = trig.token.idx
        for pm in self.m.places:
            if pm.char_start >= sent.start and pm.char_end <= sent.end and not excluded(pm):
                dist = abs(pm.char_start - pos)
                if best is None or dist < best[0]:
                    best = (dist, pm)
        if best is not None:
            return best[1].place_id, False, -1
        if datelines:  # a dateline only when the sentence names no other place
            return datelines[0].place_id, False, -1
        return None, False, -1

    def _date(self, frame: _Frame, trig: _Trigger, sent: _Sent) -> DateMention | None:
        roots = list(frame.search_roots)
        cur = frame.anchor
        for _ in range(6):  # dates on the governing verbs of the same clause ("This week, X began advancing")
            if cur.dep_ in ("xcomp", "conj", "pcomp", "acomp", "prep") and cur.head != cur:
                cur = cur.head
                roots.append(cur)
            else:
                break
        for tok in self._bfs(roots, sent, _CLAUSE_BOUNDARY_DEPS):
            dm = self.m.date_at(tok)
            if dm is not None:
                return dm
        return None

    def _path_up(self, tok, limit: int = 12) -> list:
        path = []
        cur = tok
        for _ in range(limit):
            if cur.head == cur:
                break
            path.append(cur)
            cur = cur.head
        path.append(cur)
        return path

    def _context(
        self, trig: _Trigger, frame: _Frame, date: DateMention | None, participants: set[str], sent: _Sent
    ) -> list[str]:
        lex = self.lex
        flags: set[str] = set()
        anchor = frame.anchor

        # The clause chain whose modality the event shares: the anchor, and heads it is an infinitive,
        # participle or coordinated verb of.
        chain = [anchor]
        cur = anchor
        for _ in range(6):
            if cur.dep_ in ("xcomp", "conj", "pcomp", "prep", "acomp") and cur.head != cur:
                cur = cur.head
                chain.append(cur)
            else:
                break
        for i, t in enumerate(chain):
            for c in t.children:
                if c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no" and t == trig.token):
                    if i == 0 or chain[i - 1].dep_ == "xcomp":
                        flags.add("negated")
                if c.dep_ == "aux" and c.lower_ in lex.future_modals:
                    flags.add("future")
                if c.dep_ == "aux" and c.lower_ in lex.hypothetical_modals:
                    flags.add("hypothetical")
        if trig.kind == "noun" and anchor == trig.token:
            if any(c.lower_ in lex.negation and c.dep_ in ("det", "neg") for c in trig.token.children):
                flags.add("negated")

        # Governors: "plan to attack" (future), "attempted to retake", "fear arrest" (hypothetical).
        nominal_head = trig.token.head if trig.token.dep_ == "compound" else trig.token
        governors = chain[1:] if trig.kind != "noun" or anchor != trig.token else [nominal_head.head]
        if trig.kind != "noun" or anchor != trig.token:
            g = chain[-1]
            if g.dep_ in ("acl",) and g.head != g:
                governors = [*governors, g.head]
            elif g.dep_ in ("xcomp", "ccomp") and g.head != g:
                governors = [*governors, g.head]
        for g in governors:
            if g == trig.token:
                continue
            words = _any_lemmas(g, lex) | {g.lower_}
            if words & lex.negating_governors:
                flags.add("negated")
            elif g.lower_ == "going" or words & lex.future_governors:
                flags.add("future")
            elif words & lex.hypothetical_governors:
                flags.add("hypothetical")

        # Conditionals anywhere on the way to the root: "if their towns are recaptured".
        for t in self._path_up(anchor):
            if any(c.dep_ == "mark" and c.lower_ in lex.conditional_marks for c in t.children):
                flags.add("hypothetical")
                break

        # Historical: an explicit date more than a year before publication.
        pub = self.article.published_at
        if date is not None and date.date_end is not None and pub is not None:
            if (pub - date.date_end).days > 365:  # (no date arithmetic that could leave the calendar)
                flags.add("historical")

        # Claimed: reported by a party to it ("Moscow and Damascus say they are fighting ...").
        if self._is_claimed(anchor, participants, sent):
            flags.add("claimed")
        return [f for f in CONTEXT_FLAGS if f in flags]

    def _reporters(self, anchor) -> list[tuple[object, object | None, bool]]:
        """Who reports the clause of `anchor`: (speech verb or attribution preposition, speaker token or None,
        whether the verb is a claim verb), for "X said (that) ...", "..., X said" and "according to X"."""
        lex = self.lex
        out: list[tuple[object, object | None, bool]] = []
        path = self._path_up(anchor)
        for t in path:
            if t.dep_ in ("ccomp", "parataxis") and t.head != t:
                verb = t.head
                lemmas = _any_lemmas(verb, lex)
                if lemmas & lex.speech_verbs:
                    s = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
                    out.append((verb, s, bool(lemmas & lex.claim_verbs)))
                    break
        root = path[-1]
        for t in (anchor, root):
            for c in t.children:
                if c.dep_ in ("parataxis", "ccomp", "advcl") and _any_lemmas(c, lex) & lex.speech_verbs:
                    if c.i > anchor.i:
                        s = next((g for g in c.children if g.dep_ in ("nsubj", "nsubjpass")), None)
                        out.append((c, s, bool(_any_lemmas(c, lex) & lex.claim_verbs)))
                if c.dep_ == "prep" and c.lower_ in lex.attribution_preps:
                    for g in c.subtree:
                        if g.dep_ == "pobj":
                            out.append((c, g, False))
                            break
        return out

    @staticmethod
    def _reported_directly(anchor, verb) -> bool:
        """Whether an act is something a speech verb reports, not a participle describing one of the things
        reported: "said it will send a team to identify victims *killed* by ..." is no report of a killing,
        "said ISIL has killed ..." and "concerned by reports that ISIL has killed ..." are."""
        stop = {verb.i, verb.head.i}
        cur = anchor
        for _ in range(16):
            if cur.i in stop or cur.head == cur:
                return True
            if cur.dep_ == "acl" and not any(c.dep_.startswith("nsubj") for c in cur.children):
                return False
            cur = cur.head
        return True

    def _is_claimed(self, anchor, participants: set[str], sent: _Sent) -> bool:
        for _, s, is_claim in self._reporters(anchor):
            if is_claim:
                return True
            if s is None:
                continue
            for a in self._np_actors(s, sent):
                if a.actor_id in participants:
                    return True
        return False

    def _accusation(self, trig: _Trigger, ev: Event, sent: _Sent) -> Event | None:
        """A party's report of a hostile act by another actor is an accusation (CAMEO 11): "Turkey said the
        regime continues to kill civilians" -> ACCUSE Turkey -> regime, besides the reported ASSAULT. Only for
        speech verbs of `accusing_speech_verbs`, a named speaker that is not a news outlet, a known doer other
        than the speaker, and a reported act that is not negated."""
        lex = self.lex
        if ev.event_type not in lex.accusable_types or not ev.actor1_id or "negated" in ev.context:
            return None
        anchor = trig.token
        for verb, speaker, _ in self._reporters(anchor):
            if speaker is None or verb.dep_ == "prep" or not (_any_lemmas(verb, lex) & lex.accusing_speech_verbs):
                continue
            if any(c.dep_ == "neg" for c in verb.children) or not sent.has(verb):
                continue
            if not self._reported_directly(anchor, verb):
                continue  # "said it will send a team to identify victims killed by ...": not what the speaker reports
            found = self._np_actors(speaker, sent)
            if not found:
                continue
            who = found[0]
            if ev.actor1_id in {a.actor_id for a in found} or self._actor_type(who.actor_id) in lex.non_accusing_actor_types:
                return None
            if self._same_side(who.actor_id, ev.actor1_id):
                return None  # "the U.S. Central Command said the United States launched a strike": its own side
            if self._doer_is_pronoun(trig.token):
                return None  # "X said they would strike": the doer is most likely the speaker
            start = min(ev.char_start, who.start, verb.idx)
            end = max(ev.char_end, who.end, verb.idx + len(verb.text))
            if end - start > MAX_QUOTE_CHARS or start < sent.start or end > sent.end:
                return None
            start, end = _trim(self.text, start, end)
            row = crosswalk_row("ACCUSE", None) or {}
            event_id = span_id("evt", self.article.article_id, "event:ACCUSE", start, end)
            return dataclasses.replace(
                ev,
                event_id=event_id,
                event_type="ACCUSE",
                mode=None,
                context=(),
                actor1_id=who.actor_id,
                actor2_id=ev.actor1_id,
                assoc_actor_ids=(),
                cameo_root=row.get("cameo_root") or None,
                acled_event_type=row.get("acled_event_type") or None,
                confidence=round(max(0.05, min(ev.confidence, lex.accusation_confidence)), 2),
                cluster_id="clu_" + short_hash(event_id),
                char_start=start,
                char_end=end,
                quote=self.text[start:end],
            )
        return None

    # ---------------------------------------------------------------- assembly

    def _build(self, trig: _Trigger, sent: _Sent) -> Event | None:
        if trig.kind == "verb":
            frame = self._verb_frame(trig, sent)
        elif trig.kind == "noun":
            frame = self._noun_frame(trig, sent)
        else:
            frame = self._adj_frame(trig, sent)
        sense = trig.sense
        etype = sense.event_type

        actor1 = frame.actor1[0] if frame.actor1 else None
        rest1 = frame.actor1[1:]
        actor2 = frame.actor2[0] if frame.actor2 else None
        if actor2 is None and etype in self.lex.symmetric_types and rest1:
            actor2, rest1 = rest1[0], rest1[1:]
        if actor1 is not None and actor2 is not None and actor1.actor_id == actor2.actor_id:
            actor2 = None
        main_ids = {a.actor_id for a in (actor1, actor2) if a is not None}
        assoc_ids: list[str] = []
        for a in [*rest1, *frame.actor2[1:], *frame.assoc]:
            if a.actor_id not in main_ids and a.actor_id not in assoc_ids:
                assoc_ids.append(a.actor_id)

        used = [a for a in (actor1, actor2) if a is not None]
        place_id, attached, place_end = self._place(frame, trig, sent, used)
        if actor1 is None and actor2 is None and not assoc_ids:
            if etype == "DISPLACEMENT":
                pass
            elif (etype == "ASSAULT" or (etype == "AGREE" and sense.mode)) and place_id is not None and attached:
                pass  # a fight, a ceasefire or a deal at a place; not a promise nobody makes ("funds pledged")
            elif etype == "ASSAULT" and trig.kind == "noun" and self._reported_participant(trig.token):
                pass  # "air attacks have demolished hospitals", "bombardment resumed", "devastated by an assault"
            else:
                return None

        date = self._date(frame, trig, sent)
        participants = set(main_ids) | set(assoc_ids)
        context = self._context(trig, frame, date, participants, sent)
        if frame.flags:
            context = [f for f in CONTEXT_FLAGS if f in set(context) | set(frame.flags)]

        # Quote: from the start of actor1 (or the trigger) to the end of the argument phrase.
        trig_start = min(t.idx for t in trig.tokens)
        trig_end = max(t.idx + len(t.text) for t in trig.tokens)
        start, end = trig_start, trig_end
        for a in used:
            if sent.start <= a.start and a.end <= sent.end and not (a.remote and a.start < trig_start):
                start, end = min(start, a.start), max(end, a.end)
        for e in frame.phrase_ends:
            if e <= sent.end:
                end = max(end, e)
        for st in frame.phrase_starts:
            if sent.start <= st < start and start - st <= 120:
                start = st
        theme = trig.theme
        if theme is not None and sent.has(theme) and theme.i < trig.token.i and sent.has(theme.left_edge):
            start = min(start, theme.left_edge.idx)  # "a cease-fire struck ...", "the deal they signed"
        if attached and 0 < place_end <= sent.end and place_end - end < 120:
            end = max(end, place_end)
        if end - start > MAX_QUOTE_CHARS:
            start = trig_start
            end = min(end, trig_start + MAX_QUOTE_CHARS)
        start, end = _trim(self.text, start, end)
        if end <= start:
            start, end = trig_start, trig_end

        confidence = sense.confidence
        if confidence is None:
            confidence = {"verb": self.lex.verb_confidence, "noun": self.lex.noun_confidence}.get(
                trig.kind, self.lex.adjective_confidence
            )
        if actor1 is None:
            confidence -= PENALTY["no_actor1"]
        if actor2 is None and place_id is None:
            confidence -= PENALTY["no_target"]
        if any(a.via_pronoun for a in used):
            confidence -= PENALTY["pronoun"]
        for f in context:
            confidence -= PENALTY[f]
        confidence = round(min(0.95, max(0.05, confidence)), 2)

        cameo, acled = self._codes(etype, sense.mode, actor2.actor_id if actor2 else None)

        if date is not None and date.date_start is not None:
            d_start, d_end, precision = date.date_start, date.date_end or date.date_start, date.precision
            if precision not in ("day", "week", "month", "year"):
                precision = "unknown"
        else:
            d_start, d_end, precision = None, None, "unknown"

        event_id = span_id("evt", self.article.article_id, "event", start, end)
        return Event(
            event_id=event_id,
            article_id=self.article.article_id,
            event_type=etype,
            mode=sense.mode,
            context=tuple(context),
            actor1_id=actor1.actor_id if actor1 else None,
            actor2_id=actor2.actor_id if actor2 else None,
            assoc_actor_ids=tuple(assoc_ids),
            place_id=place_id,
            date_start=d_start,
            date_end=d_end,
            date_precision=precision,
            cameo_root=cameo,
            acled_event_type=acled,
            confidence=confidence,
            cluster_id="clu_" + short_hash(event_id),
            char_start=start,
            char_end=end,
            quote=self.text[start:end],
            sentence=self.text[sent.start : sent.end],
            sentence_index=sent.index,
        )

    def _codes(self, etype: str, mode: str | None, actor2_id: str | None) -> tuple[str | None, str | None]:
        """CAMEO root and ACLED event type of an event from the crosswalk; an ACLED battle against civilians is
        violence against civilians."""
        row = crosswalk_row(etype, mode)
        cameo = (row or {}).get("cameo_root") or None
        acled = (row or {}).get("acled_event_type") or None
        if etype == "ASSAULT" and acled == "Battles" and actor2_id is not None:
            if self._actor_type(actor2_id) == "civilians":
                acled = "Violence against civilians"
        return cameo, acled

    # ---------------------------------------------------------------- one act told twice

    def _tells_again(self, a: _Trigger, ea: Event, b: _Trigger, eb: Event) -> bool:
        """Whether trigger `b` tells the act of trigger `a` again, as a part of `a`'s own phrase (same type):

        - a nominal trigger that is the subject, object, agent or means of a verb trigger ("air attacks have
          demolished hospitals", "a drone strike killed two militants", "co-sponsored a de-escalation agreement",
          "devastated by an assault", "kill civilians by attacks"), also as a member of a list;
        - a nominal trigger in apposition to, or naming the substance of, a nominal trigger ("an assault of barrel
          bombs, missiles and shelling");
        - a verb trigger that is the means of a verb trigger ("killed 12 civilians by shelling the market"), or the
          participle of the light verb of a nominal trigger ("launched an offensive on X, attacking army posts"),
          with no subject of its own;
        - a verb trigger of the same mode inside `a`'s phrase, not coordinated with it, naming no actor `a` does
          not name ("millions took refuge after fleeing", "were displaced, a number that includes some who have
          been displaced multiple times").

        An act a killing happened in ("killed in an air strike", `cause_preps`) stays an event of its own."""
        if a.sense.event_type != b.sense.event_type:
            return False
        ta, tb = a.token, b.token
        if b.kind == "noun":
            h = tb.head if tb.dep_ == "compound" else tb
            while h.dep_ == "conj" and h.head.i != h.i:
                h = h.head
            if h.head.i != ta.i and h.dep_ == "pobj" and h.head.dep_ in ("prep", "agent") and h.head.head.i == ta.i:
                p = h.head
                if a.kind == "verb":
                    return p.dep_ == "agent" or p.lower_ in self.lex.means_preps
                return a.kind == "noun" and p.lower_ in self.lex.noun_restating_preps
            if h.head.i != ta.i or h.i == ta.i:
                return False
            if a.kind == "verb":
                return h.dep_ in ("nsubj", "nsubjpass", "dobj")
            return a.kind == "noun" and h.dep_ == "appos"
        if b.kind != "verb" or self._subject_child(tb)[0] is not None and tb.dep_ != "relcl":
            return False
        if tb.dep_ == "pcomp" and tb.head.lower_ in self.lex.means_preps and tb.head.head.i == ta.i:
            return a.kind == "verb"
        if a.kind == "noun":
            na = ta.head if ta.dep_ == "compound" else ta
            return (tb.dep_ == "advcl" and na.dep_ == "dobj" and tb.head.i == na.head.i
                    and bool(_any_lemmas(tb.head, self.lex) & self.lex.light_verbs))
        if a.kind == "verb" and tb.dep_ != "conj" and b.sense.mode == a.sense.mode:
            if not _participants(eb) <= _participants(ea):
                return False
            cur, steps = tb, 0
            while cur.head.i != cur.i and steps < 8:
                if cur.dep_ == "conj" or (cur.dep_ in ("ccomp", "parataxis") and cur.i != tb.i):
                    return False  # another clause's act ("X fled and Y fled", "said they had fled")
                cur, steps = cur.head, steps + 1
                if cur.i == ta.i:
                    return True
        return False

    def _same_act_compatible(self, a: Event, b: Event) -> bool:
        """Whether two reports could be one act: no two different actors in one role, no two places or dates,
        the same negation, and modes that agree (the same, one missing, one a `result_modes` outcome, or two
        modes with the same CAMEO root and ACLED type)."""
        for x, y in ((a.actor1_id, b.actor1_id), (a.actor2_id, b.actor2_id), (a.place_id, b.place_id),
                     (a.date_start, b.date_start)):
            if x is not None and y is not None and x != y:
                return False
        if ("negated" in a.context) != ("negated" in b.context):
            return False
        return self._merged_mode(a, b) is not False

    def _merged_mode(self, a: Event, b: Event) -> str | None | bool:
        """The mode of one act told as `a` and `b` (a's when both fit), or False when the modes disagree."""
        if a.mode == b.mode or b.mode is None:
            return a.mode
        if a.mode is None:
            return b.mode
        if a.mode in self.lex.result_modes and b.mode not in self.lex.result_modes:
            return b.mode
        if b.mode in self.lex.result_modes and a.mode not in self.lex.result_modes:
            return a.mode
        ra, rb = crosswalk_row(a.event_type, a.mode), crosswalk_row(b.event_type, b.mode)
        if ra and rb and (ra.get("cameo_root"), ra.get("acled_event_type")) == (rb.get("cameo_root"), rb.get("acled_event_type")):
            return a.mode
        return False

    @staticmethod
    def _richness(trigs: list[_Trigger], e: Event) -> tuple:
        """Preference for the report that survives a merge: more actors, place and date; then a verb (the clause's
        own predicate); then the earlier span."""
        n = sum(x is not None for x in (e.actor1_id, e.actor2_id, e.place_id, e.date_start)) + len(e.assoc_actor_ids)
        return (n, any(t.kind == "verb" for t in trigs), -e.char_start, -e.char_end)

    def _merged(self, x: tuple[list[_Trigger], Event], y: tuple[list[_Trigger], Event]) -> tuple[list[_Trigger], Event]:
        """One event from two reports of one act: the richer report (`_richness`) with the other's actors, place
        and date where it has none, their modes reconciled (`_merged_mode`), and a quote spanning both tellings
        (unless longer than MAX_QUOTE_CHARS). Its id follows the usual rule for its span."""
        (tx, ex), (ty, ey) = x, y
        if self._richness(ty, ey) > self._richness(tx, ex):
            (tx, ex), (ty, ey) = (ty, ey), (tx, ex)
        mode = self._merged_mode(ex, ey)
        mode = None if mode is False else mode
        a1 = ex.actor1_id or ey.actor1_id
        a2 = ex.actor2_id or ey.actor2_id
        assoc = [a for a in dict.fromkeys((*ex.assoc_actor_ids, ey.actor1_id, ey.actor2_id, *ey.assoc_actor_ids))
                 if a and a not in (a1, a2)]
        dated = ex if ex.date_start is not None else ey
        start, end = min(ex.char_start, ey.char_start), max(ex.char_end, ey.char_end)
        if end - start > MAX_QUOTE_CHARS:
            start, end = ex.char_start, ex.char_end
        cameo, acled = self._codes(ex.event_type, mode, a2)
        event_id = span_id("evt", self.article.article_id, "event", start, end)
        merged = dataclasses.replace(
            ex, mode=mode, actor1_id=a1, actor2_id=a2, assoc_actor_ids=tuple(assoc),
            place_id=ex.place_id or ey.place_id, date_start=dated.date_start, date_end=dated.date_end,
            date_precision=dated.date_precision, cameo_root=cameo, acled_event_type=acled,
            confidence=max(ex.confidence, ey.confidence), event_id=event_id, cluster_id="clu_" + short_hash(event_id),
            char_start=start, char_end=end, quote=self.text[start:end],
        )
        return tx + ty, merged

    def _merge_same_act(self, kept: list[tuple[_Trigger, Event]]) -> list[Event]:
        """The events of one sentence with every act told twice merged into one event (`_tells_again`,
        `_same_act_compatible`, `_merged`), in a deterministic order."""
        groups: list[tuple[list[_Trigger], Event]] = [([t], e) for t, e in kept]
        changed = True
        while changed:
            changed = False
            for i, j in ((i, j) for i in range(len(groups)) for j in range(len(groups)) if i != j):
                (ti, ei), (tj, ej) = groups[i], groups[j]
                if ei.event_type != ej.event_type or not self._same_act_compatible(ei, ej):
                    continue
                if any(self._tells_again(a, ei, b, ej) for a in ti for b in tj):
                    groups[min(i, j)] = self._merged(groups[i], groups[j])
                    del groups[max(i, j)]
                    changed = True
                    break
        return [e for _, e in groups]

    def run(self) -> list[Event]:
        events: list[Event] = []
        for s in self.ctx.sentences:
            span = self.doc.char_span(s.char_start, s.char_end, alignment_mode="expand")
            if span is None or len(span) == 0:
                continue
            sent = _Sent(s.index, s.char_start, s.char_end, list(span))
            accused: set[tuple[str | None, str | None]] = set()
            built = [(trig, self._build(trig, sent)) for trig in self._find_triggers(sent)]
            verb_tokens = {t.token.i for t, ev in built if t.kind == "verb" and ev is not None}
            kept: list[tuple[_Trigger, Event]] = []
            for trig, ev in built:
                if ev is None:
                    continue
                if ev.actor1_id is None and (self._object_of_act(trig, verb_tokens) or self._description(trig)):
                    continue  # "endorsed an association agreement with X", "officials accused of X"
                kept.append((trig, ev))
                acc = self._accusation(trig, ev, sent)
                # one accusation per speaker and accused in a sentence ("X said five were killed in an air strike
                # by Y": the killing and the strike are one charge)
                if acc is not None and (acc.actor1_id, acc.actor2_id) not in accused:
                    accused.add((acc.actor1_id, acc.actor2_id))
                    events.append(acc)
            events.extend(self._merge_same_act(kept))
        return _unique(events, self.article.article_id)


def _core_end(tok) -> int:
    """End offset of a phrase without trailing relative clauses, appositions and parentheticals."""
    end = tok.idx + len(tok.text)
    for c in tok.children:
        if c.i > tok.i and c.dep_ not in ("relcl", "appos", "punct", "cc", "advcl", "acl", "parataxis", "conj"):
            end = max(end, _core_end(c))
        elif c.i > tok.i and c.dep_ == "conj" and c.pos_ not in ("VERB", "AUX"):
            end = max(end, _core_end(c))
    return end


def _predicate_end(verb) -> int:
    """End offset of a verb with its particle and direct object ("stop its bombing campaign", "leave their
    homes"), without adjuncts."""
    end = verb.idx + len(verb.text)
    for c in verb.children:
        if c.i > verb.i and c.dep_ in ("dobj", "prt", "attr", "acomp", "advmod", "dative"):
            end = max(end, _core_end(c))
    return end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:—–-("):
        end -= 1
    return start, end


def _unique(events: list[Event], article_id: str) -> list[Event]:
    """Drop repeated (span, type) reports; give a distinct id to a second type on the same span."""
    events = sorted(events, key=lambda e: (e.char_start, e.char_end, -e.confidence, e.event_type))
    out: list[Event] = []
    seen_types: set[tuple[int, int, str]] = set()
    seen_ids: set[str] = set()
    for e in events:
        key = (e.char_start, e.char_end, e.event_type)
        if key in seen_types:
            continue
        seen_types.add(key)
        if e.event_id in seen_ids:
            new_id = span_id("evt", article_id, f"event:{e.event_type}", e.char_start, e.char_end)
            e = dataclasses.replace(e, event_id=new_id, cluster_id="clu_" + short_hash(new_id))
        seen_ids.add(e.event_id)
        out.append(e)
    return sorted(out, key=lambda e: (e.char_start, e.char_end, e.event_type, e.event_id))


def extract_events(
    ctx: ArticleContext,
    actor_mentions: list[ActorMention],
    place_mentions: list[PlaceMention],
    date_mentions: list[DateMention],
    actors: dict[str, ActorInfo],
) -> list[Event]:
    """Events reported in one article, sorted by char_start (then char_end, event_type, event_id)."""
    if not ctx.text or not ctx.text.strip():
        return []
    return _ArticleExtractor(ctx, actor_mentions, place_mentions, date_mentions, actors).run()


# -------------------------------------------------------------------------------------------- clustering


def _participants(e: Event) -> set[str]:
    return {a for a in (e.actor1_id, e.actor2_id, *e.assoc_actor_ids) if a}


_NEUTRAL_ANCHOR = dt.date(2000, 12, 31)


@functools.lru_cache(maxsize=65536)
def _explicit_date_quotes(quote: str) -> tuple[str, ...]:
    """Explicit calendar expressions ("Jan. 12", "January 12, 2020") in an event's quote: words and digits,
    not weekdays or relative phrases, whose meaning does not depend on when the article was written."""
    from pipeline.ingest.dates import find_date_expressions

    out = []
    for x in find_date_expressions(quote, None):
        if any(ch.isdigit() for ch in x.quote) and any(ch.isalpha() for ch in x.quote) and x.kind == "point":
            out.append(x.quote)
    return tuple(out)


def _windows(quotes: tuple[str, ...], anchor: dt.date) -> list[tuple[dt.date, dt.date]]:
    from pipeline.ingest.dates import find_date_expressions

    out = []
    for q in quotes:
        for x in find_date_expressions(q, anchor):
            if x.date_start is not None:
                out.append((x.date_start, x.date_end or x.date_start))
    return out


def _dates_compatible(a: Event, b: Event) -> bool:
    """Overlapping date windows; an undated report whose quote holds an explicit date expression ("Jan. 12",
    unresolved because its article has no publication date) is read against the other report's date, and two
    such reports must carry the same expression."""
    if a.date_start is not None and b.date_start is not None:
        a_end, b_end = a.date_end or a.date_start, b.date_end or b.date_start
        return a.date_start <= b_end and b.date_start <= a_end
    if a.date_start is None and b.date_start is None:
        qa, qb = _explicit_date_quotes(a.quote), _explicit_date_quotes(b.quote)
        if not qa or not qb:
            return False
        wa, wb = set(_windows(qa, _NEUTRAL_ANCHOR)), set(_windows(qb, _NEUTRAL_ANCHOR))
        return bool(wa & wb)
    dated, undated = (a, b) if a.date_start is not None else (b, a)
    quotes = _explicit_date_quotes(undated.quote)
    if not quotes or dated.date_precision not in ("day", "week"):
        return False
    start, end = dated.date_start, dated.date_end or dated.date_start
    return any(ws <= end and start <= we for ws, we in _windows(quotes, end))


def same_real_event(a: Event, b: Event) -> bool:
    """Whether two event reports plausibly describe one real-world event: same type (and mode, where both
    have one), compatible dates (`_dates_compatible`), and two actors in common or, without conflicting
    actors, the same place."""
    if a.event_type != b.event_type or not _dates_compatible(a, b):
        return False
    if a.mode is not None and b.mode is not None and a.mode != b.mode:
        return False
    pa, pb = _participants(a), _participants(b)
    if len(pa & pb) >= 2:
        return True
    if a.place_id is not None and a.place_id == b.place_id:
        return not (pa and pb) or bool(pa & pb)
    return False


def can_cluster(e: Event) -> bool:
    """Whether a report can join a cluster at all (`cluster_events`): it has a start date, or its quote holds an
    explicit date expression. Any other report keeps its placeholder cluster id whatever else is in the corpus."""
    return e.date_start is not None or bool(_explicit_date_quotes(e.quote))


def cluster_events(events: list[Event]) -> list[Event]:
    """The same events (same order) with `cluster_id` shared by reports of one real-world event.

    Reports are linked when `same_real_event` holds; clusters are the connected components. A cluster's id
    is "clu_" + short_hash(event_id) of its earliest member (earliest date_start, then smallest event_id), so
    it does not depend on the input order, and a report that clusters with nothing keeps its placeholder id.
    Undated reports can only join through an explicit date expression in their quote.
    """
    n = len(events)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    dated: dict[str, list[int]] = {}
    undated: dict[str, list[int]] = {}
    for i, e in enumerate(events):
        if e.date_start is not None:
            dated.setdefault(e.event_type, []).append(i)
        elif can_cluster(e):
            undated.setdefault(e.event_type, []).append(i)
    for idxs in dated.values():  # sweep over start dates: only overlapping windows are compared
        idxs.sort(key=lambda i: (events[i].date_start, events[i].event_id))
        active: list[int] = []
        for i in idxs:
            e = events[i]
            active = [j for j in active if (events[j].date_end or events[j].date_start) >= e.date_start]
            for j in active:
                if same_real_event(events[j], e):
                    union(i, j)
            active.append(i)
    for etype, idxs in undated.items():
        others = dated.get(etype, []) + idxs
        for i in idxs:
            for j in others:
                if j != i and same_real_event(events[i], events[j]):
                    union(i, j)

    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    cluster_of: dict[int, str] = {}
    for idxs in members.values():
        earliest = min(
            idxs,
            key=lambda i: (events[i].date_start is None, events[i].date_start or dt.date.max, events[i].event_id),
        )
        cid = "clu_" + short_hash(events[earliest].event_id)
        for i in idxs:
            cluster_of[i] = cid
    return [dataclasses.replace(e, cluster_id=cluster_of[i]) for i, e in enumerate(events)]
