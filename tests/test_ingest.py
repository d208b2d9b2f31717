"""Tests of the ingest library: readers, normalisation, language detection and corpus accounting.

Bad inputs are generated in tmp_path; the two sample articles are read from data/articles.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import os
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import ids
from pipeline.ingest.corpus import IngestResult, ingest_corpus, iter_entries, iter_inputs
from pipeline.ingest.language import detect_language
from pipeline.ingest.normalize import count_mojibake_markers, normalise_text, repair_mojibake
from pipeline.ingest.readers import MAX_HTML_DEPTH, split_txt_header

MAX_BYTES = 1_000_000
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "articles"
SCHEMA = yaml.safe_load((ROOT / "schemas" / "tables.yaml").read_text("utf-8"))


def _enum(table: str, column: str) -> set[str]:
    cols = SCHEMA["tables"][table]["columns"]
    return set(next(c for c in cols if c["name"] == column)["enum"])


def _by_ref(result: IngestResult) -> dict[str, object]:
    """Every input's outcome by its reference: an Article, a DuplicateRecord or a QuarantineRecord."""
    out: dict[str, object] = {}
    for a in result.articles:
        out[a.source_file] = a
    for d in result.duplicates:
        out[d.input_ref] = d
    for q in result.quarantine:
        out[q.input_ref] = q
    return out


def _reason(result: IngestResult, ref: str) -> str | None:
    rec = _by_ref(result).get(ref)
    return getattr(rec, "reason", None)


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


ARTICLE = (
    "The Syrian army captured a key town in the northwest province of Idlib, it said in a statement on "
    "Wednesday, a significant advance for the government's troops.\n\nMore than 300,000 people have fled "
    "their homes since December, according to the United Nations."
)
HTML_ARTICLE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Syrian army captures key town | The Daily Record</title>
<meta property="og:title" content="Syrian army captures key town">
<meta property="og:site_name" content="The Daily Record">
<meta property="og:url" content="https://example.org/news/idlib-town">
<meta property="article:published_time" content="2020-01-29T10:00:00Z">
</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Syrian army captures key town</h1>
<p>BEIRUT - The Syrian army captured a key town in the northwest province of Idlib, it said in a statement
Wednesday, a significant advance for the government's troops, who have repeatedly tried to retake it.</p>
<p>The advance follows a cease-fire struck Jan. 12 by Russia and Turkey. More than 300,000 people have fled
their homes since December, according to the United Nations, and aid groups warn of a catastrophe.</p>
</article><footer>Copyright 2020 The Daily Record</footer></body></html>"""


# ----------------------------------------------------------------------------------------------------------
# The sample corpus
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_result() -> IngestResult:
    return ingest_corpus(SAMPLES)


def test_sample_article_000_header_is_stripped(sample_result: IngestResult) -> None:
    art = next(a for a in sample_result.articles if a.source_file == "000_a1a949affc85c4c7.txt")
    assert art.text.startswith("A renewed drive by President Bashar al-Assad to recapture rebel-held territory")
    assert "date 2020" not in art.text
    assert art.published_at == dt.date(2020, 1, 27)
    assert art.published_at_source == "header"
    assert art.source_format == "txt"
    assert art.language == "en"
    assert art.article_id == ids.article_id(art.text)
    assert art.text_sha256 == ids.sha256_hex(art.text)
    assert art.n_words == len(art.text.split())
    assert art.text.endswith("fears millions more could soon cross the border.")
    assert "\n\n'Completely destroyed'\n\n" in art.text  # paragraph breaks survive


def test_sample_article_004_has_no_header(sample_result: IngestResult) -> None:
    art = next(a for a in sample_result.articles if a.source_file == "004_e6840dab288ed029.txt")
    raw = (SAMPLES / "004_e6840dab288ed029.txt").read_text("utf-8")
    assert art.text == normalise_text(raw)
    assert art.text.startswith("BEIRUT \u2014 The Syrian army captured a key town")
    assert art.title is None and art.url is None and art.outlet is None
    assert art.published_at_source in {"inferred", "unknown"}
    assert (art.published_at is None) == (art.published_at_source == "unknown")
    assert art.language == "en"


def test_sample_corpus_accounting(sample_result: IngestResult) -> None:
    assert sample_result.n_inputs == 2
    assert len(sample_result.articles) == 2
    assert not sample_result.duplicates and not sample_result.quarantine
    assert sample_result.balanced


# ----------------------------------------------------------------------------------------------------------
# Normalisation
# ----------------------------------------------------------------------------------------------------------


def test_normalise_whitespace_and_line_breaks() -> None:
    raw = "  First\tline  with   spaces  \r\nsecond line\r\rThird\n\n\n\n\nFourth  \u00a0 word\u2029Fifth \n"
    assert normalise_text(raw) == "First line with spaces\nsecond line\n\nThird\n\nFourth word\n\nFifth"


def test_normalise_invisible_characters() -> None:
    assert normalise_text("Maa\u200bret\u00a0al-Nou\u00adman\ufeff") == "Maaret al-Nouman"
    assert normalise_text("\u202eevil\u202c text\u2066 x\u2069") == "evil text x"
    # joiners inside Latin words only break matching; in Persian they are spelling
    assert normalise_text("Id\u200clib") == "Idlib"
    assert normalise_text("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645") == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    # bidi marks: dropped from a text without right-to-left script, kept in Arabic text
    assert normalise_text("Aleppo\u200e city") == "Aleppo city"
    assert "\u200f" in normalise_text("\u0625\u062f\u0644\u0628\u200f (Idlib)")
    assert normalise_text("a\x00b\x07c") == "abc"


def test_normalise_nfc_and_surrogates() -> None:
    assert normalise_text("Re\u0301publique") == "R\u00e9publique"
    out = normalise_text("bad \ud800 surrogate")
    assert out == "bad \ufffd surrogate"
    out.encode("utf-8")


def test_mojibake_repair() -> None:
    assert normalise_text("It\u00e2\u20ac\u2122s a caf\u00c3\u00a9") == "It\u2019s a caf\u00e9"
    assert normalise_text("\u00e2\u20ac\u0153quoted\u00e2\u20ac\ufffd he said") == "\u201cquoted\u201d he said"
    assert normalise_text("double \u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2 encoded") == "double \u2019 encoded"
    assert normalise_text("related stories\u00c2 narendra") == "related stories narendra"
    assert repair_mojibake("\u00d8\u00a7\u00d9\u201e\u00d8\u00b3\u00d9\u02c6\u00d8\u00b1") == "\u0627\u0644\u0633\u0648\u0631"
    assert count_mojibake_markers("It\u00e2\u20ac\u2122s") == 1
    assert count_mojibake_markers(normalise_text("It\u00e2\u20ac\u2122s")) == 0


@pytest.mark.parametrize(
    "text",
    [
        "CAF\u00c9\u2019s menu",  # accented capital then a quote mark
        "die Stra\u00df\u201c",  # German sharp s then a closing quote
        "\u00ab un caf\u00e9\u00a0\u00bb",  # French guillemets with a no-break space
        "S\u00c3O PAULO",  # Portuguese capitals
        "na\u00efve \u00e0 la carte",
    ],
)
def test_mojibake_repair_leaves_real_text_alone(text: str) -> None:
    assert repair_mojibake(text) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=80))
def test_normalise_properties_on_arbitrary_unicode(raw: str) -> None:
    out = normalise_text(raw)
    assert normalise_text(out) == out  # idempotent
    out.encode("utf-8")  # always encodable
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\t" not in out and "\n\n\n" not in out and "  " not in out
    assert out == out.strip()
    assert all(not line.endswith(" ") and not line.startswith(" ") for line in out.split("\n"))
    assert not any(c in out for c in "\u200b\u2060\ufeff\u00ad")


MOJIBAKE_ALPHABET = "a \n\u00e2\u20ac\u2122\u0153\u00c3\u00a9\u00c2\u00a0\u00d8\u00a7\u200b\u200c\u200e\u0627\ufffd\u0301e\r\t"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=MOJIBAKE_ALPHABET, max_size=40))
def test_normalise_idempotent_on_mojibake_like_text(raw: str) -> None:
    out = normalise_text(raw)
    assert normalise_text(out) == out


# ----------------------------------------------------------------------------------------------------------
# Language
# ----------------------------------------------------------------------------------------------------------

LANGUAGE_SAMPLES = {
    "en": "The Syrian army captured a key town in the northwest province of Idlib, it said in a statement.",
    "fr": "L'armée syrienne a pris le contrôle d'une ville clé dans la province d'Idleb, selon un communiqué publié mercredi.",
    "es": "El ejército sirio tomó el control de una ciudad clave en la provincia de Idlib, según un comunicado del miércoles.",
    "pt": "O exército sírio tomou o controle de uma cidade importante na província de Idlib, segundo um comunicado divulgado.",
    "de": "Die syrische Armee hat nach eigenen Angaben eine wichtige Stadt in der Provinz Idlib eingenommen, wie sie mitteilte.",
    "it": "L'esercito siriano ha preso il controllo di una città chiave nella provincia di Idlib, secondo un comunicato diffuso.",
    "tr": "Suriye ordusu, yaptığı açıklamada İdlib vilayetinde önemli bir kasabayı ele geçirdiğini ve bu gelişmenin büyük bir ilerleme olduğunu söyledi.",
    "nl": "Het Syrische leger heeft een belangrijke stad in de provincie Idlib ingenomen, zo meldde het in een verklaring op woensdag.",
    "ar": "سيطر الجيش السوري على بلدة رئيسية في محافظة إدلب شمال غرب البلاد",
    "ru": "Сирийская армия захватила ключевой город в провинции Идлиб на северо-западе страны.",
}


@pytest.mark.parametrize("lang", sorted(LANGUAGE_SAMPLES))
def test_detect_language(lang: str) -> None:
    assert detect_language(LANGUAGE_SAMPLES[lang]) == lang


@pytest.mark.parametrize("text", ["", "12 345 !!!", "Idlib Aleppo Damascus", "Kuala Lumpur Jakarta"])
def test_detect_language_undetermined(text: str) -> None:
    assert detect_language(text) == "und"


# ----------------------------------------------------------------------------------------------------------
# Text headers
# ----------------------------------------------------------------------------------------------------------


def test_split_txt_header_forms() -> None:
    assert split_txt_header("date 2020-01-27 A renewed drive") == ({"date": "2020-01-27"}, "A renewed drive")
    fields, body = split_txt_header("Title: Town falls\nURL: https://example.org/x\noutlet: The Post\n\ndate: Jan. 27, 2020\n\nBody text.")
    assert fields == {"title": "Town falls", "url": "https://example.org/x", "outlet": "The Post", "date": "Jan. 27, 2020"}
    assert body == "Body text."
    assert split_txt_header("date: 2020-01-27 10:30 UTC Body here") == ({"date": "2020-01-27 10:30 UTC"}, "Body here")
    # not headers: a sentence that starts with the word "date", a key that is not a header key
    assert split_txt_header("Date palms burned in 2020.")[0] == {}
    assert split_txt_header("Summary: troops advanced.")[0] == {}


# ----------------------------------------------------------------------------------------------------------
# A corpus of every kind of input
# ----------------------------------------------------------------------------------------------------------


def _messy_corpus(root: Path, outside: Path) -> None:
    _write(root / "a_good.txt", "title: Town falls\nurl: https://example.org/a\noutlet: The Post\ndate: 2020-01-29\n\n" + ARTICLE)
    _write(root / "b copy of a's \"good\" \u00e9t\u00e9.txt", (root / "a_good.txt").read_bytes())  # exact bytes
    _write(root / "c_same_text.txt", "title: Town falls\r\ndate: 2020-01-29\r\n\r\n" + ARTICLE.replace(" ", "  ").replace("\n", "\r\n") + "\r\n")
    _write(root / "d_bad_date.txt", "date: yesterday\nPeople fled the town of Saraqib as shelling intensified, residents said on Monday.")
    _write(root / "e_bad_inline_date.txt", " date 2020-13-45 Rebels shelled the city of Aleppo, killing at least 12 people.")
    _write(root / "empty.txt", b"")
    _write(root / "blank.txt", b"  \n\t \r\n")
    _write(root / "only_header.txt", "title: Nothing here\ndate: 2020-01-02\n")
    _write(root / "zero_width_only.txt", "\u200b\u200b\ufeff\n")
    _write(root / "nul.txt", b"Some text\x00\x00\x01\x02 with NUL bytes")
    _write(root / "image.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    _write(root / "cyrillic_cp1251.txt", "Сирийская армия захватила ключевой город в провинции.".encode("cp1251"))
    _write(root / "utf16_bad.txt", codecs.BOM_UTF16_LE + b"A\x00\x00\xd8")  # lone surrogate after a BOM
    _write(root / "legacy_cp1252.txt", "The caf\u00e9\u2019s owner said the r\u00e9sum\u00e9 of events was grim.".encode("cp1252"))
    _write(root / "utf16.txt", codecs.BOM_UTF16_LE + "Troops entered the town of Kafranbel on Tuesday.".encode("utf-16-le"))
    _write(root / "utf8_bom.txt", codecs.BOM_UTF8 + "Aid convoys reached Atmeh camp on Thursday.".encode("utf-8"))
    _write(root / "mojibake.txt", "Residents said it\u00e2\u20ac\u2122s the worst shelling in \u00e2\u20ac\u0153years\u00e2\u20ac\ufffd.")
    _write(root / "big.txt", "word " * (MAX_BYTES // 5 + 1))
    _write(root / "notes.pdf", b"%PDF-1.4 not an article")
    _write(root / "data.json", '{"text": "a JSON file, not JSON Lines"}')
    _write(root / "README", "no extension")
    _write(root / ".DS_Store", b"\x00\x00\x00\x01Bud1")
    _write(root / ".git" / "config", "[core]")
    _write(root / "sub" / "deeper" / "nested_\u0645\u0642\u0627\u0644.txt", "Shelling hit Ariha and Saraqib overnight, the monitor said.")
    _write(root / "page.html", HTML_ARTICLE)
    _write(root / "empty_page.html", "<html><head><title>Nothing</title></head><body><nav>Home</nav></body></html>")
    bomb = "<html><body>" + "<div>" * (MAX_HTML_DEPTH + 50) + "<p>" + ARTICLE + "</p>" + "</div>" * (MAX_HTML_DEPTH + 50) + "</body></html>"
    _write(root / "bomb.html", bomb)
    _write(root / "bomb_unclosed.htm", "<html><body>" + "<b>" * 100_000 + ARTICLE)

    lines = [
        json.dumps({"id": "x1", "text": "Turkish troops moved into Idlib on Sunday.", "title": "Troops move", "published_at": "2020-02-02", "outlet": "Agency"}),  # L1
        "",  # L2: blank, not an input
        '{"id": "x2", "text": "broken',  # L3 invalid_json
        json.dumps(["not", "an", "object"]),  # L4
        json.dumps({"id": "x3", "title": "no text"}),  # L5
        json.dumps({"id": "x4", "text": 42}),  # L6
        json.dumps({"id": "x5", "text": "Fine text, bad title.", "title": ["a", "b"]}),  # L7
        json.dumps({"id": "x1", "text": "A different text under a reused id, about Maarat al-Numan."}),  # L8 conflict
        json.dumps({"id": "x1", "text": "Turkish troops moved into Idlib on Sunday."}),  # L9 same text -> duplicate
        "   ",  # L10: blank
        json.dumps({"text": "   "}),  # L11 blank text
        json.dumps({"text": None}),  # L12 null text
        json.dumps({"text": "Text with an unreadable date.", "published_at": "last week"}),  # L13
        "[" * 100_000,  # L14 nested too deeply
        json.dumps({"id": True, "text": "Boolean id."}),  # L15
        json.dumps({"text": "A long line " + "x" * MAX_BYTES}),  # L16 oversized with max_bytes below
    ]
    _write(root / "feed.jsonl", "\n".join(lines) + "\n")
    _write(root / "empty.jsonl", "\n\n  \n")
    _write(root / "utf16.jsonl", codecs.BOM_UTF16_LE + '{"text": "x"}'.encode("utf-16-le"))

    _write(outside / "secret.txt", "This file lives outside the articles folder and must not be read.")
    (outside / "secret_dir").mkdir()
    _write(outside / "secret_dir" / "inner.txt", "Outside text.")
    os.symlink(outside / "secret.txt", root / "link_outside.txt")
    os.symlink(outside / "secret_dir", root / "link_outside_dir")
    os.symlink(root / "a_good.txt", root / "link_inside.txt")
    os.symlink(root / "sub", root / "link_inside_dir")
    os.symlink(root / "does_not_exist.txt", root / "link_broken.txt")


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, IngestResult]:
    base = tmp_path_factory.mktemp("messy")
    root, outside = base / "articles", base / "outside"
    root.mkdir()
    outside.mkdir()
    _messy_corpus(root, outside)
    return root, ingest_corpus(root, max_bytes=MAX_BYTES)


def test_messy_accounting(messy: tuple[Path, IngestResult]) -> None:
    _, result = messy
    assert result.balanced
    assert result.n_inputs == len(result.articles) + len(result.duplicates) + len(result.quarantine)
    refs = [a.source_file for a in result.articles] + [d.input_ref for d in result.duplicates] + [q.input_ref for q in result.quarantine]
    assert len(refs) == len(set(refs)) == result.n_inputs
    # hidden entries and the in-tree folder symlink are listed, not counted
    assert result.ignored == [".DS_Store", ".git/", "link_inside_dir/"]
    # blank JSONL lines are not inputs; feed.jsonl has 16 lines, 2 blank
    assert sum(1 for r in refs if r.startswith("feed.jsonl#")) == 14


def test_messy_reasons(messy: tuple[Path, IngestResult]) -> None:
    _, r = messy
    expected = {
        "empty.txt": ("read", "empty"),
        "blank.txt": ("read", "empty"),
        "only_header.txt": ("normalise", "empty"),
        "zero_width_only.txt": ("normalise", "empty"),
        "nul.txt": ("decode", "binary"),
        "image.html": ("decode", "binary"),
        "cyrillic_cp1251.txt": ("decode", "undecodable"),
        "utf16_bad.txt": ("decode", "undecodable"),
        "big.txt": ("read", "oversized"),
        "notes.pdf": ("discover", "unsupported_format"),
        "data.json": ("discover", "unsupported_format"),
        "README": ("discover", "unsupported_format"),
        "empty_page.html": ("parse", "no_article_text"),
        "bomb.html": ("parse", "html_too_complex"),
        "bomb_unclosed.htm": ("parse", "html_too_complex"),
        "link_outside.txt": ("discover", "unsafe_path"),
        "link_outside_dir/": ("discover", "unsafe_path"),
        "link_broken.txt": ("discover", "unreadable"),
        "feed.jsonl#L3": ("parse", "invalid_json"),
        "feed.jsonl#L4": ("parse", "not_an_article"),
        "feed.jsonl#L5": ("validate", "missing_text"),
        "feed.jsonl#L6": ("validate", "wrong_type"),
        "feed.jsonl#L7": ("validate", "wrong_type"),
        "feed.jsonl#L11": ("validate", "missing_text"),
        "feed.jsonl#L12": ("validate", "missing_text"),
        "feed.jsonl#L14": ("parse", "invalid_json"),
        "feed.jsonl#L15": ("validate", "wrong_type"),
        "feed.jsonl#L16": ("read", "oversized"),
        "empty.jsonl": ("read", "empty"),
        "utf16.jsonl": ("decode", "undecodable"),
    }
    got = {q.input_ref: (q.stage, q.reason) for q in r.quarantine}
    assert got == expected
    assert {q.reason for q in r.quarantine} <= _enum("quarantine", "reason")
    assert {q.stage for q in r.quarantine} <= _enum("quarantine", "stage")
    for q in r.quarantine:
        assert q.quarantine_id == "qua_" + ids.short_hash(q.input_ref, q.stage, q.reason)
        assert q.detail
    q = next(q for q in r.quarantine if q.input_ref == "nul.txt")
    assert q.input_sha256 == ids.sha256_hex(b"Some text\x00\x00\x01\x02 with NUL bytes")
    assert "line 3" in next(q for q in r.quarantine if q.input_ref == "feed.jsonl#L3").detail
    assert next(q for q in r.quarantine if q.input_ref == "link_outside.txt").input_sha256 is None


def test_messy_duplicates(messy: tuple[Path, IngestResult]) -> None:
    _, r = messy
    first = next(a for a in r.articles if a.source_file == "a_good.txt")
    dups = {d.input_ref: d for d in r.duplicates}
    assert dups["b copy of a's \"good\" \u00e9t\u00e9.txt"].kind == "exact_bytes"
    assert dups["link_inside.txt"].kind == "exact_bytes"
    assert dups["c_same_text.txt"].kind == "same_text"
    assert dups["feed.jsonl#L9"].kind == "same_text"
    assert {d.article_id for ref, d in dups.items() if ref != "feed.jsonl#L9"} == {first.article_id}
    assert all(d.kind in _enum("duplicates", "kind") for d in r.duplicates)
    assert len({a.article_id for a in r.articles}) == len(r.articles)


def test_messy_articles(messy: tuple[Path, IngestResult]) -> None:
    root, r = messy
    arts = {a.source_file: a for a in r.articles}
    a = arts["a_good.txt"]
    assert (a.title, a.url, a.outlet) == ("Town falls", "https://example.org/a", "The Post")
    assert (a.published_at, a.published_at_source) == (dt.date(2020, 1, 29), "header")
    assert a.text == normalise_text(ARTICLE) and a.language == "en"

    d = arts["d_bad_date.txt"]
    assert d.text.startswith("People fled the town of Saraqib")
    assert d.published_at_source in {"inferred", "unknown"}
    e = arts["e_bad_inline_date.txt"]
    assert e.text == "Rebels shelled the city of Aleppo, killing at least 12 people."
    assert e.published_at_source in {"inferred", "unknown"}
    assert {n.input_ref for n in r.notes if n.kind == "unparsable_date"} >= {"d_bad_date.txt", "e_bad_inline_date.txt", "feed.jsonl#L13"}

    assert arts["legacy_cp1252.txt"].text == "The caf\u00e9\u2019s owner said the r\u00e9sum\u00e9 of events was grim."
    assert any(n.input_ref == "legacy_cp1252.txt" and n.kind == "legacy_encoding" for n in r.notes)
    assert arts["utf16.txt"].text == "Troops entered the town of Kafranbel on Tuesday."
    assert arts["utf8_bom.txt"].text == "Aid convoys reached Atmeh camp on Thursday."
    assert arts["mojibake.txt"].text == "Residents said it\u2019s the worst shelling in \u201cyears\u201d."
    assert "sub/deeper/nested_\u0645\u0642\u0627\u0644.txt" in arts

    h = arts["page.html"]
    assert h.source_format == "html"
    assert h.title == "Syrian army captures key town"
    assert (h.published_at, h.published_at_source) == (dt.date(2020, 1, 29), "html")
    assert h.url == "https://example.org/news/idlib-town"
    assert h.outlet == "The Daily Record"
    assert h.text.startswith("BEIRUT - The Syrian army captured a key town")
    assert "Home" not in h.text and "Copyright" not in h.text
    assert "\n\nThe advance follows" in h.text

    j = arts["feed.jsonl#L1"]
    assert (j.source_format, j.title, j.outlet) == ("jsonl", "Troops move", "Agency")
    assert (j.published_at, j.published_at_source) == (dt.date(2020, 2, 2), "metadata")
    assert "feed.jsonl#L8" in arts  # same id, different text: kept ...
    assert any(n.kind == "conflicting_duplicate_id" and n.input_ref == "feed.jsonl#L8" for n in r.notes)  # ... and recorded

    for art in r.articles:
        assert art.article_id == ids.article_id(art.text)
        assert art.text == normalise_text(art.text)
        assert art.published_at_source in _enum("articles", "published_at_source")
        assert art.source_format in _enum("articles", "source_format")
        assert (art.published_at is None) == (art.published_at_source == "unknown")
    # the file outside the folder was never read
    assert not any("outside the articles folder and must not" in art.text for art in r.articles)


def test_deterministic(messy: tuple[Path, IngestResult]) -> None:
    root, first = messy
    second = ingest_corpus(root, max_bytes=MAX_BYTES)
    assert second == first
    assert sum(1 for _ in iter_inputs(root, max_bytes=MAX_BYTES)) == first.n_inputs
    assert sum(1 for _ in iter_inputs(root)) == first.n_inputs  # the count does not depend on the byte limit
    entries = [e.rel_path for e in iter_entries(root)]
    assert entries == sorted(entries)


def test_iter_inputs_order_and_names(tmp_path: Path) -> None:
    for name in ["b.txt", "a b.txt", "a.txt", "a/z.txt", "\u00e9.txt", "it's \"quoted\".txt"]:
        _write(tmp_path / name, "Some text about the war in Syria and the people who fled.")
    rels = [i.ref for i in iter_inputs(tmp_path)]
    assert rels == sorted(rels)
    assert set(rels) == {"b.txt", "a b.txt", "a.txt", "a/z.txt", "\u00e9.txt", "it's \"quoted\".txt"}
    result = ingest_corpus(tmp_path)
    assert len(result.articles) == 1 and len(result.duplicates) == 5
    assert result.articles[0].source_file == rels[0]
    assert all(d.kind == "exact_bytes" for d in result.duplicates)


def test_missing_folder_is_a_caller_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        ingest_corpus(tmp_path / "nope")


def test_large_jsonl_article_streams(tmp_path: Path) -> None:
    paragraph = "Thousands of civilians fled towards the Turkish border as shelling intensified. "
    body = "\n\n".join(paragraph * 20 for _ in range(2500))  # about 4 MB of text in one line
    with (tmp_path / "big.jsonl").open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "big", "text": body}) + "\n")
        fh.write(json.dumps({"id": "small", "text": "A short one."}) + "\n")
    result = ingest_corpus(tmp_path, max_chars=10_000_000)
    assert [a.source_file for a in result.articles] == ["big.jsonl#L1", "big.jsonl#L2"]
    assert result.articles[0].n_words == len(body.split())
    # with the default text limit (200,000 characters) the 4 MB text is not taken as an article
    default = ingest_corpus(tmp_path)
    assert [(q.input_ref, q.stage, q.reason) for q in default.quarantine] == [("big.jsonl#L1", "normalise", "oversized")]
    small = ingest_corpus(tmp_path, max_bytes=1_000_000)
    assert [(q.input_ref, q.reason) for q in small.quarantine] == [("big.jsonl#L1", "oversized")]
    assert [a.source_file for a in small.articles] == ["big.jsonl#L2"]


def test_html_declared_charset_and_odd_file_names(tmp_path: Path) -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><title>Идлиб</title></head>'
        "<body><article><p>Сирийская армия захватила ключевой город в провинции Идлиб на северо-западе страны, "
        "сообщили в среду военные источники.</p><p>Более трёхсот тысяч человек покинули свои дома с декабря, "
        "по данным Организации Объединённых Наций.</p></article></body></html>"
    )
    _write(tmp_path / "ru.html", page.encode("cp1251"))
    bad_name = os.fsdecode(b"bad\xff name.txt")
    _write(tmp_path / bad_name, "Shelling resumed near Saraqib on Friday, residents said.")
    os.mkfifo(tmp_path / "pipe.txt")  # must be quarantined, never opened (opening would block)
    result = ingest_corpus(tmp_path)
    arts = {a.source_file: a for a in result.articles}
    assert arts["ru.html"].language == "ru"
    assert arts["ru.html"].text.startswith("Сирийская армия захватила")
    assert "bad\\xff name.txt" in arts  # undecodable name bytes shown as \xNN, still valid UTF-8
    assert _reason(result, "pipe.txt") == "unreadable"
    assert result.balanced


def test_has_prose_counts_cjk_without_spaces() -> None:
    from pipeline.ingest.readers import _has_prose

    assert _has_prose("叙利亚军队周三表示，已经攻占伊德利卜省西北部的一个重要城镇。")
    assert not _has_prose("Home\nWorld\nSport\nWe use cookies.")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["txt", "html", "jsonl", "htm", "bin"]), st.binary(max_size=400)),
        min_size=1,
        max_size=5,
    )
)
def test_arbitrary_bytes_never_crash_and_balance(files: list[tuple[str, bytes]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for i, (ext, data) in enumerate(files):
            Path(tmp, f"f{i}.{ext}").write_bytes(data)
        result = ingest_corpus(tmp)
        assert result.balanced
        assert {q.reason for q in result.quarantine} <= _enum("quarantine", "reason")
        for art in result.articles:
            assert art.text and art.text == normalise_text(art.text)


def test_mixed_encoding_and_xhtml(tmp_path: Path) -> None:
    # UTF-8 text with one stray cp1252 byte: decoded as cp1252, then the UTF-8 runs are repaired
    _write(tmp_path / "mixed.txt", "It\u2019s over, the caf\u00e9 owner said. ".encode() * 3 + b"A stray \x92 quote.")
    xhtml = (
        '<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml">'
        "<head><title>T</title></head><body><article><p>Turkish troops moved into Idlib on Sunday, officials "
        "said, as the offensive continued.</p></article></body></html>"
    )
    _write(tmp_path / "page.xhtml.html", xhtml)
    result = ingest_corpus(tmp_path)
    arts = {a.source_file: a for a in result.articles}
    assert arts["mixed.txt"].text.endswith("caf\u00e9 owner said. A stray \u2019 quote.")
    assert arts["mixed.txt"].text.startswith("It\u2019s over")
    assert arts["page.xhtml.html"].text.startswith("Turkish troops moved into Idlib on Sunday")
