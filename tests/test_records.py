"""The records that cross a layer have their table's columns; the extractors' enums are the tables'; the
layers import each other one way only."""

import ast
import dataclasses
from pathlib import Path

import pytest

from pipeline import records
from pipeline.extract.actors import ACTOR_TYPES
from pipeline.extract.events import CONTEXT_FLAGS, EVENT_TYPES
from schemas.metadata import table_meta

ROOT = Path(__file__).resolve().parents[1]

# Columns the publish layer adds (not carried by the record), and fields a record keeps that its table leaves out.
COMPUTED_COLUMNS = {"actors": {"n_mentions"}}  # counted over the mentions table
UNPUBLISHED_FIELDS = {"events": {"sentence_index"}, "figures": {"sentence_index"}}  # for linking and mentions


@pytest.mark.parametrize("record, table", [
    (records.Article, "articles"),
    (records.QuarantineRecord, "quarantine"),
    (records.DuplicateRecord, "duplicates"),
    (records.ActorInfo, "actors"),
    (records.PlaceInfo, "places"),
    (records.Event, "events"),
    (records.Figure, "figures"),
])
def test_record_fields_are_the_table_columns_in_order(record, table):
    fields = [f.name for f in dataclasses.fields(record) if f.name not in UNPUBLISHED_FIELDS.get(table, ())]
    columns = [c for c in table_meta(table).column_names if c not in COMPUTED_COLUMNS.get(table, ())]
    assert fields == columns


def test_extractor_enums_come_from_tables_yaml():
    assert EVENT_TYPES == table_meta("events").column("event_type").enum
    assert CONTEXT_FLAGS == table_meta("events").column("context").enum
    assert ACTOR_TYPES == frozenset(table_meta("actors").column("actor_type").enum)
    with pytest.raises(ValueError, match="has no enum"):
        records.enum("events", "quote")


def _project_imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every `from pipeline... import ...` / `import pipeline...` in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            out.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("pipeline")]
    return out


def test_ingest_does_not_import_extract():
    for path in sorted((ROOT / "pipeline" / "ingest").glob("*.py")):
        for module, _ in _project_imports(path):
            assert not module.startswith("pipeline.extract"), f"{path.name} imports {module}"


def test_extractors_do_not_import_each_others_private_names():
    extract = ROOT / "pipeline" / "extract"
    for path in sorted(extract.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        package = ".".join(parts[:3]) if len(parts) > 3 else ".".join(parts)  # a subpackage, or the module
        for module, names in _project_imports(path):
            if not module.startswith("pipeline.extract") or module.startswith(package):
                continue  # a module's own package (events/ internals) may share private names
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{path.relative_to(ROOT)} imports {private} from {module}"
