"""Text normalisation: the one function that turns an input's text into `articles.text`.

Every character offset in the dataset refers to the output of `normalise_text`, so this module is
deliberately small, deterministic and idempotent (`normalise_text(normalise_text(x)) == normalise_text(x)`).
It never raises on any `str`, including lone surrogates.

What `normalise_text` does, in this order (one pass; passes repeat until the text no longer changes):

1. Lone surrogates (possible in text that came from JSON escapes) become U+FFFD, so the text can always be
   encoded as UTF-8.
2. Mojibake repair (`repair_mojibake`): UTF-8 text that was once decoded as cp1252/latin-1 ("â€™" for "’",
   "Ã©" for "é") is put back, run by run, where the cp1252 round trip yields a plausible character.
3. Line breaks: CRLF, CR, VT, FF, NEL and U+2028 become "\\n"; U+2029 (paragraph separator) becomes "\\n\\n".
4. Invisible characters:
   - removed always: zero-width space U+200B, word joiner U+2060, BOM/ZWNBSP U+FEFF, soft hyphen U+00AD,
     invisible math operators U+2061-2064, Mongolian vowel separator U+180E, deprecated format characters
     U+206A-206F, interlinear annotation U+FFF9-FFFB, tag characters, and the bidi embedding/override/isolate
     controls U+202A-202E and U+2066-2069 (they reorder displayed text and can make a quote look different
     from its bytes);
   - ZWNJ U+200C and ZWJ U+200D are kept only *inside* a word of a script that needs them (both neighbours
     are letters, marks or emoji at or above U+0370: Persian, Indic scripts, emoji sequences); elsewhere
     (e.g. inside Latin words, where they only break matching) they are removed;
   - the bidi marks LRM U+200E, RLM U+200F and ALM U+061C are kept only when the text contains right-to-left
     script (Arabic, Hebrew, ...), where they carry meaning; in other texts they are removed;
   - control characters other than "\\n" and "\\t" are removed.
5. Every Unicode space separator (NBSP, thin space, ideographic space, ...) becomes an ASCII space.
6. Unicode NFC.
7. Runs of spaces and tabs become one space; spaces at the start and end of every line are removed; three or
   more line breaks become two (a paragraph break); the whole text is stripped.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "normalise_text",
    "normalise_line",
    "repair_mojibake",
    "count_mojibake_markers",
]

_MAX_PASSES = 4

# --------------------------------------------------------------------------------------------------------------
# Mojibake repair
# --------------------------------------------------------------------------------------------------------------


def _build_byte_map() -> dict[str, int]:
    """Each character a byte 0x80-0xFF turns into under cp1252 or latin-1, mapped back to the byte."""
    char_to_byte: dict[str, int] = {}
    for b in range(0x80, 0x100):
        try:
            char = bytes([b]).decode("cp1252")
        except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252
            char = chr(b)
        char_to_byte[char] = b
        char_to_byte.setdefault(chr(b), b)  # the latin-1 reading (C1 controls for 0x80-0x9F)
    return char_to_byte


_CHAR_TO_BYTE = _build_byte_map()


def _char_class(byte_values: range) -> str:
    chars = sorted({c for c, b in _CHAR_TO_BYTE.items() if b in byte_values})
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_CONT = _char_class(range(0x80, 0xC0))  # UTF-8 continuation bytes
_LEAD2 = _char_class(range(0xC2, 0xE0))  # lead byte of a 2-byte sequence
_LEAD3 = _char_class(range(0xE0, 0xF0))  # lead byte of a 3-byte sequence
_LEAD4 = _char_class(range(0xF0, 0xF5))  # lead byte of a 4-byte sequence
_GROUP_SRC = f"{_LEAD2}{_CONT}|{_LEAD3}{_CONT}{{2}}|{_LEAD4}{_CONT}{{3}}"
_GROUP = re.compile(_GROUP_SRC)
_RUN = re.compile(f"(?:{_GROUP_SRC})+")
# A cp1252-undefined byte that a careless decoder turned into U+FFFD: "â€\ufffd" is almost always the right
# double quote (E2 80 9D); "Â\ufffd" is a C1 control (C2 8x/9x), invisible, so it is dropped.
_LOST_BYTE = re.compile("\u00e2\u20ac\ufffd|\u00c2\ufffd")
# "Â" left in front of a space, the residue of a no-break space (C2 A0) whose second byte became a space.
# Kept after a capital letter, where it may be a real letter of an upper-case word.
_A_CIRC_SPACE = re.compile("\u00c2(?= |$)")


def _plausible(decoded: str, n_bytes: int, n_ok: int) -> bool:
    """Whether a repaired character is what the mojibake stood for, rather than an accident of real text."""
    if len(decoded) != 1:
        return False
    cp = ord(decoded)
    if unicodedata.category(decoded) in {"Cc", "Cs", "Co", "Cn"}:
        return False
    if n_bytes == 2:
        if 0xA0 <= cp <= 0x24F:  # Latin-1 Supplement, Latin Extended-A/B: é, ñ, ü, «, °, ...
            return True
        # Greek, Cyrillic, Armenian, Hebrew, Arabic: only as part of a run (a mojibaked word), because a
        # single one is as likely an accented capital followed by a quote mark in real text.
        return 0x370 <= cp <= 0x6FF and n_ok >= 2
    if n_bytes == 3:
        if 0x2000 <= cp <= 0x2BFF or cp in (0xFEFF, 0xFFFD):  # punctuation, currency, symbols, arrows
            return True
        return n_ok >= 2  # other scripts (CJK, Indic, ...) only as runs
    return True  # 4 bytes: emoji and other supplementary-plane characters


def _repair_run(match: re.Match[str]) -> str:
    run = match.group(0)
    groups = _GROUP.findall(run)
    decoded: list[str | None] = []
    for group in groups:
        try:
            decoded.append(bytes(_CHAR_TO_BYTE[c] for c in group).decode("utf-8"))
        except UnicodeDecodeError:
            decoded.append(None)
    n_ok = sum(d is not None for d in decoded)
    out = []
    for group, dec in zip(groups, decoded):
        out.append(dec if dec is not None and _plausible(dec, len(group), n_ok) else group)
    return "".join(out)


def _drop_a_circ(match: re.Match[str]) -> str:
    previous = match.string[match.start() - 1] if match.start() else ""
    return match.group(0) if previous.isupper() else ""


def _repair_once(text: str) -> str:
    text = _LOST_BYTE.sub(lambda m: "\u201d" if m.group(0).startswith("\u00e2") else "", text)
    text = _RUN.sub(_repair_run, text)
    return _A_CIRC_SPACE.sub(_drop_a_circ, text)


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 or latin-1 ("â€™" -> "’", "Ã©" -> "é", "ðŸ˜€" -> "😀").

    Works run by run, so correct characters elsewhere in the text are untouched, and repeats until nothing
    changes (double-encoded text is fixed too). A run is replaced only when its bytes are valid UTF-8 and the
    result is a plausible character (see `_plausible`); accented capitals followed by punctuation in real
    text ("É’", "ß“") therefore stay as they are. Each repair shortens the text, so the loop ends.
    """
    if not text or text.isascii():
        return text
    while True:
        repaired = _repair_once(text)
        if repaired == text:
            return text
        text = repaired


def count_mojibake_markers(text: str) -> int:
    """Number of places that still look like mojibake (for tests and quality reports)."""
    count = len(_LOST_BYTE.findall(text))
    for match in _RUN.finditer(text):
        if _repair_run(match) != match.group(0):
            count += 1
    return count


# --------------------------------------------------------------------------------------------------------------
# Character filtering and whitespace
# --------------------------------------------------------------------------------------------------------------

_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028]")
_ALWAYS_REMOVE = re.compile(
    "[\u00ad\u180e\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb\u202a-\u202e\u2066-\u2069"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\x00-\x08\x0e-\x1f\x7f-\x9f]"
)
_JOINERS = re.compile("[\u200c\u200d]")
_BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")
_RTL_SCRIPT = re.compile(
    "[\u0590-\u05ff\u0600-\u061b\u061d-\u06ff\u0700-\u08ff\ufb1d-\ufdff\ufe70-\ufefe"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
_SPACE_SEPARATORS = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_HSPACE_RUN = re.compile("[ \t]{2,}|\t")  # (single spaces are left alone: far fewer replacements)
_SPACE_AROUND_NEWLINE = re.compile(" \n ?|\n ")
_MANY_NEWLINES = re.compile("\n{3,}")
_JOINER_NEIGHBOUR_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "So", "Sk"})


def _joiner_neighbour_ok(char: str) -> bool:
    return ord(char) >= 0x370 and unicodedata.category(char) in _JOINER_NEIGHBOUR_CATEGORIES


def _keep_or_drop_joiner(match: re.Match[str]) -> str:
    text, i = match.string, match.start()
    if 0 < i < len(text) - 1 and _joiner_neighbour_ok(text[i - 1]) and _joiner_neighbour_ok(text[i + 1]):
        return match.group(0)
    return ""


def _one_pass(text: str) -> str:
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    text = repair_mojibake(text)
    text = _LINE_BREAKS.sub("\n", text).replace("\u2029", "\n\n")
    text = _ALWAYS_REMOVE.sub("", text)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINERS.sub(_keep_or_drop_joiner, text)
    if _BIDI_MARKS.search(text) and not _RTL_SCRIPT.search(text):
        text = _BIDI_MARKS.sub("", text)
    text = _SPACE_SEPARATORS.sub(" ", text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _HSPACE_RUN.sub(" ", text)
    text = _SPACE_AROUND_NEWLINE.sub("\n", text)
    text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip(" \n")


def normalise_text(raw: str) -> str:
    """The normalised form of `raw` that becomes `articles.text` (see the module docstring for the rules)."""
    text = raw
    for _ in range(_MAX_PASSES):
        result = _one_pass(text)
        if result == text:
            return result
        text = result
    return text


def normalise_line(value: str) -> str:
    """A one-line metadata value (title, outlet, url): normalised, with every whitespace run one space."""
    return " ".join(normalise_text(value).split())
