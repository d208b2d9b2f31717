"""The codebook as Markdown (`CODEBOOK.md`) and HTML (`codebook.html`), both generated from `schemas/tables.yaml`,
the same metadata source as the pandera models, the Arrow schemas and the DuckDB comments. Never edited by hand."""

from __future__ import annotations

from pathlib import Path

import jinja2

from markupsafe import Markup
from markdown_it import MarkdownIt

from schemas.codebook import _crosswalk_lines, _values_markdown, _variant_line, allowed, codebook_markdown, limitations_markdown
from schemas.metadata import load_metadata, release_tables, table_meta

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
{{ variant_html }}
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
<td>{{ c.description }}{% if c.full_only %} <strong>Full release only</strong>: not in the public release.{% endif %}{% if c.name not in in_variant[t.name] %} (Not in this release.){% endif %}</td><td>{{ allowed(c) }}</td><td>{% if c.example is not none %}<code>{{ c.example }}</code>{% endif %}</td></tr>
{% endfor %}</tbody></table>
{{ values_html[t.name] }}</section>
{% endfor %}
{{ tail_html }}
</body></html>
""",
    autoescape=True,
)


_MD = MarkdownIt("commonmark", {"html": False}).enable("table")


def _html(lines: list[str]) -> Markup:
    return Markup(_MD.render("\n".join(lines)))  # noqa: S704 - rendered from our own metadata, raw HTML disabled


def codebook_html(version: str | None = None, variant: str = "full") -> str:
    md = load_metadata()
    ds = dict(md["dataset"])
    ds["description"] = " ".join(ds["description"].split())
    tables = release_tables()
    return _TEMPLATE.render(
        ds=ds, version=version, tables=tables,
        allowed=lambda c: allowed(c).replace("`", ""),
        in_variant={t.name: set(table_meta(t.name, variant).column_names) for t in tables},
        variant_html=_html(_variant_line(variant)),
        values_html={t.name: _html(_values_markdown(t)) for t in tables},
        tail_html=_html(_crosswalk_lines() + limitations_markdown()),
    )


def write_codebooks(folder: Path, version: str, variant: str = "full") -> None:
    (folder / "CODEBOOK.md").write_text(codebook_markdown(version, variant) + "\n", encoding="utf-8")
    (folder / "codebook.html").write_text(codebook_html(version, variant), encoding="utf-8")
