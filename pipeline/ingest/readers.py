"""Readers for one input each: bytes to text, and text/JSON/HTML to a `ParsedInput`.

A reader either returns a `ParsedInput` or raises `InputRejected(stage, reason, detail)`; it never raises
anything else on bad input. `pipeline.ingest.corpus` turns rejections into quarantine rows.

Decoding (`decode_bytes`), in this order:
  1. a byte-order mark decides: UTF-32, UTF-8 (BOM), UTF-16; invalid bytes after a BOM -> `undecodable`;
  2. NUL bytes -> `binary`, unless the bytes are BOM-less UTF-16 (every other byte NUL for ASCII text);
  3. UTF-8 (strict);
  4. the charset an HTML document declares in a <meta> tag, if any and if it decodes strictly;
  5. cp1252, then latin-1, accepted only when the result is plausible text (few control characters, mostly
     letters, a small share of non-ASCII letters); a UTF-8 file with a stray cp1252 byte comes out right,
     because the mojibake repair in `normalise_text` then restores its UTF-8 runs;
  6. otherwise `binary` when the bytes are full of control characters, else `undecodable`.
  Decoded text with more than 5 % control characters is `binary`.

Plain-text headers (`split_txt_header`): lines at the top of a .txt file of the form `key: value` for the keys
in `HEADER_KEYS` (title, url, outlet/source, date/published/published_at, case-insensitive), blank lines
between them allowed, and the inline form `date 2020-01-27 First words of the text ...` (no colon, an ISO
date, the text continuing on the same line). A date header whose value is not a date is still a header: it
is stripped and the publication date falls back to inference.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest.normalize import normalise_line, normalise_text

__all__ = [
    "InputRejected",
    "ParsedInput",
    "JsonlLine",
    "decode_bytes",
    "read_file_bytes",
    "split_txt_header",
    "parse_txt",
    "iter_jsonl_lines",
    "parse_jsonl_line",
    "parse_html",
    "check_html_complexity",
    "declared_html_charset",
    "MAX_HTML_DEPTH",
    "MAX_HTML_ELEMENTS",
]

MAX_HTML_DEPTH = 250  # libxml2 silently drops content nested deeper than ~255 elements
MAX_HTML_ELEMENTS = 100_000  # trafilatura's run time grows faster than linearly with the element count
MIN_PROSE_WORDS = 6  # see _has_prose
_SNIFF_BYTES = 4096
_MAX_CONTROL_SHARE = 0.05


class InputRejected(Exception):
    """An input that cannot become an article: where it was stopped, the reason code, and a readable detail."""

    def __init__(self, stage: str, reason: str, detail: str) -> None:
        super().__init__(f"{stage}/{reason}: {detail}")
        self.stage = stage
        self.reason = reason
        self.detail = detail


@dataclass
class ParsedInput:
    """What a reader found in one input, before normalisation into an Article."""

    text: str
    title: str | None = None
    url: str | None = None
    outlet: str | None = None
    date_value: str | None = None  # the publication date as given by the input, unparsed
    date_source: str | None = None  # header | metadata | html
    source_id: str | None = None  # the input's own id (JSONL `id`)
    encoding: str = "utf-8"  # how the bytes were decoded, when the reader decoded them


# --------------------------------------------------------------------------------------------------------------
# Bytes
# --------------------------------------------------------------------------------------------------------------


def read_file_bytes(path: Path, max_bytes: int) -> bytes:
    """The whole file, or `oversized` without reading more than `max_bytes + 1` bytes."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputRejected("read", "oversized", f"{size} bytes, more than the limit of {max_bytes}")
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputRejected("read", "unreadable", f"{type(exc).__name__}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputRejected("read", "oversized", f"more than the limit of {max_bytes} bytes")
    return data


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return len(_CONTROL_CHARS.findall(text)) / len(text)


def _looks_like_bomless_utf16(data: bytes) -> str | None:
    sample = data[:_SNIFF_BYTES]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def _plausible_single_byte_text(text: str) -> bool:
    """Whether a cp1252/latin-1 reading looks like text in a Latin-script language (three 32 KB windows)."""
    n = len(text)
    windows = [text[:32_768]]
    if n > 65_536:
        windows += [text[n // 2 : n // 2 + 32_768], text[-32_768:]]
    for window in windows:
        if not window.strip():
            continue
        if _CONTROL_CHARS.search(window):
            return False
        non_space = [c for c in window if not c.isspace()]
        letters = [c for c in non_space if c.isalpha()]
        if len(letters) < 0.5 * len(non_space):
            return False
        non_ascii_letters = sum(1 for c in letters if ord(c) > 0x7F)
        if non_ascii_letters > 0.3 * len(letters):
            return False
    return True


def declared_html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its first 4 KB, as a Python codec name, if Python knows it."""
    match = _META_CHARSET.search(data[:_SNIFF_BYTES])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode_bytes(data: bytes, *, declared_encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used) for the bytes of one input; raises InputRejected (stage `decode`)."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputRejected("decode", "undecodable", f"starts with a {codec} byte-order mark but {exc.reason} at byte {exc.start}") from None
            return _check_not_binary(text.lstrip("\ufeff"), codec)

    if b"\x00" in data:
        codec16 = _looks_like_bomless_utf16(data)
        if codec16:
            try:
                return _check_not_binary(data.decode(codec16), codec16)
            except UnicodeDecodeError:
                pass
        raise InputRejected("decode", "binary", f"contains NUL bytes (first at byte {data.index(0)})")

    try:
        return _check_not_binary(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = f"not UTF-8 ({exc.reason} at byte {exc.start})"

    if declared_encoding and declared_encoding not in {"utf-8", "utf-16", "utf-32"}:
        try:
            return _check_not_binary(data.decode(declared_encoding), declared_encoding)
        except (UnicodeDecodeError, LookupError):
            pass

    for codec in ("cp1252", "latin-1"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible_single_byte_text(text):
            return text, codec

    if _control_share(data.decode("latin-1")) > _MAX_CONTROL_SHARE:
        raise InputRejected("decode", "binary", f"{utf8_error}, and mostly control bytes")
    raise InputRejected("decode", "undecodable", f"{utf8_error}, and not plausible as cp1252 or latin-1 text")


def _check_not_binary(text: str, codec: str) -> tuple[str, str]:
    share = _control_share(text)
    if share > _MAX_CONTROL_SHARE:
        raise InputRejected("decode", "binary", f"decodes as {codec} but {share:.0%} of it is control characters")
    return text, codec


# --------------------------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------------------------

HEADER_KEYS: dict[str, str] = {
    "title": "title",
    "url": "url",
    "outlet": "outlet",
    "source": "outlet",
    "date": "date",
    "published": "date",
    "published_at": "date",
}
_DATE_TOKEN = (
    r"\d{4}[-/]\d{1,2}[-/]\d{1,2}"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?"
)
_KEYS_ALT = "|".join(sorted(HEADER_KEYS, key=len, reverse=True))
_COLON_HEADER = re.compile(rf"(?P<key>{_KEYS_ALT})[ \t]*:[ \t]*(?P<value>[^\n]*)", re.IGNORECASE)
_INLINE_DATE = re.compile(rf"(?P<key>date|published)[ \t]+(?P<value>{_DATE_TOKEN})(?=[ \t\n]|$)[ \t]*", re.IGNORECASE)
_DATE_THEN_TEXT = re.compile(rf"(?P<value>{_DATE_TOKEN})[ \t]+(?=\S)")


def split_txt_header(text: str) -> tuple[dict[str, str], str]:
    """(header fields, remaining text) for normalised plain text. The first value of a repeated key wins."""
    fields: dict[str, str] = {}
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos] == "\n":  # blank line between header lines
            pos += 1
            continue
        line_end = text.find("\n", pos)
        line_end = n if line_end < 0 else line_end
        colon = _COLON_HEADER.match(text, pos, line_end)
        if colon and colon.end() == line_end:
            key = HEADER_KEYS[colon.group("key").lower()]
            value = colon.group("value").strip()
            if key == "date":
                # "date: 2020-01-27 A renewed drive ..." : the date, then the text on the same line
                rest = _DATE_THEN_TEXT.match(value)
                if rest:
                    fields.setdefault("date", rest.group("value"))
                    pos = colon.start("value") + rest.end()
                    break
            fields.setdefault(key, value)
            pos = line_end
            continue
        inline = _INLINE_DATE.match(text, pos, line_end)
        if inline:
            fields.setdefault("date", inline.group("value"))
            pos = inline.end()
            if pos < line_end:  # the text continues on this line
                break
            continue
        break
    return fields, text[pos:]


def parse_txt(text: str) -> ParsedInput:
    """A plain-text article: header lines stripped into fields, the rest is the text."""
    fields, body = split_txt_header(normalise_text(text))
    return ParsedInput(
        text=body,
        title=fields.get("title") or None,
        url=fields.get("url") or None,
        outlet=fields.get("outlet") or None,
        date_value=fields.get("date") or None,
        date_source="header" if fields.get("date") else None,
    )


# --------------------------------------------------------------------------------------------------------------
# JSON Lines
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JsonlLine:
    """One non-blank line of a JSONL file: its 1-based line number and bytes (without the line break).

    `data` is None when the line is longer than the byte limit (it was skipped, not read whole).
    """

    lineno: int
    data: bytes | None
    size: int


def iter_jsonl_lines(path: Path, max_bytes: int) -> Iterator[JsonlLine]:
    """The non-blank lines of a JSONL file, streamed (memory bounded by `max_bytes` per line).

    Raises OSError when the file cannot be opened or read; the caller decides what that means.
    """
    with path.open("rb") as fh:
        lineno = 0
        while True:
            chunk = fh.readline(max_bytes + 1)
            if not chunk:
                return
            lineno += 1
            if not chunk.endswith(b"\n") and len(chunk) > max_bytes:
                size, has_content = len(chunk), bool(chunk.strip())
                while True:  # skip the rest of the line without keeping it
                    more = fh.readline(1 << 20)
                    size += len(more)
                    has_content = has_content or bool(more.strip())
                    if not more or more.endswith(b"\n"):
                        break
                if has_content:  # a very long blank line is still blank, whatever the limit
                    yield JsonlLine(lineno, None, size)
                continue
            line = chunk[:-1] if chunk.endswith(b"\n") else chunk
            if line.endswith(b"\r"):
                line = line[:-1]
            if lineno == 1 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
            if not line.strip():
                continue
            yield JsonlLine(lineno, line, len(line))


_OPTIONAL_STRING_FIELDS = ("title", "url", "outlet", "published_at")


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def parse_jsonl_line(data: bytes) -> ParsedInput:
    """One JSONL line: an object with a non-empty string `text` and optional id, title, url, outlet,
    published_at (strings or null; `id` may also be an integer). Other keys are ignored."""
    text, codec = decode_bytes(data)
    try:
        record = json.loads(text, strict=False)  # tolerate raw tabs/newlines inside strings
    except RecursionError:
        raise InputRejected("parse", "invalid_json", "JSON nested too deeply") from None
    except ValueError as exc:
        raise InputRejected("parse", "invalid_json", str(exc)[:300]) from None
    if not isinstance(record, dict):
        raise InputRejected("parse", "not_an_article", f"a JSON {_json_type(record)}, not an object")
    body = record.get("text")
    if body is None:
        raise InputRejected("validate", "missing_text", "no `text` field" if "text" not in record else "`text` is null")
    if not isinstance(body, str):
        raise InputRejected("validate", "wrong_type", f"`text` is a {_json_type(body)}, not a string")
    if not body.strip():
        raise InputRejected("validate", "missing_text", "`text` is blank")
    for key in _OPTIONAL_STRING_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise InputRejected("validate", "wrong_type", f"`{key}` is a {_json_type(value)}, not a string")
    source_id = record.get("id")
    if source_id is not None and (isinstance(source_id, bool) or not isinstance(source_id, (str, int))):
        raise InputRejected("validate", "wrong_type", f"`id` is a {_json_type(source_id)}, not a string or integer")
    published = record.get("published_at")
    return ParsedInput(
        text=body,
        title=record.get("title") or None,
        url=record.get("url") or None,
        outlet=record.get("outlet") or None,
        date_value=published if published and published.strip() else None,
        date_source="metadata" if published and published.strip() else None,
        source_id=None if source_id is None else str(source_id),
        encoding=codec,
    )


# --------------------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr keygen command basefont frame".split()
)
# elements whose end tag is optional: a parser closes them implicitly, so they do not add nesting depth
_OPTIONAL_END = frozenset("p li dt dd option optgroup tr td th thead tbody tfoot colgroup caption rb rt rtc rp".split())
_RAW_TEXT = frozenset("script style textarea title xmp noscript template".split())


def check_html_complexity(html: str) -> None:
    """Reject documents nested deeper than MAX_HTML_DEPTH or with more than MAX_HTML_ELEMENTS elements
    (`html_too_complex`), before any parser sees them. One linear scan over the tags."""
    lower = html.lower()
    stack: list[str] = []
    n_elements = 0
    pos = 0
    while True:
        match = _TAG.search(lower, pos)
        if not match:
            return
        pos = match.end()
        closing, name, self_closing = match.group(1), match.group(2), match.group(3)
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
            continue
        n_elements += 1
        if n_elements > MAX_HTML_ELEMENTS:
            raise InputRejected("parse", "html_too_complex", f"more than {MAX_HTML_ELEMENTS} elements")
        if name in _RAW_TEXT:  # skip to the end of script/style content, which may contain "<"
            end = lower.find(f"</{name}", pos)
            pos = len(lower) if end < 0 else end
            continue
        if self_closing or name in _VOID or name in _OPTIONAL_END:
            continue
        stack.append(name)
        if len(stack) > MAX_HTML_DEPTH:
            raise InputRejected("parse", "html_too_complex", f"elements nested more than {MAX_HTML_DEPTH} deep")


def _html_to_document(html: str, *, favor_recall: bool):
    from trafilatura import bare_extraction

    return bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        favor_recall=favor_recall,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


_SENTENCE_END = re.compile(r"[.!?…؟。][\"'”’)\]]*$|[.!?؟。][\"'”’)\]]*\s")


def _has_prose(text: str | None) -> bool:
    """Whether extracted text holds at least one paragraph of prose: a line of MIN_PROSE_WORDS words or more
    with sentence punctuation, or of twice as many words. On pages without an article, extractors return
    navigation and notices ("Home / World / Sport", "We use cookies."), which this rejects."""
    for line in (text or "").split("\n"):
        n_words = max(len(line.split()), sum(1 for c in line if ord(c) >= 0x2E80) // 2)  # CJK: no spaces
        if n_words >= 2 * MIN_PROSE_WORDS or (n_words >= MIN_PROSE_WORDS and _SENTENCE_END.search(line.strip())):
            return True
    return False


def parse_html(html: str) -> ParsedInput:
    """Main text and metadata of an HTML page, with trafilatura (offline).

    Paragraphs become blank-line separated, as in plain-text inputs; a first paragraph identical to the title
    (the page's headline) is dropped because the title has its own column. The date is trafilatura's reading
    of the page's markup (meta tags, <time>, URL), not a guess from the body text (`extensive_search` off).
    """
    check_html_complexity(html)
    document = None
    try:
        document = _html_to_document(html, favor_recall=False)
        if document is None or not _has_prose(document.text):
            document = _html_to_document(html, favor_recall=True)
    except (RecursionError, MemoryError) as exc:
        raise InputRejected("parse", "html_too_complex", f"extraction gave up: {type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - a third-party extractor must not stop the corpus
        raise InputRejected("parse", "extraction_failed", f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if document is None or not _has_prose(document.text):
        raise InputRejected("parse", "no_article_text", "the extractor found no paragraph of prose in the page")

    title = normalise_line(document.title) if document.title else None
    paragraphs = [p for p in (normalise_line(line) for line in document.text.split("\n")) if p]
    if title and len(paragraphs) > 1 and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return ParsedInput(
        text="\n\n".join(paragraphs),
        title=title or None,
        url=(document.url or "").strip() or None,
        outlet=(document.sitename or "").strip() or None,
        date_value=(document.date or "").strip() or None,
        date_source="html" if (document.date or "").strip() else None,
    )
