"""Who said it: the speaker of a stretch of text, and where their words start and end.

One mechanism for the three extractors, over one word file (`pipeline/lexicons/speech_verbs.yaml`). A speech
verb is a token whose words (`words_of`: its surface form, or the readings a caller's morphology gives) meet
the caller's list; its speaker is its subject. On top of that:

- `clause_reporters` (events: is an act reported, claimed, an accusation): the speech verbs and "according to"
  phrases that govern a clause or hang from it;
- `speaker_is_doer` (events: "said it would free ..."): whether a reported clause's doer is the speaker;
- `speech_attributions` and `quote_speaker` (actors: who "I" and "we" in a quote stand for);
- `speaker_in` and `statement_zones` (figures: who gave a number in a quotation or a "X said:" statement).

The callers differ in their word lists and in what counts as a speaker (actors: a known actor mention in the
subject; figures: a subject that is not a pronoun, unwrapped from "data from X"); those are parameters here.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from pipeline.lexicons import load as load_lexicon

LISTS = ("reporting_clause", "claim", "accusing", "attribution_preps", "quote_speaker", "number_source")
SUBJECT_DEPS = ("nsubj", "nsubjpass")

WordsOf = Callable[[Any], set]  # token -> the words it is matched by


@functools.lru_cache(maxsize=1)
def speech_verbs() -> dict[str, tuple[str, ...]]:
    """The lists of speech_verbs.yaml by name (LISTS), as written."""
    data = load_lexicon("speech_verbs.yaml")
    if not isinstance(data, dict) or set(data) != set(LISTS):
        raise ValueError(f"speech_verbs.yaml: expected the lists {list(LISTS)}, got {sorted(data or ())}")
    for name, words in data.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ValueError(f"speech_verbs.yaml: {name} must be a list of words (quote words YAML reads otherwise)")
    return {name: tuple(words) for name, words in data.items()}


def surface(tok) -> set:
    """A token matched by its lower-case form."""
    return {tok.lower_}


def subject_of(verb):
    """The speaker a speech verb names: its subject (active or passive), or None."""
    return next((c for c in verb.children if c.dep_ in SUBJECT_DEPS), None)


def path_up(tok, limit: int = 12) -> list:
    """`tok` and its heads up to the root (at most `limit` steps)."""
    path = []
    cur = tok
    for _ in range(limit):
        if cur.head == cur:
            break
        path.append(cur)
        cur = cur.head
    path.append(cur)
    return path


# ------------------------------------------------------------------------------------------------ events


def clause_reporters(anchor, words_of: WordsOf, speech: frozenset[str], claim: frozenset[str],
                     preps: frozenset[str]) -> list[tuple[object, object | None, bool]]:
    """Who reports the clause of `anchor`: (speech verb or attribution preposition, speaker token or None,
    whether the verb is a claim verb), for "X said (that) ...", "..., X said" and "according to X"."""
    out: list[tuple[object, object | None, bool]] = []
    path = path_up(anchor)
    for t in path:
        if t.dep_ in ("ccomp", "parataxis") and t.head != t:
            verb = t.head
            lemmas = words_of(verb)
            if lemmas & speech:
                out.append((verb, subject_of(verb), bool(lemmas & claim)))
                break
    root = path[-1]
    for t in (anchor, root):
        for c in t.children:
            if c.dep_ in ("parataxis", "ccomp", "advcl") and words_of(c) & speech:
                if c.i > anchor.i:
                    out.append((c, subject_of(c), bool(words_of(c) & claim)))
            if c.dep_ == "prep" and c.lower_ in preps:
                for g in c.subtree:
                    if g.dep_ == "pobj":
                        out.append((c, g, False))
                        break
    return out


def speaker_is_doer(comp, subject, pronouns: Iterable[str]) -> bool:
    """Whether a reported clause's doer is the reporting verb's subject: the clause has no subject of its own
    ("pledged to free"), or a personal pronoun ("said it would free"; resolved to the speaker later)."""
    if subject is None:
        return comp.dep_ == "xcomp"
    return subject.pos_ == "PRON" and subject.lower_ in pronouns


# ------------------------------------------------------------------------------------------------ actors


@dataclass(frozen=True)
class Attribution:
    """A speech verb whose subject holds a known actor mention."""

    sentence: int
    verb_at: int  # the verb's character offset
    speaker: str  # actor id
    opens_statement: bool  # followed by a colon: "said: ..."


def speech_attributions(ctx, verbs: frozenset[str], mentions: Sequence[Any],
                        skip_subjects: Iterable[str] = ("i", "we", "you")) -> list[Attribution]:
    """Every speech verb (`verbs`: word forms) whose subject holds one of `mentions` (anything with `start`,
    `end`, `actor_id`), with the mention at the subject's head as the speaker."""
    text = ctx.text
    out = []
    for tok in ctx.doc:
        if tok.pos_ not in ("VERB", "AUX") or tok.lower_ not in verbs:
            continue
        subj = subject_of(tok)
        if subj is None or subj.lower_ in skip_subjects:
            continue
        s0, s1 = subj.left_edge.idx, subj.right_edge.idx + len(subj.right_edge.text)
        inside = [c for c in mentions if s0 <= c.start and c.end <= s1]
        if not inside:
            continue
        head = next((c for c in inside if c.start <= subj.idx < c.end), inside[-1])
        nxt = text[tok.idx + len(tok.text):tok.idx + len(tok.text) + 3]
        out.append(Attribution(ctx.sentence_index_at(tok.idx), tok.idx, head.actor_id, nxt.lstrip().startswith(":")))
    return out


def _closes(text: str, i: int) -> bool:
    """Whether the quotation mark at `i` closes a quote (straight marks: not preceded by a space)."""
    ch = text[i]
    if ch in "“”":
        return ch == "”"
    return i > 0 and not text[i - 1].isspace()


def quote_speaker(ctx, at: int, attributions: list[Attribution]) -> str | None:
    """Who says the quote that the offset `at` stands in: an attribution in the same sentence, else in a
    neighbouring one with the quote's mark between them, else the last statement opened before it."""
    text = ctx.text
    s = ctx.sentence_index_at(at)
    for ds in (0, 1, -1, 2, -2):
        for a in attributions:
            if a.sentence != s + ds:
                continue
            if ds == 0:
                return a.speaker
            lo, hi = sorted((a.verb_at, at))
            marks = [m.start() for m in re.finditer(r"[\"“”]+", text[lo:hi])]  # a run is one mark
            # the quote holding the offset must close before a later attribution ('..." he says') and
            # open after an earlier one ('he said: "...')
            if marks and _closes(text, lo + (marks[0] if ds > 0 else marks[-1])) == (ds > 0):
                return a.speaker
    opened = [a.speaker for a in attributions if a.opens_statement and a.verb_at < at]
    return opened[-1] if opened else None


# ----------------------------------------------------------------------------------------------- figures

_QUOTATION_RE = re.compile(r"“[^”\n]{10,2000}”|«[^»\n]{10,2000}»|\"[^\"\n]{10,2000}\"")


def speaker_in(doc, start: int, end: int, verbs: frozenset[str], source_of: Callable[[Any], Any]):
    """The one named by a speech verb (`verbs`: word forms) in the text [start, end) ("X said", "said X"), as
    `source_of(verb)` gives it, or None."""
    span = doc.char_span(start, end, alignment_mode="contract") if end > start else None
    if span is None:
        return None
    for tok in span:
        if tok.text.lower() in verbs and tok.pos_ in ("VERB", "AUX"):
            src = source_of(tok)
            if src is not None:
                return src
    return None


def statement_zones(ctx, verbs: frozenset[str], source_of: Callable[[Any], Any]) -> list[tuple[int, int, Any]]:
    """Stretches of the text spoken in a named speaker's voice, as (start, end, speaker token):

    - a statement introduced by a line that ends "X said:" (press releases: "The Foreign Secretary said:"
      and then his words without quotation marks) runs over the paragraphs after it, up to the next such
      introduction or the end of the text;
    - a quotation (“...”, «...», "...") within a paragraph is voiced by the speaker a speech verb names
      right after its closing mark in the same sentence (“... 40 were killed,” the mayor said) or, failing
      that, before its opening mark ("The mayor said: “...”).

    Quotations are listed after statements: a caller that wants the innermost takes the last zone that fits."""
    text, doc = ctx.text, ctx.doc
    zones: list[tuple[int, int, Any]] = []
    intros = []
    for m in re.finditer(r":[ \t]*\r?\n", text):  # a line ending with a colon (the parser may not end a sentence there)
        line_start = text.rfind("\n", 0, m.start()) + 1
        speaker = speaker_in(doc, line_start, m.start(), verbs, source_of)
        if speaker is not None:
            intros.append((m.end(), speaker))
    for n, (start, speaker) in enumerate(intros):
        end = intros[n + 1][0] if n + 1 < len(intros) else len(text)
        zones.append((start, end, speaker))
    for m in _QUOTATION_RE.finditer(text):
        open_at, close_at = m.start(), m.end()
        si_close = ctx.sentence_index_at(close_at - 1)
        s_close = ctx.sentences[si_close] if ctx.sentences else None
        speaker = speaker_in(doc, close_at, s_close.char_end, verbs, source_of) if s_close is not None else None
        if speaker is None and ctx.sentences:
            s_open = ctx.sentences[ctx.sentence_index_at(open_at)]
            speaker = speaker_in(doc, s_open.char_start, open_at, verbs, source_of)
        if speaker is not None:
            zones.append((open_at, close_at, speaker))
    return zones
