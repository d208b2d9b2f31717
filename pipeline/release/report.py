"""`report.html`: a short, readable overview of a release with plots (matplotlib, Agg backend, embedded as
base64 PNG; no network, no external files).

Plots: figures over time by category, figures by reporter, events by type, events by place, and a map of the
places (longitude/latitude scatter, sized by how many events and figures point at them, over a faint backdrop
of the gazetteer's larger cities for orientation; no country outlines are available offline).
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.release.explorer import country_rings, map_frame


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _empty(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in this release", ha="center", va="center", transform=ax.transAxes, color="#777")
    ax.set_axis_off()


def _figures_over_time(figures: pd.DataFrame, articles: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.2))
    if figures.empty:
        _empty(ax, "figures")
        return fig
    pub = dict(zip(articles["article_id"], articles["published_at"]))
    when = [w if w is not None and not pd.isna(w) else pub.get(a) for w, a in zip(figures["window_end"], figures["article_id"])]
    df = figures.assign(when=pd.to_datetime(pd.Series(when, index=figures.index), errors="coerce")).dropna(subset=["when"])
    if df.empty:
        _empty(ax, "dated figures")
        return fig
    for cat, g in sorted(df.groupby("category"), key=lambda kv: kv[0]):
        ax.scatter(g["when"], g["value"].clip(lower=1), label=f"{cat} ({len(g)})", alpha=0.75, s=36)
    ax.set_yscale("log")
    ax.set_ylabel("value (log scale)")
    ax.set_title("Figures over time by category (end of the period they cover, else publication date)")
    ax.legend(fontsize=8, ncol=2, loc="best")
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    fig.autofmt_xdate()
    return fig


def _barh(counts: pd.Series, title: str, what: str, color: str):
    import matplotlib.pyplot as plt

    counts = counts.head(15)
    fig, ax = plt.subplots(figsize=(9, max(2.0, 0.32 * len(counts) + 1)))
    if counts.empty:
        _empty(ax, what)
        return fig
    ax.barh([str(i)[:50] for i in counts.index[::-1]], counts.values[::-1], color=color)
    ax.set_title(title)
    ax.set_xlabel("rows")
    return fig


def _map(places: pd.DataFrame, events: pd.DataFrame, figures: pd.DataFrame):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    located = places.dropna(subset=["lat", "lon"])
    if located.empty:
        _empty(ax, "located places")
        return fig
    refs = pd.concat([events["place_id"], figures["place_id"]]).value_counts()
    from matplotlib.patches import Polygon

    lon, lat = located["lon"].astype(float), located["lat"].astype(float)
    (x0, y0, x1, y1), outside = map_frame(list(zip(lon, lat)))  # a far place does not stretch the map
    far = set(located.index[outside])
    for _, rings in country_rings():  # Natural Earth outlines, bundled (pipeline/release/assets/geo/)
        for ring in rings:
            if ring and any(x0 - 10 <= x <= x1 + 10 and y0 - 10 <= y <= y1 + 10 for x, y in ring):
                ax.add_patch(Polygon(ring, closed=True, facecolor="#f0efe9", edgecolor="#999999", linewidth=0.6, zorder=1))
    ax.set_facecolor("#dfeaf2")
    near = located[~located.index.isin(far)]
    sizes = [30 + 25 * int(refs.get(pid, 0)) for pid in near["place_id"]]
    ax.scatter(near["lon"].astype(float), near["lat"].astype(float), s=sizes, color="#c0392b", alpha=0.7, edgecolor="black",
               zorder=3, label="places in the dataset (size: events + figures)")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    placed = []
    for _, r in near.assign(n=[int(refs.get(pid, 0)) for pid in near["place_id"]]).sort_values(["n", "name"], ascending=[False, True]).iterrows():
        t = ax.annotate(str(r["name"])[:30], (float(r["lon"]), float(r["lat"])), fontsize=8, xytext=(5, 3),
                        textcoords="offset points", zorder=4)
        box = t.get_window_extent(renderer)
        if any(box.overlaps(b) for b in placed):
            t.remove()  # labels never overlap: the place with more rows keeps its label
        else:
            placed.append(box)
    if far:
        ax.text(0.01, 0.99, "outside the map: " + ", ".join(sorted(str(n) for n in located.loc[sorted(far), "name"])),
                transform=ax.transAxes, fontsize=7, va="top", color="#555555")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.grid(True, color="#eeeeee")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("Places")
    return fig


def report_html(tables: dict[str, pd.DataFrame], version: str, created_at: str, changes: dict[str, Any] | None = None) -> str:
    import matplotlib

    matplotlib.use("Agg", force=True)

    articles, actors, places = tables["articles"], tables["actors"], tables["places"]
    events, figures = tables["events"], tables["figures"]
    actor_names = dict(zip(actors["actor_id"], actors["name"]))
    place_names = dict(zip(places["place_id"], places["name"]))
    reporters = pd.Series(
        [actor_names.get(a) or (t if t else "(not attributed)") for a, t in zip(figures["reporter_actor_id"], figures["reporter_text"])],
        dtype=object,
    ).value_counts()
    ev_places = events["place_id"].map(lambda p: place_names.get(p, "(no place)") if p else "(no place)").value_counts()

    plots = [
        ("Figures over time", _figures_over_time(figures, articles)),
        ("Figures by reporter", _barh(reporters, "Figures by who reported them (top 15)", "figures", "#2e86c1")),
        ("Figures by category", _barh(figures["category"].value_counts(), "Figures by category", "figures", "#117a65")),
        ("Events by type", _barh(events["event_type"].value_counts(), "Events by PLOVER type", "events", "#884ea0")),
        ("Events by place", _barh(ev_places, "Events by place (top 15)", "events", "#ca6f1e")),
        ("Map of places", _map(places, events, figures)),
    ]
    e = html.escape
    counts = "".join(f"<tr><td>{e(n)}</td><td style='text-align:right'>{len(df)}</td></tr>" for n, df in tables.items())
    change_line = ""
    if changes and changes.get("previous_version"):
        parts = [f"{n}: +{len(c['added'])} −{len(c['removed'])} ~{len(c['changed'])}" for n, c in changes["tables"].items()
                 if c["added"] or c["removed"] or c["changed"]]
        change_line = (f"<p>Since <code>{e(changes['previous_version'])}</code>: " + (e("; ".join(parts)) or "no row changed")
                       + ". See <a href='CHANGELOG.md'>CHANGELOG.md</a>.</p>")
    top = figures.sort_values("value", ascending=False).head(8)
    fig_rows = "".join(
        f"<tr><td style='text-align:right'>{v:,.0f}</td><td>{e(str(c))}</td><td>{e(str(q))}</td></tr>"
        for v, c, q in zip(top["value"], top["category"], top["quote"])
    )
    imgs = "".join(f"<h2>{e(t)}</h2><img alt='{e(t)}' src='data:image/png;base64,{b}'>" for t, b in ((t, _png(f)) for t, f in plots))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newsledger release {e(version)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ddd;padding:.25em .6em}}img{{max-width:100%}}</style></head><body>
<h1>newsledger release <code>{e(version)}</code></h1>
<p>Created {e(created_at)}. Events, actors, places and figures extracted from {len(articles)} news article(s); every row
points at the exact words it came from. Column meanings: <a href="codebook.html">codebook</a>; quality checks:
<a href="data_docs/index.html">Data Docs</a>; integrity: <code>SHA256SUMS</code> and <code>python -m pipeline verify</code>.</p>
{change_line}
<h2>Rows per table</h2><table><tr><th>table</th><th>rows</th></tr>{counts}</table>
<h2>Largest figures</h2><table><tr><th>value</th><th>category</th><th>words</th></tr>{fig_rows}</table>
{imgs}
</body></html>
"""


def write_report(folder: Path, tables: dict[str, pd.DataFrame], version: str, created_at: str, changes: dict[str, Any] | None = None) -> Path:
    path = folder / "report.html"
    path.write_text(report_html(tables, version, created_at, changes), encoding="utf-8")
    return path
