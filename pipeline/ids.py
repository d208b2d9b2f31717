"""Stable, deterministic ids: derived from content hashes and spans, never from counters, clocks or randomness."""

from __future__ import annotations

import hashlib
import re
import unicodedata


def files_digest(paths, root) -> "hashlib._Hash":
    """A running SHA-256 over `paths` (sorted), each as its POSIX path relative to `root` and its content's SHA-256:
    the one way code, lexicon and data files are fingerprinted (extraction cache version, ingest cache, the
    published state). Callers may update it further (library versions, settings)."""
    from pathlib import Path

    h = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def short_hash(*parts: object, length: int = 16) -> str:
    """Hash of the parts joined by a separator that cannot occur in them unescaped."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return sha256_hex(joined)[:length]


def article_id(normalised_text: str) -> str:
    return "art_" + sha256_hex(normalised_text)[:16]


def span_id(prefix: str, article_id_: str, kind: str, start: int, end: int) -> str:
    return f"{prefix}_{short_hash(article_id_, kind, start, end)}"


def slug(name: str) -> str:
    """ASCII, lower-case, underscore-separated form of a name ("Maaret al-Nouman" -> "maaret_al_nouman")."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = re.sub(r"[^A-Za-z0-9]+", "_", folded).strip("_").lower()
    return folded or "x"


def discovered_actor_id(normalised_name: str) -> str:
    return "disc_" + short_hash("actor", normalised_name, length=12)
