"""Article ids, file names and metadata never reach SQL or file paths unescaped.

- An audit of the code: every SQL statement built with an f-string interpolates only identifiers and literals
  passed through `schemas.metadata.sql_ident` / `sql_literal` (or values built from them); other values go
  as parameters (`?`).
- `sql_ident` and `sql_literal` round-trip any string through DuckDB (hypothesis).
- A real run with hostile names everywhere: an articles folder and a warehouse folder whose paths hold spaces,
  quotes and SQL; a file named `'; DROP TABLE articles; --.txt`; titles, outlets and JSONL ids with quotes,
  SQL and `../`. Every table is published, the values come back exactly, ids are content hashes, and no file
  is created anywhere but under fixed names in the warehouse.
- Release versions (the only user-given name that becomes a path) are checked against a safe pattern.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLE, run_cli
from schemas.metadata import TABLE_ORDER, sql_ident, sql_literal

SAFE_CALLS = {"sql_ident", "sql_literal", "duckdb_ddl", "duckdb_comments"}
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|ATTACH|COMMENT ON|FROM|WHERE|PRAGMA|SET)\b")


def _python_files() -> list[Path]:
    return sorted(p for d in ("pipeline", "schemas") for p in (ROOT / d).rglob("*.py"))


def _safe_expr(node: ast.AST, safe_names: set[str]) -> bool:
    """Whether an interpolated expression is an escaped identifier/literal or built only from such."""
    if isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in SAFE_CALLS:
            return True
        if name == "join" and isinstance(func, ast.Attribute):  # ", ".join(sql_ident(c) for c in ...)
            return all(_safe_expr(a, safe_names) for a in node.args)
        return False
    if isinstance(node, (ast.GeneratorExp, ast.ListComp)):
        return _safe_expr(node.elt, safe_names)
    if isinstance(node, ast.Name):
        return node.id in safe_names
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float))
    if isinstance(node, ast.Attribute):  # c.minimum, c.maximum: numbers from the metadata source
        return node.attr in {"minimum", "maximum"}
    return False


def sql_fstring_violations() -> list[str]:
    problems = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
            safe_names = {
                t.id
                for a in ast.walk(func) if isinstance(a, ast.Assign)
                for t in a.targets if isinstance(t, ast.Name) and _safe_expr(a.value, set())
            }
            for node in ast.walk(func):
                if not isinstance(node, ast.JoinedStr):
                    continue
                static = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if not SQL_WORDS.search(static) or not re.search(r"\b(SELECT|INSERT|CREATE|COPY|COMMENT ON|ATTACH|DROP|PRAGMA|SET)\b", static):
                    continue
                for v in node.values:
                    if isinstance(v, ast.FormattedValue) and not _safe_expr(v.value, safe_names):
                        problems.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(v.value)} in {static[:60]!r}")
    return problems


def test_every_sql_fstring_escapes_what_it_interpolates():
    assert sql_fstring_violations() == []


def test_the_audit_catches_an_unescaped_value(tmp_path, monkeypatch):
    bad = "def f(con, title):\n    con.execute(f\"SELECT * FROM articles WHERE title = '{title}'\")\n"
    good = "def g(con, name):\n    con.execute(f'SELECT count(*) FROM {sql_ident(name)}')\n"
    (tmp_path / "pipeline").mkdir()
    (tmp_path / "pipeline" / "bad.py").write_text(bad + good)
    (tmp_path / "schemas").mkdir()
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert [p.split(": ", 1)[1] for p in sql_fstring_violations()] == ["title in \"SELECT * FROM articles WHERE title = ''\""]


@settings(max_examples=60, deadline=None)
@given(value=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
def test_sql_ident_and_literal_round_trip(value):
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_literal(value)}").fetchone()[0] == value
    if value:
        con.execute(f"CREATE TABLE {sql_ident(value)} (x INTEGER)")
        assert con.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [(value,)]
    con.close()


def test_release_versions_are_safe_names():
    from pipeline.release.build import ReleaseError, check_version

    assert check_version("2024.05.01") == "2024.05.01"
    for bad in ["../evil", "a/b", "", ".hidden", "x\ny", "'; DROP TABLE articles; --", "..", "/abs", "a" * 80]:
        with pytest.raises(ReleaseError):
            check_version(bad)


# ------------------------------------------------------------------------------------------ a hostile run

HOSTILE_TITLE = "O'Brien says \"no\"; DROP TABLE figures; -- ') OR 1=1"
HOSTILE_OUTLET = "'); DELETE FROM articles; --"
ID_PATTERN = re.compile(r"^[a-z]+_[0-9a-f]{12,}$")


@pytest.mark.slow
def test_hostile_names_in_paths_files_and_metadata(tmp_path):
    base = tmp_path / "base 'single' \"double\"; DROP TABLE x; --"
    articles = base / "articles 'it''s' $(touch pwned) `id`"
    warehouse = base / "ware house \"q\" '; DROP TABLE articles; --"
    articles.mkdir(parents=True)
    for p in sorted(SAMPLE.glob("*.txt"))[:1]:
        (articles / p.name).write_bytes(p.read_bytes())
    (articles / "'; DROP TABLE articles; --.txt").write_text(
        f"title: {HOSTILE_TITLE}\noutlet: {HOSTILE_OUTLET}\ndate: 2020-02-03\n\n"
        "Government forces shelled Saraqib on Monday, killing 12 people, the Syrian Observatory for Human Rights said.\n"
    )
    (articles / "feed.jsonl").write_text(json.dumps({
        "id": "../../../../etc/passwd", "title": "../../x'\"", "outlet": "a/b\\c", "url": "file:///../../etc",
        "text": "More than 2,000 people fled Maarat al-Numan on Tuesday, the United Nations said.",
    }) + "\n")
    before = sorted(p.name for p in tmp_path.iterdir())

    run = run_cli(articles, warehouse, tmp_path / "state")
    assert "SUCCESS" in run.proc.stdout and " 0 failed" in run.proc.stdout

    con = duckdb.connect(str(warehouse / "newsledger.duckdb"), read_only=True)
    try:
        assert {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()} >= set(TABLE_ORDER)
        rows = {r[0]: r[1:] for r in con.execute("SELECT source_file, title, outlet, article_id FROM articles").fetchall()}
        assert rows["'; DROP TABLE articles; --.txt"][:2] == (HOSTILE_TITLE, HOSTILE_OUTLET)
        assert rows["feed.jsonl#L1"][:2] == ("../../x'\"", "a/b\\c")
        assert len(rows) == 3
        for table in TABLE_ORDER:
            assert con.execute(f"SELECT count(*) FROM {sql_ident(table)}").fetchone()[0] >= 0
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles UNION ALL SELECT figure_id FROM figures "
                                         "UNION ALL SELECT event_id FROM events").fetchall()]
        assert ids and all(ID_PATTERN.match(i) for i in ids), [i for i in ids if not ID_PATTERN.match(i)]
        assert con.execute("SELECT count(*) FROM figures_readable").fetchone()[0] > 0
    finally:
        con.close()

    # nothing named after an input or its metadata, nothing outside the warehouse and the state folder
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + ["state"])
    assert sorted(p.name for p in base.iterdir()) == sorted([articles.name, warehouse.name])
    allowed = re.compile(r"^(newsledger\.duckdb|parquet|\.writer\.lock|\.parquet-[0-9a-f]+-\d+|\.cache|\.storage|releases)$")
    assert [n.name for n in warehouse.iterdir() if not allowed.match(n.name)] == []
    table_files = {p.name for p in (warehouse / "parquet").iterdir()}
    # the warehouse's own intermediate storage names its files after assets and tables, never after an input
    # (tables, run ids, step outputs, the run lock)
    stored = [p.relative_to(warehouse / ".storage") for p in (warehouse / ".storage").rglob("*") if p.is_file()]
    assert any(p.parts[0] == "tables" for p in stored)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+", part) for p in stored for part in p.parts), stored
    assert table_files == {f"{t}.parquet" for t in TABLE_ORDER} | {"_metadata.json"}
    assert not any("passwd" in str(p) or "DROP" in p.name for p in warehouse.rglob("*"))
    assert not (ROOT / "pwned").exists() and not (articles / "pwned").exists()
