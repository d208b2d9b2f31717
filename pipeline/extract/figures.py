"""Figures: every number about people or things a reader would cite, as its own record.

For each number phrase (pipeline.extract.numbers) that is a count (not a date, year, age, measure,
duration, percentage, money, label, ordinal or time), the extractor reads from the spaCy parse:

* the counted noun ("129,000 people", "tens of thousands of civilians") -> ``unit`` and the quote's end;
* the category, from three levels of context, nearest first: the counted noun phrase ("displaced people",
  "Syrian refugees"), the figure's clause (governing verb and its complements: "were displaced",
  "are at risk of displacement", "has put the number of displaced at"), then a window of tokens around the
  number. Words per category are in ``pipeline/lexicons/figure_terms.yaml``. Counted dwellings ("homes",
  "buildings") are homes_destroyed with a destruction word, evacuated with an evacuation word ("5,000 homes were
  evacuated"), else other;
* the reporter: the subject of the nearest reporting verb the figure depends on ("X said", "said X",
  "X estimates that", "X has put the number at") or the object of "according to" (through wrappers such as
  "data from X"); ``reporter_actor_id`` is the actor mention inside that span;
* the place: a place mention of the same sentence hanging from the figure's clause ("from southern
  Idlib"), never a destination ("towards Turkey's border");
* the time window (pipeline.extract.temporal.figure_window);
* hypothetical or future framing ("could soon cross", "fears", "trying to") lowers the confidence.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any

from pipeline.extract.attribution import speech_verbs, statement_zones
from pipeline.extract.context import ArticleContext
from pipeline.extract.spans import SpanIndex
from pipeline.extract.numbers import NumberPhrase, coordinated_conjunct, find_number_phrases, lexicon as number_lexicon, not_a_count
from pipeline.extract.temporal import figure_window
from pipeline.extract.types import ActorInfo, ActorMention, DateMention, Figure, PlaceMention
from pipeline.ids import span_id
from pipeline.ingest.dates import find_date_expressions
from pipeline.lexicons import load as load_lexicon


_SUBJECT_DEPS = {"nsubj", "nsubjpass"}
_ARG_DEPS = {"nsubj", "nsubjpass", "dobj", "attr", "oprd", "dative", "agent", "csubj"}
_CLAUSE_CHILD_DEPS = {"prt", "acomp", "attr", "dobj", "prep", "xcomp", "oprd", "agent", "advmod", "npadvmod",
                      "neg", "dative", "nsubj", "nsubjpass"}
_MODAL_DEPS = {"aux", "auxpass", "mark"}
_WINDOW = 8  # tokens either side of the number for the third level of context


@functools.lru_cache(maxsize=1)
def _terms() -> dict[str, Any]:
    t = load_lexicon("figure_terms.yaml")
    t["_reporting"] = frozenset(w.lower() for w in speech_verbs()["number_source"])
    t["_unit_of"] = {}
    for unit in ("children", "families", "households", "homes", "buildings", "people"):
        for w in t["units"][unit]:
            t["_unit_of"].setdefault(w.lower(), unit)
    return t


# ----------------------------------------------------------------------------------------------------------
# Small parse helpers


def _span_tokens(doc, start: int, end: int):
    span = doc.char_span(start, end, alignment_mode="expand")
    return span if span is not None and len(span) > 0 else None


def _lower(tokens) -> str:
    return " " + " ".join(t.text.lower() for t in sorted(tokens, key=lambda t: t.i)) + " "


_PHRASE_RES: dict[int, tuple[list[str], Any]] = {}


def _matches(text: str, phrases: list[str]) -> bool:
    """Whether one of `phrases` stands in `text` as whole words (`f" {p} " in text`), as one regular expression
    per phrase list (the lexicon's lists live as long as the process)."""
    entry = _PHRASE_RES.get(id(phrases))
    if entry is None or entry[0] is not phrases:
        entry = (phrases, re.compile(" (?:" + "|".join(re.escape(p) for p in phrases) + ") ") if phrases else None)
        _PHRASE_RES[id(phrases)] = entry
    return entry[1] is not None and entry[1].search(text) is not None


def _categories_in(text: str) -> list[str]:
    t = _terms()
    return [c for c in t["category_priority"] if _matches(text, t["categories"][c])]


@dataclass
class _Parse:
    root: Any  # the token standing for the number (root of the number's tokens)
    noun: Any | None  # the counted noun, if any
    nominal: Any  # noun or root: the token that plays the role in the clause
    verb: Any | None  # the governing verb
    chain: list[Any]  # tokens from nominal up to (and including) the verb


def _parse_number(doc, phrase: NumberPhrase) -> _Parse | None:
    span = _span_tokens(doc, phrase.num_start, phrase.num_end)
    if span is None:
        return None
    root = span.root
    in_span = {t.i for t in span}
    noun = None
    h = root.head
    if root.dep_ in ("nummod", "quantmod", "amod", "compound", "nmod") and h.i not in in_span and h.pos_ in ("NOUN", "PROPN"):
        noun = h
    else:
        for c in root.children:
            if c.dep_ == "prep" and c.text.lower() == "of":
                objs = [g for g in c.children if g.dep_ == "pobj" and g.pos_ in ("NOUN", "PROPN", "ADJ", "VERB")]
                if objs:
                    noun = objs[0]
                break
    if noun is None and span.end < len(doc):
        nxt = doc[span.end]  # parse slips ("1.2m people"): a unit noun straight after the number
        if nxt.text.lower() in _terms()["_unit_of"]:
            noun = nxt
    nominal = noun if noun is not None else root
    chain = [nominal]
    verb = None
    cur = nominal
    for _ in range(10):
        if cur.head is cur:
            if cur.pos_ in ("VERB", "AUX"):
                verb = cur
            break
        nxt = cur.head
        if cur.dep_ in _ARG_DEPS or nxt.pos_ in ("VERB", "AUX"):
            verb = nxt
            chain.append(nxt)
            break
        chain.append(nxt)
        cur = nxt
    return _Parse(root, noun, nominal, verb, chain)


def _noun_phrase_tokens(p: _Parse) -> list[Any]:
    """The counted noun with its modifiers ("new internally displaced persons", "people displaced")."""
    if p.noun is None:
        return [t for t in p.root.children if t.dep_ in ("amod", "compound")] + [p.root]
    toks = [p.noun]
    for c in p.noun.children:
        if c.i == p.root.i:
            continue
        if c.dep_ in ("amod", "compound", "nmod", "advmod"):
            toks.extend(c.subtree)
        elif c.dep_ in ("acl", "relcl"):
            toks.append(c)
            toks.extend(g for g in c.children if g.dep_ in ("prt", "acomp", "agent", "xcomp", "auxpass"))
    return toks


def _clause_tokens(p: _Parse) -> list[Any]:
    toks = list(p.chain)
    v = p.verb
    if v is None:
        return toks
    nominal = p.nominal
    for c in v.children:
        if c.dep_ not in _CLAUSE_CHILD_DEPS:
            continue
        if c.i == nominal.i or nominal.is_ancestor(c):  # inside the number's own phrase
            continue
        sub = list(itertools.islice(c.subtree, 26))  # never more of a long subtree than the test needs
        if len(sub) > 25:
            sub = [c] + [g for g in c.children]
        toks.extend(sub)
    # "forced to flee": the verb's xcomp is included above; an auxiliary head ("are" in "are at risk")
    # is the verb itself.
    return toks


def _window_tokens(doc, p: _Parse, sent) -> list[Any]:
    lo = max(sent.start, p.root.i - _WINDOW)
    hi = min(sent.end, p.root.i + _WINDOW + 1)
    return [doc[i] for i in range(lo, hi)]


def _unit_of(noun) -> str | None:
    if noun is None:
        return None
    t = _terms()
    w = noun.text.lower()
    if w in t["_unit_of"]:
        return t["_unit_of"][w]
    if noun.ent_type_ == "NORP" or (noun.pos_ == "PROPN" and w.endswith("s") and noun.ent_type_ in ("NORP", "")):
        return "people" if noun.ent_type_ == "NORP" else None
    return None


def _is_hypothetical(p: _Parse) -> bool:
    markers = set(_terms()["hypothetical_markers"])
    for tok in p.chain:
        if tok.text.lower() in markers:
            return True
    v = p.verb
    for _ in range(4):
        if v is None:
            break
        if v.text.lower() in markers:
            return True
        if any(c.dep_ in _MODAL_DEPS and c.text.lower() in markers for c in v.children):
            return True
        if v.dep_ in ("xcomp", "ccomp", "pcomp") and v.head is not v:
            v = v.head
        else:
            break
    return False


# ----------------------------------------------------------------------------------------------------------
# Reporter


def _np_bounds(head) -> tuple[int, int]:
    """Char bounds of the noun phrase naming a source: left modifiers, the head, and right-hand name parts
    ("Office for the Coordination of Humanitarian Affairs"), without appositions or relative clauses."""
    left = head.left_edge
    right = head
    for c in head.rights:
        if c.dep_ in ("compound", "flat", "nmod", "case"):
            right = c.right_edge if c.right_edge.i > right.i else right
        elif c.dep_ == "prep" and c.text.lower() in ("of", "for", "on", "in") and any(
            g.dep_ == "pobj" and g.pos_ == "PROPN" for g in c.children
        ):
            right = c.right_edge if c.right_edge.i > right.i else right
        else:
            break
    doc = head.doc
    i, j = left.i, right.i
    while i < j and (doc[i].is_punct or doc[i].is_space):
        i += 1
    while j > i and (doc[j].is_punct or doc[j].is_space) and doc[j].text not in ("’", "'"):
        j -= 1
    return doc[i].idx, doc[j].idx + len(doc[j].text)


def _unwrap_source(tok):
    """"data from X", "figures released by X", "a report by X" -> X."""
    wrappers = set(_terms()["source_wrappers"])
    for _ in range(2):
        if tok.text.lower() not in wrappers:
            return tok
        nxt = None
        for c in tok.children:
            if c.dep_ == "prep" and c.text.lower() in ("from", "by", "of"):
                objs = [g for g in c.children if g.dep_ == "pobj"]
                if objs:
                    nxt = objs[0]
                    break
            if c.dep_ in ("acl", "relcl"):
                for g in c.children:
                    if g.dep_ == "agent":
                        objs = [x for x in g.children if x.dep_ == "pobj"]
                        if objs:
                            nxt = objs[0]
                            break
                if nxt is not None:
                    break
        if nxt is None:
            return tok
        tok = nxt
    return tok


def _according_source(tok):
    """The source named by an "according (to X)" token."""
    for c in tok.children:
        if c.dep_ == "prep" and c.text.lower() == "to":
            objs = [g for g in c.children if g.dep_ == "pobj"]
            if objs:
                return objs[0]
    nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
    if nxt is not None and nxt.text.lower() == "to":
        objs = [g for g in nxt.children if g.dep_ == "pobj"]
        if objs:
            return objs[0]
    return None


def _verb_source(verb):
    """The subject of a reporting verb, or None (pronouns do not name a source)."""
    t = _terms()
    w = verb.text.lower()
    if w in t["object_reporting_verbs"]:
        if not any(c.dep_ == "dobj" and c.text.lower() in t["number_objects"] for c in verb.children):
            return None
    for c in verb.children:
        if c.dep_ in _SUBJECT_DEPS:
            if c.text.lower() in t["pronoun_subjects"] or c.pos_ == "PRON":
                return None
            return c
    if verb.pos_ == "NOUN" and any(c.dep_ == "ccomp" for c in verb.children):
        # "..., OCHA estimates." parsed as a noun phrase ("OCHA" a modifier of "estimates"): a noun does not
        # take a clause, so the word is the reporting verb and its modifier on the left is the one reporting.
        left = [c for c in verb.children if c.i < verb.i and c.dep_ in ("amod", "compound", "nmod", "poss")
                and c.pos_ in ("PROPN", "NOUN", "ADJ") and c.text[:1].isupper()]
        if left:
            return left[0]
    return None


def _find_reporter(p: _Parse, sent, according: list | None = None):
    """`according`: the sentence's "according" tokens, when the caller has them (else the sentence is scanned)."""
    t = _terms()
    reporting = t["_reporting"]
    path = [p.root] + list(p.root.ancestors)
    for a in path:
        if a.text.lower() == "according":
            src = _according_source(a)
            if src is not None:
                return _unwrap_source(src)
        for c in a.children:
            if c.text.lower() == "according" and c.i not in {x.i for x in p.root.subtree}:
                src = _according_source(c)
                if src is not None:
                    return _unwrap_source(src)
        if a.text.lower() in reporting and a.pos_ in ("VERB", "AUX", "NOUN") and a.i != p.root.i:
            src = _verb_source(a)
            if src is not None:
                return _unwrap_source(src)
    for tok in (according if according is not None else sent):  # "according to X" anywhere in the sentence
        if tok.text.lower() == "according":
            src = _according_source(tok)
            if src is not None:
                return _unwrap_source(src)
    return None


def _source_of(verb):
    """The one a reporting verb names as the source ("data from X" unwrapped to X), or None."""
    src = _verb_source(verb)
    return _unwrap_source(src) if src is not None else None


def _mention_in(mentions: list[ActorMention], start: int, end: int, head) -> ActorMention | None:
    inside = [m for m in mentions if m.char_start < end and start < m.char_end]
    if not inside:
        return None
    for m in inside:
        if head is not None and m.char_start <= head.idx < m.char_end:
            return m
    return sorted(inside, key=lambda m: (m.char_start, m.char_end))[0]


# ----------------------------------------------------------------------------------------------------------
# Place


def _find_place(ctx: ArticleContext, p: _Parse, sent, places: list[PlaceMention], exclude: list[tuple[int, int]]):
    t = _terms()
    dest = set(t["destination_prepositions"])
    anchors = {p.root.i, p.nominal.i} | ({p.verb.i} if p.verb is not None else set()) | {x.i for x in p.chain}
    best = None
    for pm in places:
        if not (sent.start_char <= pm.char_start < sent.end_char):
            continue
        if any(pm.char_start < e and s < pm.char_end for s, e in exclude):
            continue
        span = _span_tokens(ctx.doc, pm.char_start, pm.char_end)
        if span is None:
            continue
        tok = span.root
        prep = None
        for a in [tok] + list(tok.ancestors)[:5]:
            if a.pos_ == "ADP" or a.dep_ == "prep":
                prep = a.text.lower()
                break
        if prep in dest:
            continue
        hangs = any(a.i in anchors for a in tok.ancestors) or tok.i in anchors
        score = 0 if hangs else 1
        dist = min(abs(pm.char_start - p.root.idx), abs(p.root.idx - pm.char_end))
        key = (score, dist, pm.char_start)
        if best is None or key < best[0]:
            best = (key, pm)
    return best[1].place_id if best else None


# ----------------------------------------------------------------------------------------------------------
# Main


def _date_spans(ctx: ArticleContext, date_mentions: list[DateMention]) -> list[tuple[int, int]]:
    spans = [(d.char_start, d.char_end) for d in date_mentions]
    spans += [(e.char_start, e.char_end) for e in find_date_expressions(ctx.text, None)]
    for ent in getattr(ctx.doc, "ents", ()):
        if ent.label_ in ("TIME", "PERCENT", "ORDINAL"):
            spans.append((ent.start_char, ent.end_char))
    return spans


class _SentenceMemo:
    """What figures read from a whole sentence, computed once per sentence rather than once per number in it (a
    sentence that lists hundreds of numbers would otherwise cost numbers x sentence length)."""

    def __init__(self):
        self._text: dict[int, str] = {}
        self._cats: dict[int, list[str]] = {}
        self._according: dict[int, list] = {}

    def text(self, i: int, sent) -> str:
        if i not in self._text:
            self._text[i] = _lower(sent)
        return self._text[i]

    def categories(self, i: int, sent) -> list[str]:
        if i not in self._cats:
            self._cats[i] = _categories_in(self.text(i, sent))
        return self._cats[i]

    def according(self, i: int, sent) -> list:
        if i not in self._according:
            self._according[i] = [tok for tok in sent if tok.text.lower() == "according"]
        return self._according[i]


def _counted_parse(doc, text: str, ph: NumberPhrase, nlex: dict) -> tuple[_Parse, str | None] | None:
    """The parse of a number phrase and its unit, or None when the phrase is not a count worth a figure."""
    if not_a_count(text, ph) is not None:
        return None
    p = _parse_number(doc, ph)
    if p is None:
        return None
    noun_word = p.noun.text.lower() if p.noun is not None else None
    if noun_word is not None and noun_word in nlex["measure_units"]:
        return None
    unit = _unit_of(p.noun)
    # A small bare number after a determiner points back at a set ("the two countries").
    before = re.search(r"([A-Za-z]+)\s*$", text[max(0, ph.char_start - 15) : ph.char_start])
    anaphoric = before is not None and before.group(1).lower() in nlex["anaphoric_before"]
    if anaphoric and ph.qualifier == "exact" and unit is None and ph.form != "vague":
        return None
    if ph.form in ("words", "fixed") and ph.qualifier == "exact" and p.noun is None:
        return None
    if ph.form in ("words", "fixed", "digits") and ph.value <= 1 and unit is None:
        return None
    return p, unit


def _category(p: _Parse, unit: str | None, level_texts: list[str], sent_cats, conjunct: str = "") -> tuple[str, int]:
    """(category, level of context it was read at): nearest level first; `sent_cats()` gives the categories of
    the whole sentence (read once per sentence); `conjunct` the words after the number up to the next comma or
    conjunction, which win when the number is one of coordinated counts."""
    t = _terms()
    category, level = "other", 4
    if unit in ("homes", "buildings"):
        destroy = t["categories"]["homes_destroyed"]
        for k, text_k in enumerate(level_texts):
            if _matches(text_k, destroy):
                return "homes_destroyed", k
        # "5,000 homes were evacuated": dwellings emptied of their households
        for k, text_k in enumerate(level_texts[:3]):
            if _matches(text_k, t["categories"]["evacuated"]):
                return "evacuated", k
        return category, level
    if unit is None and p.noun is not None and p.noun.ent_type_ != "NORP":
        # counted things that are not people ("three observation posts")
        cats0 = _categories_in(level_texts[0])
        return (cats0[0], 0) if cats0 else (category, level)
    own = _categories_in(conjunct)
    if own:  # "2 dead, 3 injured": a count in a coordination keeps the word of its own conjunct
        return own[0], 0
    for k, text_k in enumerate(level_texts):
        cats = _categories_in(text_k) if k < 3 else sent_cats()
        if cats:
            category, level = cats[0], k
            break
    if category == "population" and level == 0:
        # "residents" only says who the people are; what happened to them is in the clause ("5,000
        # residents fled" counts the displaced, "the town's 5,000 residents" its population).
        what = [c for c in _categories_in(level_texts[1]) if c != "population"]
        if what:
            category, level = what[0], 1
    return category, level


def _quote_end(doc, p: _Parse, ph: NumberPhrase) -> int:
    """The end of a figure's quote: hedge + number (+ the counted noun when it follows inside the noun phrase)."""
    q_end = ph.char_end
    if p.noun is not None and p.noun.i > p.root.i and p.noun.i - p.root.i <= 6:
        between = [doc[i] for i in range(p.root.i + 1, p.noun.i)]
        if all(x.head.i in (p.noun.i, p.root.i) or x.dep_ in ("amod", "compound", "advmod", "prep", "quantmod")
               for x in between) and not any(x.is_punct for x in between):
            q_end = max(q_end, p.noun.idx + len(p.noun.text))
    return q_end


def _reporter(text: str, src, q_start: int, q_end: int, actor_mentions: list[ActorMention]):
    """(reporter_text, reporter_actor_id, reporter span) of a source token, or Nones when it overlaps the quote."""
    if src is None:
        return None, None, None
    rs, re_ = _np_bounds(src)
    if rs < q_end and q_start < re_:
        return None, None, None
    mention = _mention_in(actor_mentions, rs, re_, src)
    if mention is None:
        for c in src.children:
            if c.dep_ == "appos":
                a_end = c.right_edge.idx + len(c.right_edge.text)
                mention = _mention_in(actor_mentions, c.left_edge.idx, a_end, c)
                if mention is not None:
                    re_ = a_end
                break
    return text[rs:re_], (mention.actor_id if mention is not None else None), (rs, re_)


def _confidence(level: int, ph: NumberPhrase, p: _Parse) -> float:
    confidence = {0: 0.85, 1: 0.85, 2: 0.65, 3: 0.55, 4: 0.5}[level]
    if ph.form == "vague":
        confidence -= 0.05
    if _is_hypothetical(p):
        confidence -= 0.25
    return round(min(0.99, max(0.05, confidence)), 2)


def extract_figures(
    ctx: ArticleContext,
    actor_mentions: list[ActorMention],
    place_mentions: list[PlaceMention],
    date_mentions: list[DateMention],
    actors: dict[str, ActorInfo],
) -> list[Figure]:
    """Every figure in the article, in text order (see the module docstring).

    ``actor_mentions`` give ``reporter_actor_id`` (the mention inside the reporter's words, preferring the
    one holding the phrase's head); ``place_mentions`` give ``place_id``; ``date_mentions`` (from
    :func:`pipeline.extract.temporal.extract_dates`) give the window and are never figures themselves.
    ``actors`` is accepted for the extractors' common signature and not needed here. ``event_id`` is left
    None: the orchestrator links figures to events.
    """
    text = ctx.text
    if not text or not ctx.sentences:
        return []
    doc = ctx.doc
    nlex = number_lexicon()
    not_dates = SpanIndex(_date_spans(ctx, date_mentions))
    memo = _SentenceMemo()
    out: list[Figure] = []
    seen: set[tuple[int, int]] = set()
    zones: list[tuple[int, int, Any]] | None = None  # statement_zones(ctx), computed when first needed
    phrases = find_number_phrases(text)
    for ph in phrases:
        if not_dates.overlaps(ph.num_start, ph.num_end):
            continue
        parsed = _counted_parse(doc, text, ph, nlex)
        if parsed is None:
            continue
        p, unit = parsed
        sent_i = ctx.sentence_index_at(ph.char_start)
        sent = ctx.sentence_span(sent_i)
        if sent is None:
            continue
        levels = [_noun_phrase_tokens(p), _clause_tokens(p), _window_tokens(doc, p, sent)]
        level_texts = [_lower(toks) for toks in levels] + [memo.text(sent_i, sent)]
        category, level = _category(p, unit, level_texts, lambda: memo.categories(sent_i, sent),
                                    coordinated_conjunct(text, ph, phrases))
        if unit is None:
            unit = "people" if category not in ("other", "homes_destroyed") else "other"
        if category == "other" and p.noun is None and ph.qualifier in ("exact", "vague"):
            continue  # a bare number nobody says what of: not a figure
        q_start, q_end = ph.char_start, _quote_end(doc, p, ph)
        if (q_start, q_end) in seen:
            continue
        seen.add((q_start, q_end))
        src = _find_reporter(p, sent, memo.according(sent_i, sent))
        if src is None:  # words of a speaker named outside the sentence (a quotation, a press statement)
            if zones is None:
                zones = statement_zones(ctx, _terms()["_reporting"], _source_of)
            src = next((sp for zs, ze, sp in reversed(zones) if zs <= q_start and q_end <= ze), None)
        reporter_text, reporter_actor_id, rep_span = _reporter(text, src, q_start, q_end, actor_mentions)
        place_id = _find_place(ctx, p, sent, place_mentions, [rep_span] if rep_span else [])
        w_start, w_end, w_kind = figure_window(ctx, q_start, q_end, date_mentions)
        out.append(
            Figure(
                figure_id=span_id("fig", ctx.article.article_id, "figure", q_start, q_end),
                article_id=ctx.article.article_id,
                value=float(ph.value),
                value_low=ph.value_low,
                value_high=ph.value_high,
                qualifier=ph.qualifier,
                category=category,
                unit=unit,
                reporter_actor_id=reporter_actor_id,
                reporter_text=reporter_text,
                place_id=place_id,
                window_start=w_start,
                window_end=w_end,
                window_kind=w_kind,
                event_id=None,
                confidence=_confidence(level, p=p, ph=ph),
                char_start=q_start,
                char_end=q_end,
                quote=text[q_start:q_end],
                sentence=ctx.sentence_text(sent_i),
                sentence_index=sent_i,
            )
        )
    out.sort(key=lambda f: (f.char_start, f.char_end))
    return out
