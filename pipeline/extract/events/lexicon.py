"""The trigger lexicon (`event_verbs.yaml`) and the context cues (`event_context.yaml`), read once."""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import Iterable

from pipeline.extract.attribution import speech_verbs
from pipeline.lexicons import load as load_lexicon
from pipeline.records import enum
ARGUMENT_ROLES = ("verb.actor2", "noun.actor1")  # the roles read by a rule table


EVENT_TYPES = enum("events", "event_type")  # the PLOVER types, as schemas/tables.yaml lists them
CONTEXT_FLAGS = enum("events", "context")  # in this order in every event's context


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
    argument_rules: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)  # event_arguments.yaml


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


def _parse_section(data: dict, section: str) -> tuple[dict[str, tuple[Sense, ...]], dict[str, set[str]]]:
    """The senses of each entry of one lexicon section (`verbs`, `nouns`), and the entries each word form names."""
    senses_of: dict[str, tuple[Sense, ...]] = {}
    forms_of: dict[str, set[str]] = {}
    for key, entry in (data.get(section) or {}).items():
        key = str(key).lower()
        senses, forms = _parse_senses(entry, f"{section}.{key}")
        senses_of[key] = senses
        for f in forms:
            forms_of.setdefault(f, set()).add(key)
    return senses_of, forms_of


@functools.lru_cache(maxsize=1)
def load_event_lexicon() -> EventLexicon:
    """The trigger lexicon and context cues, read once from ``pipeline/lexicons``."""
    data = load_lexicon("event_verbs.yaml")
    cues = load_lexicon("event_context.yaml")
    defaults = data.get("defaults", {})

    verbs, verb_forms = _parse_section(data, "verbs")
    nouns, noun_forms = _parse_section(data, "nouns")

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
        **_cue_fields({**cues, **_speech_cues()}),
        argument_rules=_argument_rules(load_lexicon("event_arguments.yaml")),
    )


def _types(values: Iterable[object] | None) -> frozenset[str]:
    return frozenset(str(t).upper() for t in values or ())


def _word_map(values: dict | None) -> dict[str, frozenset[str]]:
    return {str(k).lower(): _words(v) for k, v in (values or {}).items()}


# How an event_context.yaml entry is read, where it is not a word list (`_words`).
_CUE_READERS = {
    "symmetric_types": _types,
    "accusable_types": _types,
    "statement_types": _types,
    "pronouns": _word_map,
    "undergoer_preps": _word_map,
    "irregular_forms": lambda v: {str(k).lower(): str(x).lower() for k, x in (v or {}).items()},
    "accusation_confidence": lambda v: float(0.55 if v is None else v),
    "dateline_separators": lambda v: tuple(str(x) for x in v or ()),
}
_NOT_CUES = ("verbs", "verb_forms", "nouns", "noun_forms", "adjectives", "verb_confidence", "noun_confidence",
             "adjective_confidence", "argument_rules")


def _cue_fields(cues: dict) -> dict:
    """The EventLexicon fields read from event_context.yaml (every field not in _NOT_CUES)."""
    return {f.name: _CUE_READERS.get(f.name, _words)(cues.get(f.name))
            for f in dataclasses.fields(EventLexicon) if f.name not in _NOT_CUES}


def _speech_cues() -> dict[str, tuple[str, ...]]:
    """The EventLexicon fields read from speech_verbs.yaml."""
    lists = speech_verbs()
    return {"speech_verbs": lists["reporting_clause"], "claim_verbs": lists["claim"],
            "accusing_speech_verbs": lists["accusing"], "attribution_preps": lists["attribution_preps"]}


def _argument_rules(data: object) -> dict[str, tuple[str, ...]]:
    """The rule table of event_arguments.yaml: each role of ARGUMENT_ROLES to its rule names, in order."""
    if not isinstance(data, dict) or set(data) != set(ARGUMENT_ROLES):
        raise ValueError(f"event_arguments.yaml: expected the roles {list(ARGUMENT_ROLES)}, got {data!r}")
    out = {}
    for role, rules in data.items():
        if not isinstance(rules, list) or not all(isinstance(r, str) and r.isidentifier() for r in rules):
            raise ValueError(f"event_arguments.yaml: {role} must be a list of rule names, got {rules!r}")
        out[role] = tuple(rules)
    return out
