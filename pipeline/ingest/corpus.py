"""Ingest a folder of articles: every input becomes an article, a duplicate or a quarantine row.

Accounting: `n_inputs == len(articles) + len(duplicates) + len(quarantine)`, always. An *input* is

- a .txt, .html or .htm file;
- one non-blank line of a .jsonl (or .ndjson) file, referred to as `file.jsonl#L<n>` (1-based physical line
  number). Blank lines are not inputs. A JSONL file without any non-blank line is itself one input,
  quarantined as `empty`, so that it does not vanish; a JSONL file that is binary or not UTF-8 as a whole
  (NUL bytes, UTF-16/32 byte-order mark) is one input, quarantined once rather than line by line;
- any other file: quarantined as `unsupported_format`; symlinks leading outside the articles folder as
  `unsafe_path` (never followed); broken symlinks, FIFOs, sockets and devices as `unreadable`.

Not inputs, by decision: hidden entries (a file or folder whose name starts with "."), such as `.DS_Store`,
`.gitkeep` or a `.git/` folder, which are operating-system or tool files rather than articles, and symlinks to
folders inside the articles folder (their files are read at their real place). They are not dropped
silently: they are listed in `IngestResult.ignored` and logged.

Order and identity: inputs are taken in the order of their relative POSIX paths (code-point order), JSONL
lines in file order. The first input with a given normalised text becomes the article; later ones are
duplicates (`exact_bytes` when their raw bytes equal the article's, `same_text` otherwise). Article ids come
from the normalised text, so the same folder always gives the same result.

JSONL `id` conflicts: two lines (anywhere in the corpus) with the same source `id` but different texts are
both kept as articles: the dataset's identity is the text, and dropping either would lose data without
knowing which one is right. The conflict is recorded in `IngestResult.notes` (kind
`conflicting_duplicate_id`) rather than quarantined, because an input that became an article cannot also be
a quarantine row without breaking the accounting. Same id and same text is an ordinary duplicate.

Publication date: the date the input gives (txt header -> `header`, JSONL `published_at` -> `metadata`, HTML
markup -> `html`) when `parse_header_date` reads it; otherwise `infer_publication_date(text)` (`inferred`);
otherwise NULL with `unknown`. A given date that cannot be read is recorded in `notes` (`unparsable_date`).

Limits: `max_bytes` applies to each input (a .txt/.html file, or one JSONL line), checked before reading;
JSONL files of any size are streamed line by line. `max_chars` (DEFAULT_MAX_TEXT_CHARS, 200,000 characters,
some 30,000 words: several times the longest news feature) applies to the normalised text: a longer text is
quarantined as `oversized` at the `normalise` stage, because it is not a news article (a book, a dump, a
generated file) and because the extraction's cost grows faster than linearly with an article's length
(spaCy also refuses texts beyond `nlp.max_length`). HTML nested deeper than 250 elements or with more than
100,000 elements is refused before parsing (`html_too_complex`).

Quarantine reasons (stage): unsafe_path, unsupported_format, unreadable (discover); oversized, empty,
unreadable (read); binary, undecodable (decode); invalid_json, not_an_article, no_article_text,
html_too_complex, extraction_failed (parse); missing_text, wrong_type (validate); empty (normalise: nothing
left after normalisation and header removal), oversized (normalise: longer than `max_chars`). `quarantine_id = "qua_" + short_hash(input_ref, stage, reason)`;
`input_sha256` is the SHA-256 of the input's bytes (the file, or the JSONL line without its line break)
when they were read, else NULL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from pipeline.ids import article_id, sha256_hex, short_hash
from pipeline.ingest.published import infer_publication_date, parse_header_date
from pipeline.ingest.language import detect_language
from pipeline.ingest.normalize import normalise_line, normalise_text
from pipeline.ingest.readers import (
    InputRejected,
    ParsedInput,
    declared_html_charset,
    decode_bytes,
    iter_jsonl_lines,
    parse_html,
    parse_jsonl_line,
    parse_txt,
    read_file_bytes,
)
from pipeline.records import Article, DuplicateRecord, QuarantineRecord

__all__ = [
    "QuarantineRecord",
    "DuplicateRecord",
    "IngestNote",
    "IngestResult",
    "Entry",
    "Input",
    "Rejection",
    "iter_entries",
    "iter_inputs",
    "ingest_corpus",
    "read_entry",
    "read_input",
    "InputOutcome",
    "Candidate",
    "EXTENSIONS",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_TEXT_CHARS",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_MAX_BYTES = 20_000_000
DEFAULT_MAX_TEXT_CHARS = 200_000  # see the module docstring (Limits)
EXTENSIONS: dict[str, str] = {".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".html": "html", ".htm": "html"}
# Publication dates are inferred from at most this many characters: far more than any real article, and it
# bounds the cost of the date scanner on pathological inputs (a 50 MB "article").
MAX_INFER_CHARS = 1_000_000
_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class IngestNote:
    """Something worth knowing about an input that was nevertheless taken in.

    kind: `conflicting_duplicate_id` (same JSONL id, different text), `unparsable_date` (a given date that is
    not a date), `legacy_encoding` (decoded as cp1252/latin-1/a declared charset rather than UTF-8/16/32).
    """

    input_ref: str
    kind: str
    detail: str


@dataclass
class IngestResult:
    articles: list[Article]
    duplicates: list[DuplicateRecord]
    quarantine: list[QuarantineRecord]
    n_inputs: int
    ignored: list[str] = field(default_factory=list)  # hidden entries and in-tree folder symlinks: not inputs
    notes: list[IngestNote] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)  # entries not in the run's snapshot: for the next run

    @property
    def balanced(self) -> bool:
        """The accounting invariant: every input is an article, a duplicate or quarantined."""
        return self.n_inputs == len(self.articles) + len(self.duplicates) + len(self.quarantine)


@dataclass(frozen=True)
class Entry:
    """One entry found under the articles folder (discovery, before JSONL files are split into lines).

    kind: `txt`, `jsonl` or `html` for a file to read; `quarantine` for an entry rejected on discovery
    (`reason`/`detail` say why); `ignored` for an entry that is not an input (hidden, in-tree folder symlink).
    """

    rel_path: str  # POSIX path relative to the articles folder (a trailing "/" for folders)
    path: Path
    kind: str
    reason: str | None = None
    detail: str | None = None


@dataclass(frozen=True)
class Rejection:
    stage: str
    reason: str
    detail: str
    input_sha256: str | None = None


@dataclass(frozen=True)
class Input:
    """Exactly one input: a .txt/.html file, one non-blank JSONL line, or an entry rejected before reading.

    `data` holds the bytes of a JSONL line (files are read later, one at a time); `rejection` is set when the
    input is already known to be quarantined (discovery problems, oversized or unreadable JSONL lines, JSONL
    files that are empty, binary or not UTF-8 as a whole).
    """

    ref: str  # input_ref / source_file: relative POSIX path, with #L<n> for a JSONL line
    path: Path
    fmt: str | None  # txt | jsonl | html; None for an entry rejected on discovery
    data: bytes | None = None
    rejection: Rejection | None = None


# --------------------------------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------------------------------


def _display(rel: str) -> str:
    """A relative path as POSIX text that is always valid UTF-8 and names exactly one path: a backslash in a name
    becomes `\\\\`, a `#` (which marks a JSONL line in an input reference) `\\x23`, and an undecodable byte
    `\\xNN`, so two different raw names never give the same input reference."""
    raw = os.fsencode(rel).replace(b"\\", b"\\\\").replace(b"#", b"\\x23")
    return raw.decode("utf-8", "backslashreplace").replace(os.sep, "/")


def _inside(root_real: str, target: str) -> bool:
    try:
        return os.path.commonpath([root_real, target]) == root_real
    except ValueError:  # different drives
        return False


def _classify_file(full: str, rel: str, name: str, root_real: str) -> Entry:
    path = Path(full)
    if name.startswith("."):
        return Entry(rel, path, "ignored", detail="hidden file")
    try:
        return _classify_existing(full, rel, name, root_real, path)
    except OSError as exc:  # a link whose target this user may not resolve (another user's /proc/<pid>/cwd...)
        return Entry(rel, path, "quarantine", "unreadable", f"cannot resolve: {exc.strerror or exc}")


def _classify_existing(full: str, rel: str, name: str, root_real: str, path: Path) -> Entry:
    if os.path.islink(full):
        target = os.path.realpath(full)
        if not _inside(root_real, target):
            return Entry(rel, path, "quarantine", "unsafe_path", "symlink pointing outside the articles folder (not followed)")
        if not os.path.exists(target):
            return Entry(rel, path, "quarantine", "unreadable", "broken symlink")
    try:
        mode = os.stat(full).st_mode
    except OSError as exc:
        return Entry(rel, path, "quarantine", "unreadable", f"cannot stat: {exc.strerror or exc}")
    if not stat.S_ISREG(mode):
        return Entry(rel, path, "quarantine", "unreadable", "not a regular file (FIFO, socket or device)")
    ext = os.path.splitext(name)[1].lower()
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        shown = ext or "(no extension)"
        return Entry(rel, path, "quarantine", "unsupported_format", f"{shown} is not one of {', '.join(EXTENSIONS)}")
    return Entry(rel, path, fmt)


def iter_entries(articles_dir: str | Path) -> Iterator[Entry]:
    """Every entry under `articles_dir`, recursively, sorted by relative POSIX path (code-point order),
    including the ignored ones. Symlinks are never followed out of the folder. Raises NotADirectoryError when
    `articles_dir` is not a folder (a caller error, not an input)."""
    root = Path(articles_dir)
    if not root.is_dir():
        raise NotADirectoryError(f"articles folder not found: {root}")
    root_str = os.fspath(root)
    root_real = os.path.realpath(root_str)
    entries: list[Entry] = []

    def rel_of(full: str) -> str:
        return _display(os.path.relpath(full, root_str))

    def on_walk_error(err: OSError) -> None:
        where = err.filename if isinstance(err.filename, str) else root_str
        entries.append(Entry(rel_of(where) + "/", Path(where), "quarantine", "unreadable", f"cannot list folder: {err.strerror or err}"))

    for dirpath, dirnames, filenames in os.walk(root_str, topdown=True, onerror=on_walk_error, followlinks=False):
        descend = []
        for name in dirnames:
            full = os.path.join(dirpath, name)
            rel = rel_of(full) + "/"
            if name.startswith("."):
                entries.append(Entry(rel, Path(full), "ignored", detail="hidden folder"))
            elif os.path.islink(full):
                try:
                    target = os.path.realpath(full)
                except OSError as exc:  # a link this user may not resolve
                    entries.append(Entry(rel, Path(full), "quarantine", "unreadable", f"cannot resolve: {exc.strerror or exc}"))
                    continue
                if _inside(root_real, target):
                    entries.append(Entry(rel, Path(full), "ignored", detail="symlink to a folder inside the articles folder"))
                else:
                    entries.append(Entry(rel, Path(full), "quarantine", "unsafe_path", "symlink to a folder outside the articles folder (not followed)"))
            else:
                descend.append(name)
        dirnames[:] = sorted(descend)
        for name in filenames:
            full = os.path.join(dirpath, name)
            entries.append(_classify_file(full, rel_of(full), name, root_real))

    entries.sort(key=lambda e: e.rel_path)
    yield from entries


def _jsonl_inputs(entry: Entry, max_bytes: int) -> Iterator[Input]:
    """The inputs of one JSONL file: its non-blank lines, or the file itself when it has none to offer."""
    rel, path = entry.rel_path, entry.path
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        yield Input(rel, path, "jsonl", rejection=Rejection("read", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}"))
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        yield Input(rel, path, "jsonl", rejection=Rejection("decode", "undecodable", "JSON Lines must be UTF-8; this file has a UTF-16/32 byte-order mark"))
        return
    if b"\x00" in head:
        yield Input(rel, path, "jsonl", rejection=Rejection("decode", "binary", "contains NUL bytes; not a JSON Lines text file"))
        return
    n_lines = last_lineno = 0
    try:
        for line in iter_jsonl_lines(path, max_bytes):
            n_lines += 1
            last_lineno = line.lineno
            ref = f"{rel}#L{line.lineno}"
            if line.data is None:
                detail = f"line {line.lineno}: {line.size} bytes, more than the limit of {max_bytes}"
                yield Input(ref, path, "jsonl", rejection=Rejection("read", "oversized", detail))
            else:
                yield Input(ref, path, "jsonl", data=line.data)
    except OSError as exc:
        detail = f"read error from line {last_lineno + 1} on: {exc.strerror or exc}"
        yield Input(f"{rel}#L{last_lineno + 1}", path, "jsonl", rejection=Rejection("read", "unreadable", detail))
        return
    if n_lines == 0:
        sha = sha256_hex(b"") if not head else None
        yield Input(rel, path, "jsonl", rejection=Rejection("read", "empty", "no non-blank lines", sha))


def iter_inputs(
    articles_dir: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES, ignored: list[str] | None = None
) -> Iterator[Input]:
    """Every input under `articles_dir`, one item per input, in a deterministic order (sorted relative paths,
    JSONL lines in file order), recursively; so `sum(1 for _ in iter_inputs(d)) == ingest_corpus(d).n_inputs`.

    Entries that are not inputs (hidden files and folders, symlinks to folders inside the articles folder)
    are not yielded; they are logged and appended to `ignored` when a list is given. JSONL files are streamed
    line by line (a line is held in memory only while it is being handled); .txt/.html files are not read here.
    """
    for entry in iter_entries(articles_dir):
        if entry.kind == "ignored":
            log.info("not an input (%s): %s", entry.detail, entry.rel_path)
            if ignored is not None:
                ignored.append(entry.rel_path)
        else:
            yield from entry_inputs(entry, max_bytes)


def entry_inputs(entry: Entry, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Input]:
    """The inputs of one entry: a .txt/.html file (not read here), the non-blank lines of a JSONL file (streamed),
    or the entry itself when it was rejected on discovery; none for an `ignored` entry."""
    if entry.kind == "ignored":
        return
    if entry.kind == "quarantine":
        yield Input(entry.rel_path, entry.path, None, rejection=Rejection("discover", entry.reason or "unreadable", entry.detail or ""))
    elif entry.kind == "jsonl":
        yield from _jsonl_inputs(entry, max_bytes)
    else:
        yield Input(entry.rel_path, entry.path, entry.kind)


# --------------------------------------------------------------------------------------------------------------
# Ingestion
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An input read, decoded, parsed and normalised (phase 1, which depends on this input alone): it becomes an
    article unless an earlier input has the same text (phase 2, over the whole corpus)."""

    ref: str
    fmt: str
    raw_sha: str | None
    text: str
    text_sha: str
    source_id: str | None
    title: str | None
    url: str | None
    outlet: str | None
    published_at: dt.date | None
    published_source: str
    language: str
    n_words: int
    date_note: IngestNote | None  # `unparsable_date`, recorded only when the input becomes an article


@dataclass(frozen=True)
class InputOutcome:
    """What phase 1 made of one input: a candidate article or a quarantine row, and notes about it."""

    candidate: Candidate | None = None
    quarantine: QuarantineRecord | None = None
    notes: tuple[IngestNote, ...] = ()


def _quarantined(ref: str, stage: str, reason: str, detail: str, raw_sha: str | None, notes: tuple = ()) -> InputOutcome:
    return InputOutcome(quarantine=QuarantineRecord("qua_" + short_hash(ref, stage, reason), ref, stage, reason, detail, raw_sha), notes=notes)


def read_input(item: Input, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_TEXT_CHARS) -> InputOutcome:
    """Phase 1 for one input: read, decode, parse, normalise, date and detect the language of it. Depends on
    the input alone (so its result can be cached per file); never raises on bad input."""
    if item.rejection is not None:
        rej = item.rejection
        return _quarantined(item.ref, rej.stage, rej.reason, rej.detail, rej.input_sha256)
    raw_sha = None
    notes: tuple[IngestNote, ...] = ()
    try:
        if item.fmt == "jsonl":
            assert item.data is not None
            raw_sha = sha256_hex(item.data)
            try:
                parsed = parse_jsonl_line(item.data)
            except InputRejected as rej:
                lineno = item.ref.rsplit("#L", 1)[-1]
                raise InputRejected(rej.stage, rej.reason, f"line {lineno}: {rej.detail}") from None
            codec = parsed.encoding
        else:
            data = read_file_bytes(item.path, max_bytes)
            raw_sha = sha256_hex(data)
            if not data.strip():
                raise InputRejected("read", "empty", "no bytes" if not data else "only whitespace")
            declared = declared_html_charset(data) if item.fmt == "html" else None
            text, codec = decode_bytes(data, declared_encoding=declared)
            del data
            parsed = parse_html(text) if item.fmt == "html" else parse_txt(text)
        if not codec.startswith("utf"):
            notes = (IngestNote(item.ref, "legacy_encoding", f"decoded as {codec}"),)
        return InputOutcome(candidate=_candidate(item.ref, item.fmt or "txt", raw_sha, parsed, max_chars), notes=notes)
    except InputRejected as rej:
        return _quarantined(item.ref, rej.stage, rej.reason, rej.detail, raw_sha, notes)


def _candidate(ref: str, fmt: str, raw_sha: str | None, parsed: ParsedInput, max_chars: int) -> Candidate:
    text = normalise_text(parsed.text)
    if not text:
        raise InputRejected("normalise", "empty", "no text left after normalisation (and header removal)")
    if len(text) > max_chars:
        raise InputRejected("normalise", "oversized", f"{len(text)} characters of text, more than the limit of {max_chars}")
    published_at, published_source, date_note = _publication_date(ref, parsed, text)
    return Candidate(
        ref=ref,
        fmt=fmt,
        raw_sha=raw_sha,
        text=text,
        text_sha=sha256_hex(text),
        source_id=parsed.source_id,
        title=_meta(parsed.title),
        url=_meta(parsed.url),
        outlet=_meta(parsed.outlet),
        published_at=published_at,
        published_source=published_source,
        language=detect_language(text),
        n_words=_count_words(text),
        date_note=date_note,
    )


def _publication_date(ref: str, parsed: ParsedInput, text: str) -> tuple[dt.date | None, str, IngestNote | None]:
    note = None
    if parsed.date_value:
        given = _as_date(_safe_call(parse_header_date, parsed.date_value))
        if given is not None:
            return given, parsed.date_source or "metadata", None
        note = IngestNote(ref, "unparsable_date", f"{parsed.date_source} date {parsed.date_value[:80]!r} is not a date; inferred from the text instead")
    inferred = _safe_call(infer_publication_date, text[:MAX_INFER_CHARS])
    if isinstance(inferred, tuple) and len(inferred) == 2:
        day = _as_date(inferred[0])
        if day is not None:
            return day, "inferred", note
    return None, "unknown", note


def read_entry(entry: Entry, max_bytes: int = DEFAULT_MAX_BYTES, max_chars: int = DEFAULT_MAX_TEXT_CHARS) -> list[InputOutcome]:
    """Phase 1 for every input of one entry (a file, every line of a JSONL file, or a rejected entry), in order.
    `ignored` entries have no inputs."""
    return [read_input(item, max_bytes, max_chars) for item in entry_inputs(entry, max_bytes)]


class ArticleStore(Protocol):
    """Where a streaming ingest puts its articles, so that it does not hold their texts (see `ingest_corpus`)."""

    def add(self, article: Article) -> Article:
        """Store the article; return the record to keep in `IngestResult.articles` (e.g. without its text)."""
        ...

    def texts(self, article_ids: set[str]) -> Iterator[tuple[str, str]]:
        """(article id, text) of the stored articles among `article_ids`, in the order they were added."""
        ...


class _Ingest:
    """Phase 2: the outcomes of every input, in corpus order, become articles, duplicates and quarantine rows."""

    def __init__(self, store: ArticleStore | None = None) -> None:
        self.store = store
        self.result = IngestResult(articles=[], duplicates=[], quarantine=[], n_inputs=0)
        self._by_text: dict[str, tuple[str, str | None]] = {}  # text sha -> (article id, raw sha)
        self._by_source_id: dict[str, tuple[str, str]] = {}  # JSONL id -> (input ref, text sha)

    def take(self, outcome: InputOutcome) -> None:
        self.result.n_inputs += 1
        self.result.notes.extend(outcome.notes)
        if outcome.quarantine is not None:
            self.result.quarantine.append(outcome.quarantine)
            return
        c = outcome.candidate
        assert c is not None
        if c.source_id is not None:
            seen = self._by_source_id.get(c.source_id)
            if seen is None:
                self._by_source_id[c.source_id] = (c.ref, c.text_sha)
            elif seen[1] != c.text_sha:
                self.result.notes.append(
                    IngestNote(c.ref, "conflicting_duplicate_id", f"id {c.source_id!r} also used by {seen[0]} with a different text; both kept")
                )
        first = self._by_text.get(c.text_sha)
        if first is not None:
            first_id, first_raw_sha = first
            kind = "exact_bytes" if c.raw_sha is not None and c.raw_sha == first_raw_sha else "same_text"
            self.result.duplicates.append(DuplicateRecord(c.ref, first_id, kind))
            return
        if c.date_note is not None:
            self.result.notes.append(c.date_note)
        aid = article_id(c.text)
        article = Article(
                article_id=aid,
                text=c.text,
                text_sha256=c.text_sha,
                title=c.title,
                url=c.url,
                outlet=c.outlet,
                published_at=c.published_at,
                published_at_source=c.published_source,
                language=c.language,
                source_file=c.ref,
                source_format=c.fmt,
                n_words=c.n_words,
            )
        self.result.articles.append(self.store.add(article) if self.store is not None else article)
        self._by_text[c.text_sha] = (aid, c.raw_sha)


def _safe_call(fn: Callable[[str], T], arg: str) -> T | None:
    """Date helpers live in another module; whatever they do with odd input must not stop the corpus."""
    try:
        return fn(arg)
    except Exception:  # noqa: BLE001
        log.warning("%s failed on %r", getattr(fn, "__name__", fn), str(arg)[:80], exc_info=True)
        return None


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _count_words(text: str) -> int:
    """len(text.split()), without building the list for very long texts."""
    if len(text) < 1_000_000:
        return len(text.split())
    return sum(1 for _ in _NON_SPACE.finditer(text))


def _meta(value: str | None) -> str | None:
    if not value:
        return None
    return normalise_line(value) or None


def corpus_reference_date(articles: list[Article]) -> dt.date | None:
    """The median publication date of the articles whose date was given (header, metadata or HTML)."""
    given = sorted(a.published_at for a in articles if a.published_at and a.published_at_source in ("header", "metadata", "html"))
    return given[(len(given) - 1) // 2] if given else None


def _infer_dates_from_corpus(result: IngestResult, memo: dict | None = None, store: ArticleStore | None = None) -> None:
    """Second pass for articles whose text alone gives no year: a day-and-month in the text ("Between Jan. 20
    and 26") takes the year that puts it closest to the corpus reference date (the median given date of the
    articles that came in with it), and the weekday rule of `infer_publication_date` does the rest. The date
    stays `inferred`; an article with no weekday words or dates still gets NULL. `memo` (a dict kept by the
    caller between runs) remembers the answer per (text hash, reference date). With a `store`, the texts are
    read back from it (only those of the undated articles, in corpus order)."""
    reference = corpus_reference_date(result.articles)
    if reference is None:
        return
    undated = {a.article_id: i for i, a in enumerate(result.articles) if a.published_at_source == "unknown"}
    if store is None:
        texts = ((result.articles[i].article_id, result.articles[i].text) for i in undated.values())
    else:
        texts = store.texts(set(undated))
    for aid, text in texts:
        i = undated[aid]
        a = result.articles[i]
        key = (a.text_sha256, reference.isoformat())
        if memo is not None and key in memo:
            day = memo[key]
        else:
            inferred = _safe_call(lambda t: infer_publication_date(t, reference), text[:MAX_INFER_CHARS])
            day = _as_date(inferred[0]) if isinstance(inferred, tuple) and len(inferred) == 2 else None
            if memo is not None:
                memo[key] = day
        if day is not None:
            result.articles[i] = dataclasses.replace(a, published_at=day, published_at_source="inferred")
            result.notes.append(IngestNote(a.source_file, "date_from_corpus_year", f"year taken from the corpus reference date {reference.isoformat()}"))


class EntryCache(Protocol):
    """Where `ingest_corpus` keeps phase-1 results between runs (pipeline.ingest.cache.IngestCache)."""

    dates: dict

    def key(self, entry: Entry, max_bytes: int, max_chars: int) -> str | None: ...

    def get(self, entry: Entry, key: str) -> list[InputOutcome] | None: ...

    def put(self, entry: Entry, key: str, outcomes: list[InputOutcome]) -> None: ...


def ingest_corpus(
    articles_dir: str | Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_chars: int = DEFAULT_MAX_TEXT_CHARS,
    cache: EntryCache | None = None,
    store: ArticleStore | None = None,
    snapshot=None,
) -> IngestResult:
    """Read every input under `articles_dir` (see the module docstring) into articles, duplicates and
    quarantine rows. Files are read one at a time, JSONL files line by line; no input is read beyond
    `max_bytes` (a larger .txt/.html file, or JSONL line, is quarantined as `oversized`), and no text longer
    than `max_chars` after normalisation becomes an article (`oversized` too). Never raises on bad input;
    raises NotADirectoryError when the folder does not exist.

    Two phases: each entry's inputs are read on their own (phase 1, `read_entry`), then duplicates, id
    conflicts and corpus-inferred dates are decided over the whole corpus in order (phase 2). With a `cache`,
    phase 1 of a file is reused while the file is unchanged (same size, modification and change times, inode),
    so a run after adding files reads only those; phase 2 always runs over everything, so the result is the
    same as without the cache.

    With a `store`, each article goes to the store as it is read and `IngestResult.articles` keeps what the store
    returns (a streaming caller keeps the records without their texts, so that ingest does not hold the corpus);
    corpus-inferred dates then update those records, and the caller applies them to what it stored.

    With a `snapshot` (pipeline.ingest.snapshot), only its entries are read: what arrived since waits for the next
    run (`IngestResult.arrived`), and an entry that left is quarantined as `unreadable`."""
    state = _Ingest(store)
    reused = 0
    if snapshot is not None:
        entries = entries_of(snapshot, articles_dir, state.result.arrived)
    else:
        entries = iter_entries(articles_dir)
    for entry in entries:
        if entry.kind == "ignored":
            log.info("not an input (%s): %s", entry.detail, entry.rel_path)
            state.result.ignored.append(entry.rel_path)
            continue
        key = cache.key(entry, max_bytes, max_chars) if cache is not None and entry.kind != "quarantine" else None
        outcomes = cache.get(entry, key) if cache is not None and key is not None else None
        if outcomes is None:
            outcomes = read_entry(entry, max_bytes, max_chars)
            # Cached only when the file did not change while it was read.
            if cache is not None and key is not None and cache.key(entry, max_bytes, max_chars) == key:
                cache.put(entry, key, outcomes)
        else:
            reused += 1
        for outcome in outcomes:
            state.take(outcome)
    result = state.result
    _infer_dates_from_corpus(result, cache.dates if cache is not None else None, store)
    log.info(
        "ingest: %d inputs -> %d articles, %d duplicates, %d quarantined (%d entries ignored; %d files from the cache)",
        result.n_inputs, len(result.articles), len(result.duplicates), len(result.quarantine), len(result.ignored), reused,
    )
    if not result.balanced:  # a bug, not a data problem
        raise AssertionError("ingest accounting does not balance")
    return result


LEFT_DETAIL = "left the articles folder during the run (it was there when the run took its snapshot)"


def entries_of(snap, articles_dir: str | os.PathLike, arrived: list[str] | None = None):
    """The entries of the snapshot, in order, as discovery finds them now: an entry that is no longer there is a
    quarantined entry (`unreadable`, LEFT_DETAIL); entries that arrived after the snapshot are left out (and
    appended to `arrived` when a list is given)."""
    root = Path(articles_dir)
    found: dict[str, Entry] = {}
    for e in iter_entries(root):
        if e.rel_path in snap.entries:
            found[e.rel_path] = e
        elif arrived is not None and e.kind != "ignored":
            arrived.append(e.rel_path)
    for rel in sorted(snap.entries):
        e = found.get(rel)
        if e is None:
            if snap.entries[rel][0] == "ignored":
                continue
            e = Entry(rel, root / rel.rstrip("/"), "quarantine", "unreadable", LEFT_DETAIL)
        yield e
