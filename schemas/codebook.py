"""The codebook, generated from `schemas/tables.yaml` (tables, columns, the meaning of every allowed value, the
crosswalk, the release terms) and `schemas/eval_summary.json` (the accuracy `make eval` measured, for the
limitations section). Markdown here; `pipeline/release/codebook_html.py` renders the same content as HTML.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from schemas.metadata import ColumnMeta, TableMeta, load_metadata, release_tables, table_meta

EVAL_SUMMARY_PATH = Path(__file__).with_name("eval_summary.json")


def allowed(c: ColumnMeta) -> str:
    bits = []
    if c.enum:
        bits.append(", ".join(f"`{v}`" for v in c.enum))
    elif c.values:
        bits.append("open list, see below: " + ", ".join(f"`{v}`" for v, _ in c.values))
    if c.minimum is not None or c.maximum is not None:
        lo = "" if c.minimum is None else f"{c.minimum} ≤ "
        hi = "" if c.maximum is None else f" ≤ {c.maximum}"
        bits.append(f"{lo}value{hi}")
    if c.pattern:
        bits.append(f"pattern `{c.pattern}`")
    if c.fk:
        bits.append(f"references `{c.fk}`")
    return "; ".join(bits)


@functools.lru_cache(maxsize=1)
def eval_summary() -> dict[str, Any]:
    """The committed summary of `make eval` (measured accuracy per benchmark and table)."""
    return json.loads(EVAL_SUMMARY_PATH.read_text(encoding="utf-8"))


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)


def limitations_markdown() -> list[str]:
    """The limitations section: known limits (configuration) and the measured accuracy (eval summary)."""
    ds = load_metadata()["dataset"]
    ev = eval_summary()
    out = ["## Limitations", ""]
    out += [f"- {' '.join(str(x).split())}" for x in ds.get("limitations", [])]
    out += ["", f"Accuracy measured by `{ev['command']}` on {ev['measured_on']} (code at commit `{ev['commit']}`); "
            "precision (P) and recall (R) of the rows against hand-made or public gold annotations. "
            + " ".join(str(ev.get("note", "")).split()), "",
            "| benchmark | table | items | P | R | other measures |", "|---|---|---|---|---|---|"]
    for r in ev["results"]:
        other = "; ".join(f"{k} {_fmt(v)}" for k, v in r.get("other", {}).items())
        out.append(f"| {r['benchmark']} | {r['table']} | {r.get('items', '')} | {_fmt(r.get('precision'))} | "
                   f"{_fmt(r.get('recall'))} | {other} |")
    out.append("")
    return out


def _values_markdown(t: TableMeta) -> list[str]:
    out = []
    for c in t.columns:
        if not c.values:
            continue
        kind = "Allowed values" if c.enum else "Values in use (an open list)"
        out += [f"{kind} of `{t.name}.{c.name}`:", ""]
        out += [f"- `{v}`: {meaning}" for v, meaning in c.values]
        out.append("")
    return out


def _variant_line(variant: str) -> list[str]:
    ds = load_metadata()["dataset"]
    note = " ".join(str(ds.get("variants", {}).get(variant, "")).split())
    return [f"Release variant: **{variant}**. {note}", ""] if note else []


def _crosswalk_lines() -> list[str]:
    cw = load_metadata()["dataset"].get("crosswalk")
    if not cw:
        return []
    return ["## Crosswalk", "", " ".join(str(cw["description"]).split()) + f" File: `{cw['path']}` (in the project"
            " repository; its columns: " + ", ".join(f"`{c}`" for c in cw.get("columns", [])) + ").", ""]


def codebook_markdown(version: str | None = None, variant: str = "full") -> str:
    """The codebook: every table and column with type, meaning, allowed values (each defined) and an example,
    the crosswalk, and the limitations with the measured accuracy."""
    md = load_metadata()
    ds = md["dataset"]
    out = [f"# Codebook: {ds['title']}", ""]
    if version:
        out += [f"Dataset version: `{version}`", ""]
    out += _variant_line(variant)
    out += [
        " ".join(ds["description"].split()),
        "",
        "Generated from `schemas/tables.yaml`, the one metadata source of the published tables; do not edit by hand.",
        "",
        "Conventions: ids are stable and deterministic (content hashes and spans). Offsets `char_start`/`char_end` "
        "index the article's normalised `text`, end exclusive, and `text[char_start:char_end] == quote` holds on "
        "every row that carries evidence. Dates are ISO dates. Unknown is NULL. Lists are Arrow list columns.",
        "",
        "## Tables",
        "",
    ]
    derived = set(md["derived"])
    for t in release_tables():
        out.append(f"- [`{t.name}`](#{t.name}): {t.description}" + (" (derived at release time)" if t.name in derived else ""))
    out.append("")
    for t in release_tables():
        out += [f"## {t.name}", "", t.description, "", f"One row is {t.row_kind}. Primary key: `{', '.join(t.primary_key)}`.", ""]
        if t.evidence:
            out += ["Every row carries its evidence (`article_id`, `char_start`, `char_end`, `quote`).", ""]
        out += ["| column | type | required | meaning | allowed values | example |", "|---|---|---|---|---|---|"]
        in_variant = set(table_meta(t.name, variant).column_names)
        for c in t.columns:
            example = "" if c.example is None else f"`{c.example}`"
            req = "yes" if c.required else "no (NULL when unknown)"
            if c.unique:
                req += ", unique"
            desc = c.description + (" **Full release only**: not in the public release." if c.full_only else "")
            if c.name not in in_variant:
                desc += " (Not in this release.)"
            out.append(f"| `{c.name}` | {c.type} | {req} | {desc.replace('|', '/')} | {allowed(c).replace('|', '/')} | {example.replace('|', '/')} |")
        out.append("")
        out += _values_markdown(t)
    out += _crosswalk_lines()
    out += limitations_markdown()
    return "\n".join(out)


def summarise_eval_report(report: dict[str, Any], commit: str, command: str) -> dict[str, Any]:
    """The eval summary the codebook loads, from the JSON report `python -m pipeline eval --report FILE` writes:
    scores only (precision, recall, F1, field agreements), never the misses (they quote gold material)."""
    results = []
    for rep in report["reports"]:
        for table, s in rep["tables"].items():
            other = {k.split(".", 1)[1]: v for k, v in sorted(rep.get("metrics", {}).items())
                     if k.startswith(table + ".") and isinstance(v, (int, float))}
            results.append({"benchmark": rep["benchmark"], "table": table, "items": rep["items"], "gold": s["gold"],
                            "precision": s["precision"], "recall": s["recall"], "f1": s["f1"], "other": other})
    return {"measured_on": report["generated"], "commit": commit, "command": command, "results": results}


if __name__ == "__main__":  # python -m schemas.codebook REPORT.json COMMIT: rewrite schemas/eval_summary.json
    import sys

    summary = summarise_eval_report(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2],
                                    "make eval (python -m pipeline eval --benchmark ../shared/benchmarks)")
    EVAL_SUMMARY_PATH.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
