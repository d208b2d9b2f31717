"""The metadata source (`schemas/tables.yaml`) and everything generated from it.

One description per table and column; from it come:
- the Arrow schema the Parquet files are written with (`arrow_schema`),
- the pandera model that validates a table (`pandera_schema`, in `schemas.models`),
- Dagster's column schema shown in the UI (`dagster_table_schema`, in the Dagster layer),
- DuckDB's CREATE TABLE with keys and `COMMENT ON` statements (`duckdb_ddl`, `duckdb_comments`),
- the Frictionless table schema (`frictionless_schema`),
- the codebook (`schemas.codebook.codebook_markdown`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

METADATA_PATH = Path(__file__).with_name("tables.yaml")

# The order tables are published and loaded in (a table's foreign keys point only to tables before it,
# except self-references).
TABLE_ORDER = ("articles", "actors", "places", "events", "figures", "mentions", "extraction_problems", "quarantine", "duplicates")
# Tables a release derives from the published ones (`derived_tables` in tables.yaml), published after them.
DERIVED_ORDER = ("best_estimates",)
RELEASE_TABLES = TABLE_ORDER + DERIVED_ORDER

_TYPES = {"string", "integer", "number", "boolean", "date", "list<string>"}


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    fk: str | None = None
    example: str | None = None
    full_only: bool = False
    values: tuple[tuple[str, str], ...] = ()  # (allowed value, what it means), in `enum` order

    @property
    def fk_table(self) -> str | None:
        return self.fk.split(".")[0] if self.fk else None

    @property
    def fk_column(self) -> str | None:
        return self.fk.split(".")[1] if self.fk else None


@dataclass(frozen=True)
class TableMeta:
    name: str
    description: str
    row_kind: str
    primary_key: tuple[str, ...]
    columns: tuple[ColumnMeta, ...]
    evidence: bool = False
    ordered: tuple[tuple[str, str], ...] = ()
    quote_column: str = "quote"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnMeta:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _column(table: str, raw: dict[str, Any]) -> ColumnMeta:
    unknown = set(raw) - {"name", "type", "description", "required", "unique", "enum", "min", "max", "pattern", "fk",
                          "example", "full_only", "values", "listed_values"}
    if unknown:
        raise ValueError(f"{table}.{raw.get('name')}: unknown keys {sorted(unknown)}")
    if raw["type"] not in _TYPES:
        raise ValueError(f"{table}.{raw['name']}: unknown type {raw['type']!r}")
    values = _values(table, raw)
    return ColumnMeta(
        name=raw["name"],
        type=raw["type"],
        description=" ".join(str(raw["description"]).split()),
        required=bool(raw.get("required", False)),
        unique=bool(raw.get("unique", False)),
        enum=tuple(str(v) for v in raw["enum"]) if raw.get("enum") else None,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
        pattern=raw.get("pattern"),
        fk=raw.get("fk"),
        example=None if raw.get("example") is None else str(raw["example"]),
        full_only=bool(raw.get("full_only", False)),
        values=values,
    )


def _values(table: str, raw: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The meaning of every allowed value, in `enum` order, from `values` (value -> meaning); a column without an
    enum may list the values it takes (`listed_values`, an open list, same form)."""
    name = raw["name"]
    if raw.get("values") and not raw.get("enum"):
        raise ValueError(f"{table}.{name}: `values` describes an `enum`; use `listed_values` for an open list")
    given = raw.get("values") if raw.get("enum") else raw.get("listed_values")
    if not given:
        return ()
    meanings = {str(k): " ".join(str(v).split()) for k, v in given.items()}
    if not raw.get("enum"):
        return tuple(meanings.items())
    enum = [str(v) for v in raw["enum"]]
    unknown = sorted(set(meanings) - set(enum))
    if unknown:
        raise ValueError(f"{table}.{name}: `values` describes {unknown}, which are not in its `enum`")
    # an enum value without a meaning is listed with an empty one (tests/test_schemas.py requires them all)
    return tuple((v, meanings.get(v, "")) for v in enum)


def _table(name: str, t: dict[str, Any]) -> TableMeta:
    cols = tuple(_column(name, c) for c in t["columns"])
    meta = TableMeta(
        name=name,
        description=" ".join(t["description"].split()),
        row_kind=t.get("row_kind", "a row"),
        primary_key=tuple(t["primary_key"]),
        columns=cols,
        evidence=bool(t.get("evidence", False)),
        ordered=tuple((a, b) for a, b in t.get("ordered", [])),
        quote_column=t.get("quote_column", "quote"),
    )
    names = {c.name for c in cols}
    for a, b in meta.ordered:
        if a not in names or b not in names:
            raise ValueError(f"{name}: ordered pair ({a}, {b}) names an unknown column")
    return meta


@functools.lru_cache(maxsize=1)
def load_metadata() -> dict[str, Any]:
    raw = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    tables = {name: _table(name, t) for name, t in raw["tables"].items()}
    derived = {name: _table(name, t) for name, t in (raw.get("derived_tables") or {}).items()}
    if tuple(tables) != TABLE_ORDER:
        raise ValueError(f"tables.yaml must list the tables in publish order {TABLE_ORDER}, got {tuple(tables)}")
    if tuple(derived) != DERIVED_ORDER:
        raise ValueError(f"tables.yaml must list the derived tables {DERIVED_ORDER}, got {tuple(derived)}")
    return {"dataset": raw["dataset"], "tables": tables, "derived": derived}


VARIANTS = ("full", "public")


@functools.lru_cache(maxsize=None)
def table_meta(name: str, variant: str = "full") -> TableMeta:
    """A table's metadata; the `public` variant leaves out the columns marked `full_only` (article texts)."""
    md = load_metadata()
    t = md["tables"][name] if name in md["tables"] else md["derived"][name]
    if variant == "full":
        return t
    if variant != "public":
        raise ValueError(f"unknown release variant {variant!r}: one of {VARIANTS}")
    return TableMeta(t.name, t.description, t.row_kind, t.primary_key, tuple(c for c in t.columns if not c.full_only),
                     t.evidence, t.ordered, t.quote_column)


def all_tables() -> list[TableMeta]:
    """The tables the pipeline publishes (not the derived ones a release adds)."""
    return list(load_metadata()["tables"].values())


def release_tables() -> list[TableMeta]:
    """Every table of a release: the published ones, then the derived ones."""
    md = load_metadata()
    return list(md["tables"].values()) + list(md["derived"].values())


def schema_hash(name: str, variant: str = "full") -> str:
    """A short hash of a table's column names and types: changes exactly when the published layout changes."""
    t = table_meta(name, variant)
    layout = [(c.name, c.type, c.required) for c in t.columns]
    return hashlib.sha256(json.dumps(layout).encode()).hexdigest()[:16]


# --- Arrow ------------------------------------------------------------------------------------------------

def arrow_type(col: ColumnMeta):
    import pyarrow as pa

    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "list<string>": pa.list_(pa.string()),
    }[col.type]


def arrow_schema(name: str, variant: str = "full"):
    import pyarrow as pa

    t = table_meta(name, variant)
    fields = [
        pa.field(c.name, arrow_type(c), nullable=not c.required, metadata={"description": c.description})
        for c in t.columns
    ]
    return pa.schema(fields, metadata={"table": name, "description": t.description})


# --- Dagster ----------------------------------------------------------------------------------------------

def dagster_table_schema(name: str):
    import dagster as dg

    t = table_meta(name)
    cols = []
    for c in t.columns:
        other = []
        if c.enum:
            other.append("one of: " + ", ".join(c.enum))
        if c.minimum is not None:
            other.append(f">= {c.minimum}")
        if c.maximum is not None:
            other.append(f"<= {c.maximum}")
        if c.pattern:
            other.append(f"matches {c.pattern}")
        if c.fk:
            other.append(f"references {c.fk}")
        cols.append(
            dg.TableColumn(
                name=c.name,
                type=c.type,
                description=c.description,
                constraints=dg.TableColumnConstraints(nullable=not c.required, unique=c.unique, other=other),
            )
        )
    return dg.TableSchema(columns=cols)


# --- DuckDB -----------------------------------------------------------------------------------------------

_DUCK = {"string": "VARCHAR", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "list<string>": "VARCHAR[]"}


def sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def duckdb_ddl(name: str, variant: str = "full") -> str:
    """CREATE TABLE with types, NOT NULL, CHECKs for enums and bounds, and the primary key.

    Foreign keys are checked by the blocking asset checks before publishing rather than declared here: DuckDB
    cannot declare a foreign key to a table's own column nor on list columns, and declared keys would make the
    published tables impossible to replace in one transaction.
    """
    t = table_meta(name, variant)
    lines = []
    for c in t.columns:
        parts = [sql_ident(c.name), _DUCK[c.type]]
        if c.required:
            parts.append("NOT NULL")
        checks = []
        if c.enum and c.type == "string":
            checks.append(f"{sql_ident(c.name)} IN ({', '.join(sql_literal(v) for v in c.enum)})")
        if c.minimum is not None:
            checks.append(f"{sql_ident(c.name)} >= {c.minimum}")
        if c.maximum is not None:
            checks.append(f"{sql_ident(c.name)} <= {c.maximum}")
        if checks:
            parts.append("CHECK (" + " AND ".join(checks) + ")")
        lines.append("  " + " ".join(parts))
    lines.append(f"  PRIMARY KEY ({', '.join(sql_ident(k) for k in t.primary_key)})")
    return f"CREATE TABLE {sql_ident(name)} (\n" + ",\n".join(lines) + "\n)"


def duckdb_comments(name: str, variant: str = "full") -> list[str]:
    t = table_meta(name, variant)
    out = [f"COMMENT ON TABLE {sql_ident(name)} IS {sql_literal(t.description)}"]
    for c in t.columns:
        out.append(f"COMMENT ON COLUMN {sql_ident(name)}.{sql_ident(c.name)} IS {sql_literal(c.description)}")
    return out


# --- Frictionless -----------------------------------------------------------------------------------------

_FRICTIONLESS = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "date", "list<string>": "array"}


def _frictionless_example(c: ColumnMeta) -> Any:
    """The column's example as a value of its Frictionless type ("[a, b]" -> ["a", "b"]); None when empty."""
    if c.example is None or c.example == "":
        return None
    if c.type == "list<string>":
        inner = c.example.strip().removeprefix("[").removesuffix("]")
        return [v.strip() for v in inner.split(",") if v.strip()]
    return c.example


def frictionless_schema(name: str, variant: str = "full") -> dict[str, Any]:
    t = table_meta(name, variant)
    fields = []
    for c in t.columns:
        f: dict[str, Any] = {"name": c.name, "type": _FRICTIONLESS[c.type], "description": c.description}
        cons: dict[str, Any] = {}
        if c.required:
            cons["required"] = True
        if c.unique:
            cons["unique"] = True
        if c.enum and c.type == "string":
            cons["enum"] = list(c.enum)
        if c.minimum is not None:
            cons["minimum"] = c.minimum
        if c.maximum is not None:
            cons["maximum"] = c.maximum
        if c.pattern:
            cons["pattern"] = c.pattern.removeprefix("^").removesuffix("$")
        if cons:
            f["constraints"] = cons
        example = _frictionless_example(c)
        if example is not None:
            f["example"] = example
        fields.append(f)
    schema: dict[str, Any] = {"fields": fields, "primaryKey": list(t.primary_key)}
    fks = [
        {"fields": [c.name], "reference": {"resource": "" if c.fk_table == name else c.fk_table, "fields": [c.fk_column]}}
        for c in t.columns
        if c.fk
    ]
    if fks:
        schema["foreignKeys"] = fks
    return schema
