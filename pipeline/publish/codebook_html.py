"""The codebook as Markdown (`CODEBOOK.md`) and HTML (`codebook.html`), both generated from `schemas/tables.yaml`,
the same metadata source as the pandera models, the Arrow schemas and the DuckDB comments. Never edited by hand."""

from __future__ import annotations

from pathlib import Path

import jinja2

from schemas.metadata import _allowed, codebook_markdown, load_metadata

_TEMPLATE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Codebook: {{ ds.title }}{% if version %} ({{ version }}){% endif %}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;margin:1em 0 2em}th,td{border:1px solid #ccc;padding:.35em .5em;vertical-align:top;text-align:left}
th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2em;border-radius:3px}.muted{color:#666}nav li{margin:.2em 0}
</style></head><body>
<h1>Codebook: {{ ds.title }}</h1>
{% if version %}<p>Dataset version: <code>{{ version }}</code></p>{% endif %}
<p>{{ ds.description }}</p>
<p class="muted">Generated from <code>schemas/tables.yaml</code>, the one metadata source of the published tables; do not edit by hand.</p>
<p>Conventions: ids are stable and deterministic (content hashes and spans). Offsets <code>char_start</code>/<code>char_end</code>
index the article's normalised <code>text</code>, end exclusive, and <code>text[char_start:char_end] == quote</code> holds on every row
that carries evidence. Dates are ISO dates. Unknown is NULL. Lists are Arrow list columns (JSON arrays in the CSV files).</p>
<nav><h2>Tables</h2><ul>
{% for t in tables %}<li><a href="#{{ t.name }}"><code>{{ t.name }}</code></a>: {{ t.description }}</li>
{% endfor %}</ul></nav>
{% for t in tables %}
<section id="{{ t.name }}"><h2>{{ t.name }}</h2>
<p>{{ t.description }}</p>
<p>One row is {{ t.row_kind }}. Primary key: <code>{{ t.primary_key|join(', ') }}</code>.
{% if t.evidence %}Every row carries its evidence (<code>article_id</code>, <code>char_start</code>, <code>char_end</code>, <code>{{ t.quote_column }}</code>).{% endif %}</p>
<table><thead><tr><th>column</th><th>type</th><th>required</th><th>meaning</th><th>allowed values</th><th>example</th></tr></thead><tbody>
{% for c in t.columns %}<tr id="{{ t.name }}.{{ c.name }}"><td><code>{{ c.name }}</code></td><td>{{ c.type }}</td>
<td>{{ 'yes' if c.required else 'no (NULL when unknown)' }}{{ ', unique' if c.unique else '' }}</td>
<td>{{ c.description }}</td><td>{{ allowed(c) }}</td><td>{% if c.example is not none %}<code>{{ c.example }}</code>{% endif %}</td></tr>
{% endfor %}</tbody></table></section>
{% endfor %}
</body></html>
""",
    autoescape=True,
)


def codebook_html(version: str | None = None) -> str:
    md = load_metadata()
    ds = dict(md["dataset"])
    ds["description"] = " ".join(ds["description"].split())
    return _TEMPLATE.render(
        ds=ds, version=version, tables=list(md["tables"].values()),
        allowed=lambda c: _allowed(c).replace("`", ""),
    )


def write_codebooks(folder: Path, version: str) -> None:
    (folder / "CODEBOOK.md").write_text(codebook_markdown(version) + "\n", encoding="utf-8")
    (folder / "codebook.html").write_text(codebook_html(version), encoding="utf-8")
