"""What changed between two releases, per table, by primary key.

For each table, rows are matched on the table's primary key (stable ids):

- **added**: a key in the new release that the previous one does not have;
- **removed**: a key of the previous release that is gone;
- **changed**: the same key with different content, with the columns that differ.

What "the rows that changed" means here: ids are content-derived. An article's id is a hash of its normalised
text, and the ids of its events, figures and mentions derive from the article id and the span. So editing an
article's text (even one digit) gives it a new `article_id`, and every row of that article is *removed* under its
old id and *added* under its new one; rows of other articles keep their ids and do not appear unless their content
changed. Shared rows (actors, places) keep their ids and show up as *changed* when, for example, their mention
counts or aliases change; an event of another article can show as *changed* only in its `cluster_id`, which is
shared by reports of the same real-world event across articles. To help a reader, articles whose input file (`source_file`) stayed but whose id changed
are listed as "replaced articles".

Outputs: `CHANGELOG.md` (readable, with examples) and `changes.json` (every key, machine-readable).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from schemas.metadata import RELEASE_TABLES, table_meta

MAX_IDS_IN_MARKDOWN = 200
EXAMPLES = 3
SHOW_COLUMNS = {
    "articles": ["title", "source_file", "published_at", "n_words"],
    "actors": ["name", "actor_type", "n_mentions"],
    "places": ["name", "country_iso3", "precision"],
    "events": ["event_type", "quote"],
    "figures": ["value", "category", "qualifier", "quote"],
    "mentions": ["kind", "text"],
    "quarantine": ["input_ref", "reason"],
    "duplicates": ["article_id", "kind"],
}


@dataclass
class TableChanges:
    table: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # key -> columns that differ
    rows_before: int = 0
    rows_after: int = 0

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, Any]:
        return {"rows_before": self.rows_before, "rows_after": self.rows_after, "added": self.added,
                "removed": self.removed, "changed": self.changed}


def _norm(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (list, tuple)):
        return tuple(_norm(x) for x in v)
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        return _norm(v.tolist())
    return v


def _key(row: dict[str, Any], pk: tuple[str, ...]) -> str:
    return "|".join(str(row[k]) for k in pk)


def read_keyed(path: Path, name: str) -> dict[str, dict[str, Any]]:
    """A table's rows keyed by primary key (joined with `|` for compound keys), values normalised for comparing."""
    pk = table_meta(name).primary_key
    table = pq.read_table(path)
    out = {}
    for row in table.to_pylist():
        row = {k: _norm(v) for k, v in row.items()}
        out[_key(row, pk)] = row
    return out


def diff_table(name: str, old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> TableChanges:
    ch = TableChanges(name, rows_before=len(old), rows_after=len(new))
    ch.added = sorted(set(new) - set(old))
    ch.removed = sorted(set(old) - set(new))
    for k in sorted(set(old) & set(new)):
        cols = sorted(c for c in set(old[k]) | set(new[k]) if old[k].get(c) != new[k].get(c))
        if cols:
            ch.changed[k] = cols
    return ch


def diff_releases(old_folder: Path | None, new_folder: Path) -> dict[str, Any]:
    """Per-table changes from `old_folder` to `new_folder` (both release folders, or any folder holding
    `parquet/<table>.parquet`). With no previous release every row is added."""
    tables: dict[str, TableChanges] = {}
    rows_old: dict[str, dict] = {}
    rows_new: dict[str, dict] = {}
    for name in RELEASE_TABLES:
        new = read_keyed(Path(new_folder) / "parquet" / f"{name}.parquet", name)
        old_path = Path(old_folder) / "parquet" / f"{name}.parquet" if old_folder else None
        old = read_keyed(old_path, name) if old_path and old_path.is_file() else {}
        tables[name] = diff_table(name, old, new)
        rows_old[name], rows_new[name] = old, new
    replaced = []
    old_by_file = {r["source_file"]: r["article_id"] for r in rows_old["articles"].values()}
    for r in rows_new["articles"].values():
        before = old_by_file.get(r["source_file"])
        if before is not None and before != r["article_id"]:
            replaced.append({"source_file": r["source_file"], "old_article_id": before, "new_article_id": r["article_id"]})
    return {"tables": tables, "replaced_articles": sorted(replaced, key=lambda d: d["source_file"]),
            "_rows_old": rows_old, "_rows_new": rows_new}


def _cell(v: Any, width: int = 70) -> str:
    s = "NULL" if v is None else (json.dumps(list(v), ensure_ascii=False) if isinstance(v, tuple) else str(v))
    s = s.replace("|", "/").replace("\n", " ")
    return s if len(s) <= width else s[: width - 1] + "…"


def changelog_markdown(diff: dict[str, Any], version: str, previous: str | None) -> str:
    tables: dict[str, TableChanges] = diff["tables"]
    out = [f"# Changelog: release {version}", ""]
    if previous is None:
        out += ["First release: there is no earlier release to compare with; every row is new.", ""]
    else:
        out += [f"Changes since release `{previous}`, per table, by primary key (stable ids).", "",
                "A row is *added* or *removed* when its id appears or disappears, *changed* when the same id has "
                "different content. Ids derive from content: editing an article's text gives it a new `article_id`, "
                "so all rows of that article are removed under their old ids and added under new ones.", ""]
    out += ["| table | rows before | rows after | added | removed | changed |", "|---|---|---|---|---|---|"]
    for name, ch in tables.items():
        out.append(f"| {name} | {ch.rows_before} | {ch.rows_after} | {len(ch.added)} | {len(ch.removed)} | {len(ch.changed)} |")
    out.append("")
    if diff["replaced_articles"]:
        out += ["## Replaced articles", "", "Input files whose text changed (new article id):", ""]
        for r in diff["replaced_articles"]:
            out.append(f"- `{r['source_file']}`: `{r['old_article_id']}` → `{r['new_article_id']}`")
        out.append("")
    if previous is not None and all(ch.empty for ch in tables.values()):
        out += ["No row changed.", ""]
    for name, ch in tables.items():
        if ch.empty or previous is None:
            continue
        show = SHOW_COLUMNS.get(name, [])
        out += [f"## {name}", ""]
        for label, keys, rows in (("Added", ch.added, diff["_rows_new"][name]), ("Removed", ch.removed, diff["_rows_old"][name])):
            if not keys:
                continue
            out += [f"{label} ({len(keys)}): " + ", ".join(f"`{k}`" for k in keys[:MAX_IDS_IN_MARKDOWN])
                    + (f" … and {len(keys) - MAX_IDS_IN_MARKDOWN} more (see changes.json)" if len(keys) > MAX_IDS_IN_MARKDOWN else ""), ""]
            out += ["| id | " + " | ".join(show) + " |", "|---|" + "---|" * len(show)]
            for k in keys[:EXAMPLES]:
                out.append(f"| `{k}` | " + " | ".join(_cell(rows[k].get(c)) for c in show) + " |")
            out.append("")
        if ch.changed:
            keys = list(ch.changed)
            out += [f"Changed ({len(keys)}): " + ", ".join(f"`{k}`" for k in keys[:MAX_IDS_IN_MARKDOWN])
                    + (f" … and {len(keys) - MAX_IDS_IN_MARKDOWN} more (see changes.json)" if len(keys) > MAX_IDS_IN_MARKDOWN else ""), ""]
            out += ["| id | column | before | after |", "|---|---|---|---|"]
            for k in keys[:EXAMPLES]:
                for c in ch.changed[k]:
                    out.append(f"| `{k}` | {c} | {_cell(diff['_rows_old'][name][k].get(c))} | {_cell(diff['_rows_new'][name][k].get(c))} |")
            out.append("")
    return "\n".join(out)


def write_changelog(folder: Path, previous: Path | None, version: str) -> dict[str, Any]:
    """Write `CHANGELOG.md` and `changes.json` into the release folder; returns the machine-readable changes."""
    diff = diff_releases(previous, folder)
    prev_name = previous.name if previous else None
    (folder / "CHANGELOG.md").write_text(changelog_markdown(diff, version, prev_name), encoding="utf-8")
    changes = {
        "version": version,
        "previous_version": prev_name,
        "tables": {n: ch.as_dict() for n, ch in diff["tables"].items()},
        "replaced_articles": diff["replaced_articles"],
    }
    (folder / "changes.json").write_text(json.dumps(changes, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return changes
