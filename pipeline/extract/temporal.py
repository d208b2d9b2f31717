"""Date mentions of an article and the time window a figure covers.

:func:`extract_dates` turns every date expression of the article (pipeline.ingest.dates) into a
:class:`DateMention`, resolved against the publication date. :func:`figure_window` picks the date
expression that frames a figure (the one of the figure's own clause, else of its sentence) and turns it
into (window_start, window_end, window_kind).
"""

from __future__ import annotations

import datetime as dt
import functools

from pipeline.extract.attribution import speech_verbs
from pipeline.extract.context import ArticleContext
from pipeline.extract.types import DateMention
from pipeline.ingest.dates import expression_kind, find_date_expressions

# spaCy dependency labels that open a clause of their own.
_CLAUSE_DEPS = {"ROOT", "ccomp", "xcomp", "advcl", "relcl", "conj", "acl", "csubj", "csubjpass", "parataxis", "pcomp"}


@functools.lru_cache(maxsize=1)
def _reporting_verbs() -> frozenset[str]:
    return frozenset(w.lower() for w in speech_verbs()["number_source"])


def extract_dates(ctx: ArticleContext) -> list[DateMention]:
    """Every date expression in the article, resolved against ``ctx.article.published_at``, in text order."""
    text = ctx.text
    out: list[DateMention] = []
    for e in find_date_expressions(text, ctx.article.published_at):
        out.append(
            DateMention(
                article_id=ctx.article.article_id,
                char_start=e.char_start,
                char_end=e.char_end,
                quote=e.quote,
                date_start=e.date_start,
                date_end=e.date_end,
                precision=e.precision,
                sentence_index=ctx.sentence_index_at(e.char_start),
            )
        )
    out.sort(key=lambda d: (d.char_start, d.char_end))
    return out


def _token_at(doc, char: int):
    """The spaCy token covering ``char`` (or the first one after it), None for an empty doc."""
    if len(doc) == 0:
        return None
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    if span is not None and len(span) > 0:
        return span[0]
    for tok in doc:
        if tok.idx + len(tok.text) > char:
            return tok
    return doc[-1]


def clause_head(tok):
    """The head of the clause a token stands in: its first ancestor (or itself) that is a verb or opens
    a clause."""
    cur = tok
    for _ in range(60):
        if cur.pos_ in ("VERB", "AUX") or cur.dep_ in _CLAUSE_DEPS:
            return cur
        if cur.head is cur:
            return cur
        cur = cur.head
    return cur


def _is_ancestor(a, b) -> bool:
    """True when token ``a`` is an ancestor of token ``b``."""
    return any(x.i == a.i for x in b.ancestors)


def undated_window(ctx: ArticleContext, fig_start: int) -> tuple[dt.date | None, dt.date | None, str]:
    """The window of a figure no date expression frames, from the tense of its clause's finite verb.

    Present or present perfect ("2 million people are in need", "82,000 have been displaced", "remain in
    camps") states a standing or cumulative count: as_of the publication date (start unknown; end NULL when
    the publication date is unknown). Simple past ("five people were killed in the attack", "thousands fled")
    tells of one occasion: point, with its day unknown. Anything else (past perfect, future, modals,
    participles without a finite verb, verbless phrases) -> unknown: nothing is assumed."""
    tok = _token_at(ctx.doc, fig_start)
    if tok is None:
        return None, None, "unknown"
    head = clause_head(tok)
    if head.pos_ not in ("VERB", "AUX"):
        return None, None, "unknown"
    auxes = sorted((c for c in head.children if c.dep_ in ("aux", "auxpass") and c.i < head.i), key=lambda c: c.i)
    finite = auxes[0] if auxes else head
    if finite.tag_ in ("VBP", "VBZ"):
        published = ctx.article.published_at
        return None, published, "as_of"
    if finite.tag_ == "VBD" and finite.lower_ != "had":
        return None, None, "point"
    return None, None, "unknown"


def figure_window(
    ctx: ArticleContext, fig_start: int, fig_end: int, dates: list[DateMention]
) -> tuple[dt.date | None, dt.date | None, str]:
    """(window_start, window_end, window_kind) for the figure at ``[fig_start, fig_end)``.

    The date expression of the figure's own clause wins; then one that frames an enclosing clause ("said
    Wednesday that ..."); then the nearest one in the sentence. Kinds: "since Jan. 15" -> since (start,
    publication date); "between Jan. 20 and 26" -> between; "over the past four days" -> over_past;
    "as of 23 March" / "by March 23" -> as_of (start = end); "on Monday", "in 2018", "two days later",
    "this week" -> point; a point date on a reporting verb that encloses the figure ("said Wednesday
    that ...") -> as_of that day. No date in the sentence: the tense of the figure's clause decides
    (:func:`undated_window`).
    """
    if not ctx.sentences:
        return None, None, "unknown"
    si = ctx.sentence_index_at(fig_start)
    s = ctx.sentences[si]
    cands = [
        d for d in dates
        if s.char_start <= d.char_start < s.char_end and not (d.char_start < fig_end and fig_start < d.char_end)
    ]
    if not cands:
        return undated_window(ctx, fig_start)
    doc = ctx.doc
    ftok = _token_at(doc, fig_start)
    fhead = clause_head(ftok) if ftok is not None else None
    best = None
    for d in cands:
        dtok = _token_at(doc, d.char_start)
        dhead = clause_head(dtok) if dtok is not None else None
        if fhead is None or dhead is None:
            score = 2
        elif dhead.i == fhead.i:
            score = 0
        elif _is_ancestor(dhead, fhead):
            score = 1
        else:
            score = 2
        dist = min(abs(d.char_start - fig_end), abs(fig_start - d.char_end))
        key = (score, dist, d.char_start)
        if best is None or key < best[0]:
            best = (key, d, dhead)
    (score, _, _), d, dhead = best
    kind = expression_kind(d.quote)
    if kind == "relative":
        kind = "point"
    if kind == "point" and score == 1 and dhead is not None and dhead.text.lower() in _reporting_verbs():
        kind = "as_of"
        if d.date_end is not None:
            return d.date_end, d.date_end, kind
    if kind == "as_of" and d.date_end is not None:
        return d.date_end, d.date_end, kind
    return d.date_start, d.date_end, kind
