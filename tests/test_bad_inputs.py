"""Bad and odd input through the real pipeline: one CLI run over a folder holding 40+ kinds of input.

Every input either becomes an article (with the properties asserted below), a duplicate of one, or a
`quarantine` row with a clear reason; the run completes, every blocking check passes (among them
`inputs_accounted_for`: inputs = articles + duplicates + quarantined) and nothing is lost: the set of input
references in the three tables is exactly the set of inputs the folder holds.

The corpus is generated here (the 50 MB article too); `EXPECTED` maps each input to what must happen to it.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import duckdb
import pytest

from conftest import run_cli

pytestmark = pytest.mark.slow

S1 = (
    "Government forces shelled the town of Saraqib on Monday, killing at least 12 civilians, "
    "the Syrian Observatory for Human Rights said. More than 20,000 people fled towards the Turkish border."
)
S2 = "The United Nations said on Tuesday that 700,000 people had been displaced in northwest Syria since December."
S3 = "Turkish troops and Syrian government forces clashed near Idlib on Wednesday, Turkey's defence ministry said."
S4 = "Aid groups warned that camps near the border were full and that at least 300 families slept in the open."
S5 = "Rebel fighters retook the village of Nairab on Thursday after heavy fighting, a commander told reporters."

ARABIC = "قالت الأمم المتحدة يوم الثلاثاء إن أكثر من ٧٠٠ ألف شخص نزحوا في شمال غرب سوريا منذ ديسمبر. وقصفت القوات الحكومية مدينة سراقب."
FRENCH = (
    "Les forces gouvernementales ont bombardé la ville de Saraqib lundi, tuant au moins douze civils, selon "
    "l'Observatoire syrien des droits de l'homme. Plus de vingt mille personnes ont fui vers la frontière turque."
)
GOOD_HTML = f"""<!doctype html><html><head><title>Shelling in Saraqib</title>
<meta property="og:site_name" content="Test Wire"><meta name="date" content="2020-02-03"></head>
<body><nav><a href="/">Home</a> / <a href="/world">World</a></nav>
<article><h1>Shelling in Saraqib</h1><p>{S3}</p><p>{S4}</p></article>
<footer>We use cookies.</footer></body></html>"""
NAV_HTML = """<!doctype html><html><head><title>Home</title></head><body><nav><a href="/">Home</a> | <a href="/world">World</a>
| <a href="/sport">Sport</a></nav><footer>We use cookies. Accept</footer></body></html>"""


def _bomb_html() -> str:
    return "<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>"


# input ref -> ("article", checks) | ("duplicate", kind) | ("quarantine", reason); a check is a function of the
# article row (a dict) returning True when the article is as it must be.
EXPECTED: dict[str, tuple] = {}
KINDS: dict[str, str] = {}  # input ref -> what kind of bad/odd input it is (for the report)


def add(ref: str, kind: str, outcome: tuple) -> None:
    EXPECTED[ref] = outcome
    KINDS[ref] = kind


def build_corpus(d: Path | None) -> Path | None:
    """Write every kind of input into `d` and record its expected outcome (only record, when `d` is None)."""
    EXPECTED.clear()
    KINDS.clear()
    write = d is not None

    def w(name: str, data: bytes | str) -> None:
        if write:
            p = d / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)

    good = f"title: Saraqib shelled\ndate: 2020-02-03\n\n{S1}\n"

    # --- good articles, and duplicates of them
    w("good.txt", good)
    add("good.txt", "a well-formed article with a header", ("article", lambda a: a["title"] == "Saraqib shelled" and str(a["published_at"]) == "2020-02-03" and a["published_at_source"] == "header" and a["text"].startswith("Government forces")))
    w("good.txt copy.txt", good)
    add("good.txt copy.txt", "byte-identical copy (file name with a space)", ("duplicate", "exact_bytes"))
    w("same text, other bytes.txt", f"title: Saraqib shelled\r\ndate: 2020-02-03\r\n\r\n  {S1.replace('. ', '.  ')}  \r\n")
    add("same text, other bytes.txt", "same text after normalisation (CRLF, extra spaces)", ("duplicate", "same_text"))
    w("near duplicate.txt", f"title: Saraqib shelled\ndate: 2020-02-03\n\n{S1.replace('12 civilians', '13 civilians')}\n")
    add("near duplicate.txt", "near duplicate (one number differs)", ("article", lambda a: "13 civilians" in a["text"]))

    # --- empty, binary, encodings
    w("empty.txt", b"")
    add("empty.txt", "empty file", ("quarantine", "empty"))
    w("whitespace only.txt", " \n\t\r\n \u3000\n".encode("utf-8"))
    add("whitespace only.txt", "whitespace-only file", ("quarantine", "empty"))
    w("invisible only.txt", "\u200b\u200b\ufeff\u2060\n\u00ad".encode("utf-8"))
    add("invisible only.txt", "only zero-width/invisible characters", ("quarantine", "empty"))
    w("binary.txt", bytes(range(256)) * 64)
    add("binary.txt", "binary file with a .txt name", ("quarantine", "binary"))
    w("png disguised.html", b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    add("png disguised.html", "binary (PNG) with an .html name", ("quarantine", "binary"))
    w("control chars.txt", ("\x01\x02\x03\x04 " * 200 + S2).encode("utf-8"))
    add("control chars.txt", "text full of control characters", ("quarantine", "binary"))
    w("nul inside.txt", (S2 + "\x00" + S3).encode("utf-8"))
    add("nul inside.txt", "text with a NUL byte in the middle", ("quarantine", "binary"))
    w("invalid utf8.txt", S4.encode("utf-8").replace(b"camps", b"camps \xc3\x28 \xff"))
    add("invalid utf8.txt", "invalid UTF-8 bytes inside text", ("article", lambda a: a["text"].startswith("Aid groups warned")))
    w("utf16 bom.txt", S5.encode("utf-16"))
    add("utf16 bom.txt", "UTF-16 with BOM", ("article", lambda a: a["text"] == S5))
    w("utf16 no bom.txt", (S3 + " Again on Friday.").encode("utf-16-le"))
    add("utf16 no bom.txt", "UTF-16 LE without BOM", ("article", lambda a: a["text"] == S3 + " Again on Friday."))
    w("utf8 bom.txt", codecs.BOM_UTF8 + "Shelling near Ariha continued on Friday, residents said.".encode("utf-8"))
    add("utf8 bom.txt", "UTF-8 with BOM", ("article", lambda a: a["text"] == "Shelling near Ariha continued on Friday, residents said."))
    latin = "Le café de São Paulo à Genève: the délégation said talks would résume on Monday in Genève."
    w("latin1.txt", latin.encode("latin-1"))
    add("latin1.txt", "Latin-1 encoded text", ("article", lambda a: a["text"] == latin))
    moj = "The minister’s statement – issued in Genève – said “no” to the ceasefire on Monday."
    w("mojibake.txt", moj.encode("utf-8").decode("cp1252", "replace").encode("utf-8"))
    add("mojibake.txt", 'mojibake ("â€™" for "’")', ("article", lambda a: a["text"] == moj and "â€" not in a["text"]))

    # --- HTML
    w("good.html", GOOD_HTML)
    add("good.html", "HTML news page (nav, footer)", ("article", lambda a: a["source_format"] == "html" and a["title"] == "Shelling in Saraqib" and "cookies" not in a["text"] and S3 in a["text"]))
    w("navigation only.html", NAV_HTML)
    add("navigation only.html", "HTML without an article", ("quarantine", "no_article_text"))
    w("bomb.html", _bomb_html())
    add("bomb.html", "HTML bomb (5,000 nested elements)", ("quarantine", "html_too_complex"))

    # --- size
    chunk = (" ".join([S1, S2, S3, S4, S5]) + "\n\n").encode("utf-8")
    if write:
        with open(d / "huge 50MB.txt", "wb") as fh:
            for _ in range(50_000_000 // len(chunk) + 1):
                fh.write(chunk)
    add("huge 50MB.txt", "a 50 MB article (over max_input_bytes, 20 MB)", ("quarantine", "oversized"))
    w("long 300k chars.txt", (chunk * (300_000 // len(chunk) + 1)).decode("utf-8"))
    add("long 300k chars.txt", "300,000-character text (under the byte limit, over the 200,000-character text limit)", ("quarantine", "oversized"))

    # --- JSON Lines
    lines = [
        json.dumps({"id": "j1", "title": "Convoy", "published_at": "2020-02-04", "outlet": "Wire", "text": "A convoy of 40 trucks reached Atarib on Tuesday, officials said."}),
        "",  # blank line: not an input
        "{not json",
        json.dumps({"id": "j3", "title": "no text"}),
        json.dumps({"id": "j4", "text": 42}),
        json.dumps({"id": "j5", "text": ["a", "list"]}),
        json.dumps([1, 2, 3]),
        json.dumps({"id": "j1", "text": "A different text that reuses the id j1, published on Tuesday in Idlib."}),
        json.dumps({"id": "j1", "title": "Convoy", "published_at": "2020-02-04", "outlet": "Wire", "text": "A convoy of 40 trucks reached Atarib on Tuesday, officials said."}),
        json.dumps({"id": "j9", "title": 12345, "text": "Fighting resumed near Maarat al-Numan on Sunday, a monitor said."}),
        json.dumps({"id": "../../etc/passwd", "url": "file:///etc/passwd", "text": "An article whose id looks like a path, filed from Aleppo on Monday."}),
        json.dumps({"id": "j12", "text": "   "}),
        '{"id": "j13", "text": "lone surrogate \\ud800 in JSON escapes, reported from Hama on Friday."}',
        json.dumps({"id": "j14", "published_at": "yesterday-ish", "text": "Fighting resumed near Maarat al-Numan on Sunday, a monitor said."}),
    ]
    w("feed.jsonl", "\n".join(lines) + "\n")
    add("feed.jsonl#L1", "JSONL: a good line", ("article", lambda a: a["title"] == "Convoy" and a["outlet"] == "Wire" and a["published_at_source"] == "metadata"))
    add("feed.jsonl#L3", "JSONL: broken JSON line", ("quarantine", "invalid_json"))
    add("feed.jsonl#L4", "JSONL: missing text", ("quarantine", "missing_text"))
    add("feed.jsonl#L5", "JSONL: text of the wrong type (number)", ("quarantine", "wrong_type"))
    add("feed.jsonl#L6", "JSONL: text of the wrong type (list)", ("quarantine", "wrong_type"))
    add("feed.jsonl#L7", "JSONL: a JSON array, not an object", ("quarantine", "not_an_article"))
    add("feed.jsonl#L8", "JSONL: duplicate id with a different text", ("article", lambda a: "reuses the id j1" in a["text"]))
    add("feed.jsonl#L9", "JSONL: exact duplicate line", ("duplicate", "exact_bytes"))
    add("feed.jsonl#L10", "JSONL: title of the wrong type (number)", ("quarantine", "wrong_type"))
    add("feed.jsonl#L11", "JSONL: id and url that look like paths", ("article", lambda a: a["url"] == "file:///etc/passwd" and a["article_id"].startswith("art_")))
    add("feed.jsonl#L12", "JSONL: whitespace-only text", ("quarantine", "missing_text"))
    add("feed.jsonl#L13", "JSONL: lone surrogate escape", ("article", lambda a: "\ufffd" in a["text"]))
    add("feed.jsonl#L14", "JSONL: published_at that is not a date", ("article", lambda a: a["published_at_source"] in ("inferred", "unknown")))
    w("empty.jsonl", "\n\n")
    add("empty.jsonl", "JSONL file with no lines", ("quarantine", "empty"))
    w("utf16.jsonl", (json.dumps({"text": S2}) + "\n").encode("utf-16"))
    add("utf16.jsonl", "JSONL file in UTF-16", ("quarantine", "undecodable"))

    # --- file names and links
    w("'; DROP TABLE articles; --.txt", "Shelling hit Kafr Nabl on Monday; DROP TABLE figures; -- the council said.")
    add("'; DROP TABLE articles; --.txt", "file name with quotes and SQL", ("article", lambda a: "DROP TABLE figures" in a["text"]))
    w('say "hello" it\'s.txt', "Residents of Binnish said on Sunday that \"nobody\" had warned them; it's the third attack.")
    add('say "hello" it\'s.txt', "file name with double and single quotes", ("article", lambda a: '"nobody"' in a["text"]))
    w("ünïcödé تقرير 報告.txt", "Clashes were reported in Jisr al-Shughur on Saturday, a local journalist said.")
    add("ünïcödé تقرير 報告.txt", "file name in unicode (Latin, Arabic, CJK)", ("article", lambda a: True))
    w("x..\\..\\windows path.txt", "Displaced families reached Azaz on Friday after walking for two days, aid workers said.")
    # A backslash in a name is written \\ in the input reference (so that \xNN stands for one undecodable byte only).
    add("x..\\\\..\\\\windows path.txt", "file name with ..\\ (backslashes are name characters on POSIX)", ("article", lambda a: True))
    w("..\\hidden dots.txt", "Displaced families reached Afrin on Saturday, aid workers said.")
    add("..\\\\hidden dots.txt", "file name starting with '..' (hidden: not an input, listed as ignored)", ("ignored",))
    w("nested/deeper/article.txt", "Two hospitals in Ariha stopped working after air strikes on Thursday, doctors said.")
    add("nested/deeper/article.txt", "article in a nested folder", ("article", lambda a: True))
    if write:
        outside = d.parent / f"{d.name}-outside"
        outside.mkdir(exist_ok=True)
        (outside / "secret.txt").write_text("A secret outside the articles folder, written on Monday in Damascus.")
        os.symlink(outside / "secret.txt", d / "link out.txt")
        os.symlink("../" + outside.name + "/secret.txt", d / "relative ..-link.txt")
        os.symlink(outside, d / "folder link out")
        os.symlink(d / "does-not-exist.txt", d / "broken link.txt")
        os.symlink("good.txt", d / "inside link.txt")
        os.mkfifo(d / "fifo.txt")
    add("link out.txt", "symlink to a file outside the input folder", ("quarantine", "unsafe_path"))
    add("relative ..-link.txt", "relative symlink with ../ out of the input folder", ("quarantine", "unsafe_path"))
    add("folder link out/", "symlink to a folder outside the input folder", ("quarantine", "unsafe_path"))
    add("broken link.txt", "broken symlink", ("quarantine", "unreadable"))
    add("inside link.txt", "symlink to a file inside the folder", ("duplicate", "exact_bytes"))
    add("fifo.txt", "a FIFO named .txt (would block a naive reader)", ("quarantine", "unreadable"))
    w("notes.docx", b"PK\x03\x04 not really a document")
    add("notes.docx", "unsupported file type", ("quarantine", "unsupported_format"))
    w("README", "no extension at all")
    add("README", "file without an extension", ("quarantine", "unsupported_format"))
    w(".DS_Store", b"\x00\x00\x00\x01Bud1")
    add(".DS_Store", "hidden operating-system file (not an input, listed as ignored)", ("ignored",))

    # --- hostile and odd text
    w("bidi and zero width.txt", "Residents of Sar\u200baqib said the \u202eshelling\u202c began at dawn on Mon\u200dday, a wit\u2060ness said.")
    add("bidi and zero width.txt", "right-to-left overrides and zero-width characters in English", ("article", lambda a: a["text"] == "Residents of Saraqib said the shelling began at dawn on Monday, a witness said."))
    w("arabic.txt", ARABIC)
    add("arabic.txt", "Arabic script", ("article", lambda a: a["language"] == "ar" and a["text"] == ARABIC))
    w("french.txt", FRENCH)
    add("french.txt", "a non-English (French) article", ("article", lambda a: a["language"] == "fr"))
    w("no sentences.txt", "shelling Idlib displaced thousands border camps winter aid convoy Atarib")
    add("no sentences.txt", "text with no sentences (no punctuation)", ("article", lambda a: a["n_words"] == 10))
    w("numbers everywhere.txt", "12 34,567 8.9 1/2 3-4 2020 1e9 $5m 70% 1,000,000 killed 12 of 13 on 12/12/2020 at 10:45 +961 3 123 456 #42 v2.0")
    add("numbers everywhere.txt", "numbers everywhere", ("article", lambda a: True))
    w("bad date header.txt", "date: not-a-date\ntitle: Date header that is not a date\n\nShelling was reported near Idlib on Monday, a monitor said.")
    add("bad date header.txt", "a date header that is not a date", ("article", lambda a: a["title"] == "Date header that is not a date" and a["published_at_source"] in ("inferred", "unknown") and a["text"].startswith("Shelling")))
    w("emoji and symbols.txt", "🚨 BREAKING 🚨 Air strikes hit Idlib ☢️ on Monday 👉 at least 5 killed, medics said 🙏.")
    add("emoji and symbols.txt", "emoji and symbols", ("article", lambda a: a["text"].startswith("🚨")))
    w("one word.txt", "Idlib")
    add("one word.txt", "a single word", ("article", lambda a: a["text"] == "Idlib"))
    return d


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory):
    d = build_corpus(tmp_path_factory.mktemp("bad inputs") / "articles")
    run = run_cli(d, tmp_path_factory.mktemp("bad_wh"), tmp_path_factory.mktemp("bad_state"))
    con = duckdb.connect(str(run.duckdb), read_only=True)
    cols = [c[0] for c in con.execute("SELECT * FROM articles LIMIT 0").description]
    articles = {r[cols.index("source_file")]: dict(zip(cols, r)) for r in con.execute("SELECT * FROM articles").fetchall()}
    duplicates = {r[0]: (r[1], r[2]) for r in con.execute("SELECT input_ref, article_id, kind FROM duplicates").fetchall()}
    quarantine = {r[0]: (r[1], r[2], r[3]) for r in con.execute("SELECT input_ref, stage, reason, detail FROM quarantine").fetchall()}
    con.close()
    return run, articles, duplicates, quarantine


def test_run_completes_and_every_check_passes(bad_run):
    run, articles, duplicates, quarantine = bad_run
    assert "SUCCESS" in run.proc.stdout and " 0 failed" in run.proc.stdout, run.proc.stdout
    assert len(EXPECTED) >= 40


def test_nothing_lost_and_nothing_counted_twice(bad_run):
    _, articles, duplicates, quarantine = bad_run
    refs = list(articles) + list(duplicates) + list(quarantine)
    assert len(refs) == len(set(refs)), "an input is in two tables"
    inputs = {ref for ref, outcome in EXPECTED.items() if outcome[0] != "ignored"}
    assert set(refs) == inputs, f"missing: {inputs - set(refs)}; unexpected: {set(refs) - inputs}"


build_corpus(None)  # EXPECTED and KINDS, for the parametrisation below


def test_the_corpus_has_over_30_kinds():
    assert len(KINDS) >= 40


@pytest.mark.parametrize("ref", sorted(EXPECTED))
def test_each_input(bad_run, ref):
    _, articles, duplicates, quarantine = bad_run
    outcome = EXPECTED[ref]
    if outcome[0] == "article":
        assert ref in articles, f"{KINDS[ref]}: not an article: {quarantine.get(ref) or duplicates.get(ref)}"
        a = articles[ref]
        assert outcome[1](a), f"{KINDS[ref]}: article not as expected: {dict(a, text=a['text'][:200])}"
    elif outcome[0] == "duplicate":
        assert ref in duplicates, f"{KINDS[ref]}: not a duplicate: {quarantine.get(ref) or ref in articles}"
        assert duplicates[ref][1] == outcome[1]
    elif outcome[0] == "ignored":
        assert ref not in articles and ref not in duplicates and ref not in quarantine
    else:
        assert ref in quarantine, f"{KINDS[ref]}: not quarantined"
        stage, reason, detail = quarantine[ref]
        assert reason == outcome[1], f"{KINDS[ref]}: {stage}/{reason}: {detail}"
        assert detail and len(detail) > 5, "a quarantine row says why"


def test_evidence_in_odd_articles_quotes_the_text(bad_run):
    run, articles, _, _ = bad_run
    con = duckdb.connect(str(run.duckdb), read_only=True)
    for table, col in (("figures", "quote"), ("events", "quote"), ("mentions", "text")):
        bad = con.execute(
            f'SELECT count(*) FROM "{table}" t JOIN articles a USING (article_id) '
            f"WHERE substr(a.text, t.char_start + 1, t.char_end - t.char_start) <> t.{col}"
        ).fetchone()[0]
        assert bad == 0, table
    con.close()
