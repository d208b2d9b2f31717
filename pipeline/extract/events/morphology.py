"""The extractor's own small English morphology (the spaCy pipeline runs without a lemmatizer)."""

from __future__ import annotations

import re

from pipeline.extract.events.lexicon import EventLexicon


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


def verb_lemmas(tok, lex: EventLexicon) -> set[str]:
    w = tok.lower_
    lemmas = {c for c in verb_lemma_candidates(w) if c in lex.verbs}
    lemmas |= set(lex.verb_forms.get(w, ()))
    return lemmas


def any_lemmas(tok, lex: EventLexicon) -> set[str]:
    """All base-form readings of a token (for cue lists), lexicon or not."""
    w = tok.lower_
    out = verb_lemma_candidates(w) | set(lex.verb_forms.get(w, ()))
    if w in lex.irregular_forms:
        out.add(lex.irregular_forms[w])
    return out




HYPHENS = ("-", "‐", "‑")


LIST_GAP_RE = re.compile(r"\s*(?:,|(?:,\s*)?(?:and|or))\s*")  # between two items of a list: ", ", " and ", ", or "


def noun_keys(tok, lex: EventLexicon) -> list[str]:
    """Keys a noun can match, longest first: the phrases it forms with up to three modifier tokens directly
    before it ("air strikes" -> "air strike", "cease-fire", "de-escalation agreement"), then its singular forms."""
    doc = tok.doc
    last = sorted(noun_singular_candidates(tok.lower_) | set(lex.noun_forms.get(tok.lower_, ())))
    keys: list[str] = []
    for j in range(max(tok.left_edge.i, tok.i - 3), tok.i):
        toks = doc[j : tok.i]
        if toks[0].text in HYPHENS or any(t.is_space or (t.is_punct and t.text not in HYPHENS) for t in toks):
            continue
        # the text from toks[0] up to tok (tokens with their trailing whitespace); not doc.text, which rebuilds
        # the whole document's text on every call (quadratic on long articles)
        between = "".join(t.text_with_ws for t in toks)
        prefix = re.sub(r"\s*([-‐‑])\s*", "-", " ".join(between.lower().split()))
        sep = "" if prefix.endswith("-") else " "
        keys.extend(f"{prefix}{sep}{s}" for s in last)
    keys.extend(sorted(last, key=lambda s: (-len(s), s)))
    return keys
