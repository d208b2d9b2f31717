"""Small shared pieces of actor extraction: a candidate mention, span and name helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from pipeline.extract.events.lexicon import load_event_lexicon
from pipeline.extract.events.morphology import noun_keys, verb_lemmas



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


@dataclass
class _Cand:
    start: int
    end: int
    actor_id: str
    priority: int
    role_hint: str | None


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
